package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/plot"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
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

// classRows returns the class rows of c, sorted by total wait, the
// largest first (as lockstat sorts), then in path order.
func classRows(m *cases.Model, c *cases.Case) []ClassRow {
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
		s.Classes = append(s.Classes, classRows(m, c)...)
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
	if err := writeTableLeft(&b, header, cells, len(header)-len(ClassHeader())+2); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteClassTable writes the lockstat-style class table (see
// Summary.WriteClasses) of results read from any results file; it says
// so, in one line, when they have no class lines.
func WriteClassTable(w io.Writer, set *Set) error {
	if set == nil || len(set.Results) == 0 {
		return fmt.Errorf("no results")
	}
	m := cases.Group(set.Results)
	var rows []ClassRow
	for _, c := range m.Cases {
		rows = append(rows, classRows(m, c)...)
	}
	if len(rows) == 0 {
		return &InputError{FileName: strings.Join(set.Files, ", "),
			Msg: fmt.Sprintf("no lock-class lines (%s=...): the results come from a bare run, an older lockbench or go test", schema.KeyClass)}
	}
	return writeClassTable(w, rows)
}

// dominantClass names the class with the largest share of b's wait,
// for the headline: "88% of remaining wait is the mapping lock". ok is
// false when b has no classes or nothing waited.
func dominantClass(b *cases.Case) (class string, share float64, ok bool) {
	shares := b.ClassShares(cases.WaitNSPage)
	if shares == nil {
		shares = b.ClassShares(schema.PerUnit(schema.StemWaitNS, schema.PerOp))
	}
	for i, s := range shares {
		if s > share {
			class, share, ok = b.Classes[i].Class, s, true
		}
	}
	return class, share, ok
}

// classGrid is the report's lock-class table: lockstat's columns for
// every page-cache case at the largest thread count and the headline
// batch, each case's classes sorted by total wait.
func classGrid(m *cases.Model) (t grid, note, missing string) {
	if len(m.PageCache) == 0 {
		return grid{}, "", needsPageCache
	}
	hb := headlineBatch(m)
	var tops []int // the thread counts of the rows: each variant's largest, each machine's own
	t.Header = append([]string{schema.KeyMode, schema.KeyLock}, ClassHeader()[1:]...)
	for _, c := range m.PageCache {
		if c.Threads != maxThreads(m, c.Variant) || m.Find(c.Variant, c.Threads, c.Mode, hb) != c {
			continue // one case per mode: the headline batch's, and its page baseline
		}
		rows := classRows(m, c)
		if len(rows) > 0 && !slices.Contains(tops, c.Threads) {
			tops = append(tops, c.Threads)
		}
		for _, r := range rows {
			share := stats.None
			if r.Share != nil {
				share = percent(float64(*r.Share))
			}
			t.Rows = append(t.Rows, []string{modeLabel(c.Mode, c.Batch), variantLabel(c.Variant), r.Class,
				shortOpt(r.Contended), shortOpt(r.TotalWait), shortOpt(r.MaxWait), shortOpt(r.AvgWait),
				shortOpt(r.Acquisitions), shortOpt(r.AvgHold), share})
		}
	}
	if len(t.Rows) == 0 {
		return grid{}, "", fmt.Sprintf("The results have no lock-class lines (%s=...): they come from a bare run, an older lockbench or go test.", schema.KeyClass)
	}
	at := "each lock's largest thread count"
	if len(tops) == 1 {
		at = threadsLabel(tops[0])
	}
	note = fmt.Sprintf("Which lock the time goes to, as lockstat and perf lock contention show it: per lock class, at %s and batch=%d, "+
		"contended acquisitions, total wait (ns per page), max and average wait of one contended acquisition, acquisitions per page and the sampled average hold, "+
		"each case's classes sorted by total wait. `lockbench classes` prints the table for every case of a results file.", at, hb)
	return t, note, ""
}

func shortOpt(f *Float) string {
	if f == nil {
		return stats.None
	}
	return short(float64(*f))
}

// classPlots draws, per variant at the largest thread count, each lock
// class's wait-ns/page stacked, across modes and batch sizes: which lock
// each mode relieves.
func classPlots(m *cases.Model, rp *plotter) {
	hb := headlineBatch(m)
	for _, v := range m.Variants {
		maxT := maxThreads(m, v) // each machine's own
		b := &plot.Bars{
			Title:   fmt.Sprintf("Wait by lock class — %s, %s", variantLabel(v), threadsLabel(maxT)),
			YLabel:  "wait-ns per page, by lock class (median)",
			Stacked: true,
		}
		var classes []string
		var cs []*cases.Case
		for _, c := range m.PageCache {
			if c.Variant != v || c.Threads != maxT || len(c.Classes) == 0 ||
				(c.Mode == workloads.ModePage && m.Find(v, maxT, c.Mode, hb) != c) {
				continue // page once: its cost does not depend on the batch key
			}
			cs = append(cs, c)
			b.Categories = append(b.Categories, modeLabel(c.Mode, c.Batch))
			for _, cl := range c.Classes {
				if !slices.Contains(classes, cl.Class) {
					classes = append(classes, cl.Class)
				}
			}
		}
		if len(cs) == 0 {
			continue
		}
		for i, class := range classes {
			l := plot.Layer{Label: class, Color: i}
			for _, c := range cs {
				val := 0.0
				if cl := c.ClassCase(class); cl != nil && cl.Has(cases.WaitNSPage) {
					val = cl.Median(cases.WaitNSPage)
				}
				l.Values = append(l.Values, val)
			}
			b.Layers = append(b.Layers, l)
		}
		rp.add("class-wait", b.Title,
			"Time spent waiting for each lock class per page (wait-ns/page of the class lines), stacked, for every mode and batch size: "+
				"the bar is the case's total wait, each layer one lock. A layer that shrinks from one mode to the next is the lock that mode relieves; "+
				"what is left is the remaining contention the headline names.",
			func(buf *bytes.Buffer) error { return b.WriteSVG(buf) })
	}
}
