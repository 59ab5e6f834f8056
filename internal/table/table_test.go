package table

import (
	"strings"
	"testing"
)

// TestMarkdownEscapes: text from input files cannot end a cell or a row.
func TestMarkdownEscapes(t *testing.T) {
	var b strings.Builder
	if err := Markdown(&b, []string{"name", "value"}, [][]string{{"a|b", "x\ny"}, {"<script>", "1"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want header, rule and 2 rows:\n%s", len(lines), b.String())
	}
	for _, l := range lines {
		if strings.Count(l, "|")-strings.Count(l, `\|`) != 3 {
			t.Errorf("line %q does not have 2 cells", l)
		}
	}
	if strings.Contains(b.String(), "<script>") {
		t.Errorf("HTML passed through:\n%s", b.String())
	}
}

// TestPlainNoTrailingBlanks: benchstat's look, without the padding that
// makes diffs noisy.
func TestPlainNoTrailingBlanks(t *testing.T) {
	var b strings.Builder
	if err := Plain(&b, []string{"benchmark", "ns/op"}, [][]string{{"X", "1"}, {"Longer", "100"}}); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing blank in %q", l)
		}
	}
	if !strings.Contains(b.String(), "X              1\nLonger       100") {
		t.Errorf("numbers not right-aligned:\n%s", b.String())
	}
}
