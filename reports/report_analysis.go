package reports

import (
	"math"
	"slices"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/workloads"
)

// The report's analysis of the case model (package cases): the
// efficiency of each batch size against the one-big-page ideal, the
// knee, and the decomposition of per-page time. The headline is the
// summary's (headline.go); the report only picks which ones to show.

// An efficiencyRow is how close one batch size gets to the one-big-page
// ideal, on medians of ns/page.
type efficiencyRow struct {
	Variant          string
	Threads          int
	Batch            int
	Page, Bat, Large float64 // median ns/page
	Efficiency       float64 // NaN when large is not significantly faster than page
}

// efficiencies returns every (variant, threads, batch) of mode batch that
// has page and large cases (cases.Model.Page and Large, as the headline
// pairs them), with the headline's efficiency.
func efficiencies(m *cases.Model) []efficiencyRow {
	var out []efficiencyRow
	for _, v := range m.Variants {
		for _, t := range m.Threads {
			for _, b := range m.Batches {
				bc := m.Find(v, t, workloads.ModeBatch, b)
				if bc == nil || bc.Batch != b {
					continue
				}
				pc, lc := m.Page(bc), m.Large(bc)
				if pc == nil || lc == nil || !pc.Has(cases.NSPage) || !bc.Has(cases.NSPage) || !lc.Has(cases.NSPage) {
					continue
				}
				e := efficiencyRow{Variant: v, Threads: t, Batch: b,
					Page: pc.Median(cases.NSPage), Bat: bc.Median(cases.NSPage), Large: lc.Median(cases.NSPage)}
				e.Efficiency, _ = efficiency(pc.Samples[cases.NSPage], bc.Samples[cases.NSPage], lc.Samples[cases.NSPage], cases.NSPage)
				out = append(out, e)
			}
		}
	}
	return out
}

// A knee is the smallest batch reaching the knee threshold of the ideal
// for one variant and thread count.
type knee struct {
	Variant   string
	Threads   int
	Batch     int     // 0 when no batch size reaches the threshold
	Eff       float64 // efficiency at Batch, or the best one when none reaches
	BestBatch int     // the batch of the best efficiency, when none reaches
}

// knees finds the knee of each run of effs with one variant and thread
// count (efficiencies returns them grouped so).
func knees(effs []efficiencyRow, threshold float64) []knee {
	var out []knee
	for i := 0; i < len(effs); {
		j := i
		k := knee{Variant: effs[i].Variant, Threads: effs[i].Threads, Eff: math.NaN()}
		for ; j < len(effs) && effs[j].Variant == k.Variant && effs[j].Threads == k.Threads; j++ {
			e := effs[j]
			if k.Batch == 0 && e.Efficiency >= threshold {
				k.Batch, k.Eff = e.Batch, e.Efficiency
			}
			if k.Batch == 0 && (math.IsNaN(k.Eff) || e.Efficiency > k.Eff) {
				k.Eff, k.BestBatch = e.Efficiency, e.Batch
			}
		}
		if k.Batch != 0 {
			k.BestBatch = 0
		}
		out = append(out, k)
		i = j
	}
	return out
}

// headlineBatch is the batch size the report features: 16 (the seed's
// "snip off 16 pages") when it was run, else the largest.
func headlineBatch(m *cases.Model) int {
	if slices.Contains(m.Batches, 16) {
		return 16
	}
	if len(m.Batches) == 0 {
		return 0
	}
	return m.Batches[len(m.Batches)-1]
}

// lockCost estimates the cost of one acquisition (and what batching
// removes with it) for variant: the least-squares slope of median ns/page
// against median acq/page across the variant's 1-thread cases, where
// nothing waits. ok is false without two 1-thread cases of distinct
// acq/page or when the slope is not positive.
func lockCost(m *cases.Model, variant string) (cost float64, n int, ok bool) {
	var xs, ys []float64
	pageSeen := false
	for _, c := range m.PageCache {
		if c.Variant != variant || c.Threads != 1 || !c.Has(cases.AcqPage) || !c.Has(cases.NSPage) {
			continue
		}
		if c.Mode == workloads.ModePage { // one page case: the others repeat it under another batch key
			if pageSeen {
				continue
			}
			pageSeen = true
		}
		xs = append(xs, c.Median(cases.AcqPage))
		ys = append(ys, c.Median(cases.NSPage))
	}
	if len(xs) < 2 {
		return 0, len(xs), false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 || sxy <= 0 {
		return 0, len(xs), false
	}
	return sxy / sxx, len(xs), true
}

// timeParts is one bar of the decomposition, in thread-ns per page.
type timeParts struct {
	total, lock, wait, rest float64
	over                    bool // lock + wait exceeded the total: the rest was clamped to zero
}

// decompose splits a case's per-page thread time. total is ns/page ×
// threads (wall time is per page of all threads together); waiting is
// wait-ns/page (summed over threads); lock is acq/page × cost when cost is
// known; the rest is what remains, clamped at zero.
func decompose(c *cases.Case, cost float64, haveCost bool) timeParts {
	d := timeParts{total: c.Median(cases.NSPage) * float64(c.Threads)}
	if c.Has(cases.WaitNSPage) {
		d.wait = c.Median(cases.WaitNSPage)
	}
	if haveCost && c.Has(cases.AcqPage) {
		d.lock = c.Median(cases.AcqPage) * cost
	}
	d.rest = d.total - d.lock - d.wait
	if d.rest < 0 {
		d.rest, d.over = 0, true
	}
	return d
}
