package compare

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"

	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports/stats"
)

// A Format is an output format of Comparison.Write.
type Format string

// The formats.
const (
	Text     Format = "text"
	Markdown Format = "markdown"
	CSV      Format = "csv"
	JSON     Format = "json"
)

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, Markdown, CSV, JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, markdown, csv or json)", s)
}

// Write writes the comparison in format f.
func (c *Comparison) Write(w io.Writer, f Format) error {
	switch f {
	case Text, Markdown:
		return c.writeTables(w, f)
	case CSV:
		return c.writeCSV(w)
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	}
	return fmt.Errorf("unknown format %q", f)
}

// footnotes numbers distinct warnings in order of first use.
type footnotes struct {
	index map[string]int
	list  []string
}

func (f *footnotes) mark(warnings []string) string {
	if len(warnings) == 0 {
		return ""
	}
	if f.index == nil {
		f.index = map[string]int{}
	}
	var marks []string
	for _, w := range warnings {
		n, ok := f.index[w]
		if !ok {
			f.list = append(f.list, w)
			n = len(f.list)
			f.index[w] = n
		}
		marks = append(marks, superscript(n))
	}
	return " " + strings.Join(marks, " ")
}

func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	d := []rune(digits)
	var b strings.Builder
	for _, c := range fmt.Sprint(n) {
		b.WriteRune(d[c-'0'])
	}
	return b.String()
}

func (c *Comparison) writeTables(w io.Writer, f Format) error {
	var b bytes.Buffer
	for _, cv := range c.Config {
		if f == Markdown {
			fmt.Fprintf(&b, "%s: %s  \n", table.EscapeMarkdown(cv.Key), table.EscapeMarkdown(cv.Value))
		} else {
			fmt.Fprintf(&b, "%s: %s\n", cv.Key, cv.Value)
		}
	}
	for i, t := range c.Tables {
		if i > 0 || len(c.Config) > 0 {
			b.WriteString("\n")
		}
		if t.Key != "" {
			fmt.Fprintf(&b, "%s\n", t.Key)
		}
		if err := t.write(&b, f, c.Alpha); err != nil {
			return err
		}
	}
	for i, in := range c.Inconclusive {
		if i == 0 {
			b.WriteString("\n")
		}
		line := in.Name
		if c.columns() > 2 {
			line += fmt.Sprintf(", %s against %s", in.Col, in.Base)
		}
		line += fmt.Sprintf(": inconclusive (%s)", in.Note)
		if f == Markdown {
			line = table.EscapeMarkdown(line) + "  "
		}
		b.WriteString(line + "\n")
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(&b, "\nnote: %s", warn)
	}
	if len(c.Warnings) > 0 {
		b.WriteString("\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// write renders t as benchstat does: a column of "median ± CI%" per
// input and, after every column but the first, the change against the
// first ("~" when not significant at alpha).
func (t *Table) write(w io.Writer, f Format, alpha float64) error {
	var notes footnotes
	header := []string{""}
	units := []string{""}
	for i, col := range t.Cols {
		header = append(header, col)
		units = append(units, t.Unit)
		if i > 0 {
			header = append(header, "")
			units = append(units, "vs base")
		}
	}
	var rows [][]string
	all := t.Rows
	if t.Geomean != nil {
		all = append(all[:len(all):len(all)], t.Geomean)
	}
	for _, r := range all {
		scale := rowScaler(t.Unit, r)
		line := []string{r.Name}
		for i, cell := range r.Cells {
			if cell == nil {
				line = append(line, "")
			} else {
				s := scale.Format(float64(cell.Center))
				if r != t.Geomean {
					s += " ± " + pctRange(cell)
				}
				s += notes.mark(cell.Warnings)
				line = append(line, s)
			}
			if i == 0 {
				continue
			}
			line = append(line, deltaString(r.Cells[0], cell, alpha, r == t.Geomean))
		}
		rows = append(rows, line)
	}
	if f == Markdown {
		return t.writeMarkdown(w, header, units, rows, &notes)
	}
	if err := table.Plain(w, header, append([][]string{units}, rows...)); err != nil {
		return err
	}
	for i, n := range notes.list {
		fmt.Fprintf(w, "%s %s\n", superscript(i+1), n)
	}
	return nil
}

func (t *Table) writeMarkdown(w io.Writer, header, units []string, rows [][]string, notes *footnotes) error {
	head := make([]string, len(header))
	for i := range header {
		switch {
		case i == 0:
			head[i] = "benchmark"
		case header[i] == "":
			head[i] = units[i]
		default:
			head[i] = header[i] + " " + units[i]
		}
	}
	if err := table.Markdown(w, head, rows); err != nil {
		return err
	}
	for i, n := range notes.list {
		fmt.Fprintf(w, "\n%s %s", superscript(i+1), table.EscapeMarkdown(n))
	}
	if len(notes.list) > 0 {
		fmt.Fprintln(w)
	}
	return nil
}

// rowScaler picks one SI scale for a row's centers so they read alike.
func rowScaler(unit string, r *Row) benchunit.Scaler {
	var vals []float64
	for _, c := range r.Cells {
		if c != nil {
			vals = append(vals, float64(c.Center))
		}
	}
	return benchunit.CommonScale(vals, benchunit.ClassOf(unit))
}

// deltaString is benchstat's "vs base" cell: "+5.00% (p=0.000 n=10)",
// "~ (p=0.481 n=10)" (benchmath.Comparison's FormatDelta and String), or
// the geomean's bare change. base is the row's cell in the first column.
func deltaString(base, c *Cell, alpha float64, geomean bool) string {
	if c == nil || c.Delta == nil {
		return ""
	}
	d := c.Delta
	if geomean {
		return stats.Pct(float64(d.Ratio)-1, 2, true)
	}
	cmp := benchmath.Comparison{P: float64(d.P), N1: d.N1, N2: d.N2, Alpha: alpha}
	return cmp.FormatDelta(float64(base.Center), float64(c.Center)) + " (" + cmp.String() + ")"
}

// pctRange is the cell's "± 4%" (benchmath.Summary.PctRangeString).
func pctRange(c *Cell) string {
	return stats.Estimate{Median: c.Center, Lo: c.Lo, Hi: c.Hi}.PctRange()
}

// writeCSV writes one CSV block per table, unscaled values in the tidied
// unit (sec/page, not ns/page) to six significant digits, warnings as a
// trailing column, so that a spreadsheet gets every number.
func (c *Comparison) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	for i, t := range c.Tables {
		if i > 0 {
			cw.Write(nil)
		}
		head := []string{"benchmark"}
		for j, col := range t.Cols {
			head = append(head, col+" "+t.Unit, "CI lo", "CI hi", "n")
			if j > 0 {
				head = append(head, "vs base", "p")
			}
		}
		if t.Key != "" {
			head[0] = t.Key
		}
		cw.Write(append(head, "warnings"))
		all := t.Rows
		if t.Geomean != nil {
			all = append(all[:len(all):len(all)], t.Geomean)
		}
		for _, r := range all {
			line := []string{r.Name}
			var warns []string
			for j, cell := range r.Cells {
				if cell == nil {
					line = append(line, "", "", "", "")
					if j > 0 {
						line = append(line, "", "")
					}
					continue
				}
				warns = append(warns, cell.Warnings...)
				line = append(line, csvNum(float64(cell.Center)), csvNum(float64(cell.Lo)), csvNum(float64(cell.Hi)), fmt.Sprint(cell.N))
				if j == 0 {
					continue
				}
				if cell.Delta == nil {
					line = append(line, "", "")
					continue
				}
				line = append(line, stats.Pct(float64(cell.Delta.Ratio)-1, 2, true), csvNum(float64(cell.Delta.P)))
			}
			line = append(line, strings.Join(warns, "; "))
			cw.Write(line)
		}
	}
	for _, warn := range c.Warnings {
		cw.Write([]string{"note", warn})
	}
	cw.Flush()
	return cw.Error()
}

// csvNum writes a CSV cell. CSV is data for a spreadsheet, not text for
// a reader, so it does not use stats.Format: six significant digits in
// the shortest form (more would print the noise of tidying: 41.2 ns is
// 4.1200000000000004e-08 sec), and an empty cell for a value that is not
// finite, as spreadsheets read a missing value.
func csvNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// columns is the most columns of any table.
func (c *Comparison) columns() int {
	n := 0
	for _, t := range c.Tables {
		n = max(n, len(t.Cols))
	}
	return n
}
