package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// TestMarkdownRenders renders report.md through a CommonMark parser with
// GitHub's table extension (goldmark), as a reader's viewer does, and
// checks what a reader sees: no escaped entity shown as text ("-&gt;"),
// no literal backtick or backslash escape, and the commands named in
// prose as code.
func TestMarkdownRenders(t *testing.T) {
	for _, input := range []string{"lockbench.txt", "hostile.txt"} {
		t.Run(input, func(t *testing.T) {
			r := buildReport(t, input)
			var md bytes.Buffer
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := goldmark.New(goldmark.WithExtensions(extension.Table)).Convert(md.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			root := parseHTML(t, out.Bytes())
			if n := len(elements(root, "script")); n != 0 {
				t.Fatalf("%d <script> elements in the rendered report.md", n)
			}
			text := textOf(root)
			for _, bad := range []string{"&gt;", "&lt;", "&amp;", "`", `\_`, `\*`, `\>`, `\[`} {
				if i := strings.Index(text, bad); i >= 0 {
					t.Errorf("rendered report.md shows %q: ...%s...", bad, text[max(0, i-60):min(len(text), i+60)])
				}
			}
			if input == "lockbench.txt" {
				var codes []string
				for _, c := range elements(root, "code") {
					codes = append(codes, textOf(c))
				}
				if !strings.Contains(strings.Join(codes, "\n"), "lockbench classes") {
					t.Errorf("`lockbench classes` is not code in the rendered report: %q", codes)
				}
			}
		})
	}
}
