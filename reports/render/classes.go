package render

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/plot"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// classGrid is the report's lock-class table: lockstat's columns for
// every page-cache case at the largest thread count and the headline
// batch, each case's classes sorted by total wait.
func classGrid(m *cases.Model) (t grid, note, missing string) {
	if len(m.PageCache) == 0 {
		return grid{}, "", needsPageCache
	}
	hb := headlineBatch(m)
	var tops []int // the thread counts of the rows: each variant's largest, each machine's own
	t.Header = append([]string{schema.KeyMode, schema.KeyLock}, reports.ClassHeader()[1:]...)
	for _, c := range m.PageCache {
		if c.Threads != maxThreads(m, c.Variant) || m.Find(c.Variant, c.Threads, c.Mode, hb) != c {
			continue // one case per mode: the headline batch's, and its page baseline
		}
		rows := reports.ClassRows(m, c)
		if len(rows) > 0 && !slices.Contains(tops, c.Threads) {
			tops = append(tops, c.Threads)
		}
		for _, r := range rows {
			share := stats.None
			if r.Share != nil {
				share = percent(float64(*r.Share))
			}
			t.Rows = append(t.Rows, []string{modeLabel(c.Mode, c.Batch), reports.VariantLabel(c.Variant), r.Class,
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

func shortOpt(f *reports.Float) string {
	if f == nil {
		return stats.None
	}
	return stats.Short(float64(*f))
}

// classPlots draws, per variant at the largest thread count, each lock
// class's wait-ns/page stacked, across modes and batch sizes: which lock
// each mode relieves.
func classPlots(m *cases.Model, rp *plotter) {
	hb := headlineBatch(m)
	for _, v := range m.Variants {
		maxT := maxThreads(m, v) // each machine's own
		b := &plot.Bars{
			Title:   fmt.Sprintf("Wait by lock class — %s, %s", reports.VariantLabel(v), threadsLabel(maxT)),
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
