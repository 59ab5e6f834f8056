// Package table writes the plain-text and Markdown tables that lockbench
// prints: benchstat's borderless look for a terminal, and GitHub-flavoured
// Markdown for reports and comparisons. It is the one table writer of
// reports, reports/compare and reports/render.
//
// It is a leaf: it imports nothing of lockbench.
package table

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Plain renders a borderless table, benchstat's look: the first column
// left-aligned, the others right-aligned, no trailing blanks.
func Plain(w io.Writer, header []string, rows [][]string) error {
	return Left(w, header, rows, 1)
}

// Left is Plain with the first left columns aligned left.
func Left(w io.Writer, header []string, rows [][]string, left int) error {
	var buf bytes.Buffer
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
		if i < left {
			align[i] = tw.AlignLeft
		}
	}
	tbl := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	)
	// The header is a row like the others: tablewriter pads header cells
	// differently, which would shift it against the columns.
	for _, r := range append([][]string{header}, rows...) {
		if err := tbl.Append(r); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	// tablewriter pads every line to the table's width; trailing blanks
	// only make diffs noisy.
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if _, err := fmt.Fprintln(w, strings.TrimRight(strings.TrimPrefix(line, " "), " ")); err != nil {
			return err
		}
	}
	return nil
}

// EscapeMarkdown keeps text taken from input files from being read as
// Markdown or HTML, in comparison tables and reports alike: a backslash
// before Markdown's punctuation (a pipe would end a table cell) and
// before < > & (CommonMark's escapes, so the raw file reads "->", not
// "-&gt;", and the rendered page shows the same), and a space for a line
// break (which would end a table row). A pair of backticks becomes a
// code span, its content verbatim: a code span's content is literal in
// CommonMark (no markup, no HTML), so a command named in prose shows as
// code, not as two escaped backticks. An unpaired backtick is escaped.
func EscapeMarkdown(s string) string {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 { // an odd number of backticks: no pairing
		return escapeMarkdownText(s)
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 0 {
			b.WriteString(escapeMarkdownText(p))
			continue
		}
		p = strings.NewReplacer("\n", " ", "\r", " ").Replace(p)
		// Empty, or with a pipe (GFM splits a table row at it even in a
		// code span): escaped as text.
		if strings.TrimSpace(p) == "" || strings.Contains(p, "|") {
			b.WriteString("\\`" + escapeMarkdownText(p) + "\\`")
			continue
		}
		b.WriteString("`" + p + "`")
	}
	return b.String()
}

// escapeMarkdownText is EscapeMarkdown of text without code spans.
func escapeMarkdownText(s string) string {
	r := strings.NewReplacer(
		`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`, "~", `\~`,
		"<", `\<`, ">", `\>`, "&", `\&`, "\n", " ", "\r", " ")
	return r.Replace(s)
}

// Markdown writes a GitHub-flavoured Markdown table (tablewriter's
// Markdown renderer): the header, an alignment rule, the rows, each
// column padded to its width so that the text reads as a table too.
// Every cell is escaped (EscapeMarkdown), so text from input files stays
// text.
func Markdown(w io.Writer, header []string, rows [][]string) error {
	esc := func(cells []string) []string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = EscapeMarkdown(c)
		}
		return out
	}
	tbl := tablewriter.NewTable(w, tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone))
	tbl.Header(esc(header))
	for _, r := range rows {
		if err := tbl.Append(esc(r)); err != nil {
			return err
		}
	}
	return tbl.Render()
}
