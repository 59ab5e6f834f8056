package reports

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/internal/table"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// A ClassRow is one lock class of one case, as lockstat and `perf lock
// contention` show a lock: contentions, total, max and average wait,
// acquisitions and average hold. Counts and total wait are per page (per
// op for cs), so that cases of different lengths compare; medians over
// the case's repetitions. A unit absent from the results is nil.
type ClassRow struct {
	Case  string `json:"case"` // the case's name, as SummaryRow.Case
	Procs int    `json:"procs,omitempty"`
	File  string `json:"file,omitempty"`
	Class string `json:"class"`
	N     int    `json:"n"`
	// Contended is contended acquisitions per page (lockstat's Count of
	// contention events; perf's "contended").
	Contended *Float `json:"contended"`
	// TotalWait is wait-ns per page ("total wait").
	TotalWait *Float `json:"total_wait_ns"`
	// MaxWait is the longest single wait in ns ("max wait").
	MaxWait *Float `json:"max_wait_ns,omitempty"`
	// AvgWait is total wait over contended acquisitions, the median over
	// repetitions of each one's ratio ("avg wait"); nil when nothing
	// waited.
	AvgWait *Float `json:"avg_wait_ns,omitempty"`
	// Acquisitions is acquisitions per page (lockstat's hold events;
	// perf lock report's "acquired").
	Acquisitions *Float `json:"acquisitions"`
	// AvgHold is the sampled mean hold time in ns ("avg hold").
	AvgHold *Float `json:"avg_hold_ns,omitempty"`
	// Share is the class's share of the case's total wait, 0..1; nil
	// when nothing in the case waited.
	Share *Float `json:"wait_share,omitempty"`
}

// ClassRows returns the class rows of case c of m, sorted by total wait, the
// largest first (as lockstat sorts), then in path order.
func ClassRows(m *cases.Model, c *cases.Case) []ClassRow {
	per := schema.PerPage
	if !c.Has(cases.NSPage) && c.Has(cases.NSOp) {
		per = schema.PerOp
	}
	contended, wait, acq := schema.PerUnit(schema.StemContended, per), schema.PerUnit(schema.StemWaitNS, per), schema.PerUnit(schema.StemAcq, per)
	shares := c.ClassShares(wait)
	var rows []ClassRow
	for i, cl := range c.Classes {
		r := ClassRow{Case: c.Name.Case(), Procs: c.Name.Procs, Class: cl.Class, N: cl.N()}
		if len(m.Files) > 1 {
			r.File = c.File
		}
		r.Contended, r.TotalWait, r.Acquisitions = medianOf(cl, contended), medianOf(cl, wait), medianOf(cl, acq)
		r.MaxWait, r.AvgHold = medianOf(cl, schema.UnitWaitMax), medianOf(cl, schema.UnitHoldNS)
		var avg []float64
		ws, cs := cl.Samples[wait], cl.Samples[contended]
		for j := range min(len(ws), len(cs)) {
			if cs[j] > 0 {
				avg = append(avg, ws[j]/cs[j])
			}
		}
		if len(avg) > 0 {
			a := Float(stats.Median(avg))
			r.AvgWait = &a
		}
		if shares != nil {
			s := Float(shares[i])
			r.Share = &s
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b ClassRow) int { return cmp.Compare(floatOr0(b.TotalWait), floatOr0(a.TotalWait)) })
	return rows
}

func floatOr0(f *Float) float64 {
	if f == nil || math.IsNaN(float64(*f)) {
		return 0
	}
	return float64(*f)
}

// classes fills s.Classes from every case of m, in the summary's order.
func (s *Summary) classes(m *cases.Model) {
	for _, c := range m.Cases {
		s.Classes = append(s.Classes, ClassRows(m, c)...)
	}
}

// WriteClasses writes the lockstat-style table of s.Classes: per case,
// per lock class, contended acquisitions, total, max and average wait,
// acquisitions and average hold, each case's classes sorted by total
// wait. It writes nothing when the results have no class lines (bare
// runs, go test output).
func (s *Summary) WriteClasses(w io.Writer) error {
	return writeClassTable(w, s.Classes)
}

// ClassHeader is the header of the lockstat-style class table: the
// column names of lockstat and `perf lock contention`, with their units.
func ClassHeader() []string {
	return []string{"case", "class", "contended/page", "total wait ns/page", "max wait ns", "avg wait ns", "acquisitions/page", "avg hold ns", "% of wait"}
}

func writeClassTable(w io.Writer, rows []ClassRow) error {
	if len(rows) == 0 {
		return nil
	}
	procs, files := map[int]bool{}, map[string]bool{}
	for _, r := range rows {
		procs[r.Procs], files[r.File] = true, true
	}
	header := ClassHeader()
	if len(files) > 1 {
		header = append([]string{"file"}, header...)
	}
	var cells [][]string
	prev := ""
	for _, r := range rows {
		name := r.Case
		if len(procs) > 1 && r.Procs > 0 {
			name += "-" + strconv.Itoa(r.Procs)
		}
		key := r.File + "\x00" + name
		if key == prev {
			name = "" // one case's classes under its name
		}
		prev = key
		share := stats.None
		if r.Share != nil {
			share = stats.Pct(float64(*r.Share), 0, false)
		}
		row := []string{name, r.Class, optNum(r.Contended), optNum(r.TotalWait), optNum(r.MaxWait), optNum(r.AvgWait),
			optNum(r.Acquisitions), optNum(r.AvgHold), share}
		if len(files) > 1 {
			f := r.File
			if name == "" {
				f = ""
			}
			row = append([]string{f}, row...)
		}
		cells = append(cells, row)
	}
	var b strings.Builder
	b.WriteString("lock classes, per case (lockstat's columns; per page, medians; sorted by total wait):\n")
	if err := table.Left(&b, header, cells, len(header)-len(ClassHeader())+2); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteClassTable writes the lockstat-style class table (see
// Summary.WriteClasses) of results read from any results file; it says
// so, in one line, when they have no class lines. warnings are the case
// model's (cases.Model.Warnings: class lines without their case line,
// classes over results.MaxClasses, ...), the same the report shows, for
// the caller to print.
func WriteClassTable(w io.Writer, set *Set) (warnings []string, err error) {
	if set == nil || len(set.Results) == 0 {
		return nil, fmt.Errorf("no results")
	}
	m := cases.Group(set.Results)
	var rows []ClassRow
	for _, c := range m.Cases {
		rows = append(rows, ClassRows(m, c)...)
	}
	if len(rows) == 0 {
		return m.Warnings, &InputError{FileName: strings.Join(set.Files, ", "),
			Msg: fmt.Sprintf("no lock-class lines (%s=...): the results come from a bare run, an older lockbench or go test", schema.KeyClass)}
	}
	return m.Warnings, writeClassTable(w, rows)
}
