package render

import (
	"math"
	"slices"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/saving"
	"github.com/lockbench/lockbench/workloads"
)

// The report's analysis of the case model (package cases): the
// efficiency of each batch size against the one-big-page ideal, the
// knee, and the counterfactual decomposition of per-page time
// (saving.go). The headline is the
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
				e.Efficiency, _ = reports.Efficiency(pc.Samples[cases.NSPage], bc.Samples[cases.NSPage], lc.Samples[cases.NSPage], cases.NSPage)
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

// batchSaving is the saving split of mode batch at batch b against page
// for variant v at t threads; ok is false when a case is missing.
func batchSaving(m *cases.Model, v string, t, b int) (saving.Split, bool) {
	bc := m.Find(v, t, workloads.ModeBatch, b)
	if bc == nil || bc.Batch != b {
		return saving.Split{}, false
	}
	pc := m.Page(bc)
	if pc == nil {
		return saving.Split{}, false
	}
	sp, why := reports.CaseSaving(m, pc, bc)
	return sp, why == ""
}
