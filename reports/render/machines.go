package render

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/plot"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/scaling"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// Results from several machines (a file of `lockbench merge`) are never
// pooled: cases.Group puts "machine=NAME" in every case's variant, so
// every headline, efficiency and plot is of one machine. This file adds
// what only a comparison of machines needs: the headlines side by side,
// the machines described side by side, and the scaling fit of each lock
// and mode on each machine.

// withoutMachine is a variant without its "machine=..." part.
func withoutMachine(v string) string {
	var out []string
	for _, p := range strings.Fields(v) {
		if !strings.HasPrefix(p, schema.ConfMachine+"=") {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// maxThreads is the largest thread count of variant v's page-cache cases:
// each machine's own, since machines may sweep different thread counts.
func maxThreads(m *cases.Model, v string) int {
	t := 0
	for _, c := range m.PageCache {
		if c.Variant == v {
			t = max(t, c.Threads)
		}
	}
	return t
}

// machineHeadlines is the headline of every lock and thread count, one
// column per machine: the change of ns/page of batch against page at the
// headline batch, with its 95% interval. Empty unless m has several
// machines.
func machineHeadlines(m *cases.Model, sum *reports.Summary, hb int) grid {
	var g grid
	if len(m.Machines) < 2 {
		return g
	}
	type row struct {
		variant string
		threads int
	}
	var rows []row
	cell := map[row]map[string]string{}
	for _, h := range sum.Headlines {
		c := h.BatchedCase()
		if c == nil || c.Mode != workloads.ModeBatch || c.Batch != hb {
			continue
		}
		r := row{withoutMachine(c.Variant), c.Threads}
		if cell[r] == nil {
			rows = append(rows, r)
			cell[r] = map[string]string{}
		}
		cell[r][c.Machine] = fmt.Sprintf("%s [%s, %s]", stats.Pct(float64(h.Delta), 0, true),
			stats.Pct(float64(h.DeltaLo), 0, true), stats.Pct(float64(h.DeltaHi), 0, true))
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		return cmp.Or(strings.Compare(a.variant, b.variant), cmp.Compare(a.threads, b.threads))
	})
	g.Header = []string{schema.KeyLock, schema.KeyThreads}
	for _, mc := range m.Machines {
		g.Header = append(g.Header, mc)
	}
	for _, r := range rows {
		line := []string{reports.VariantLabel(r.variant), strconv.Itoa(r.threads)}
		for _, mc := range m.Machines {
			line = append(line, cmp.Or(cell[r][mc], stats.None))
		}
		g.Rows = append(g.Rows, line)
	}
	return g
}

// machineTable describes the machines of a merged file side by side,
// from its per-machine lines (schema.MachineKey): a row per key, a column
// per machine. Empty for a file without them.
func machineTable(m *cases.Model) grid {
	names := map[int]string{}
	vals := map[int]map[string]string{}
	var keys []string
	for _, c := range m.Config {
		i, key, ok := schema.ParseMachineKey(c.Key)
		if !ok {
			continue
		}
		if key == "" {
			names[i] = c.Value()
			continue
		}
		if vals[i] == nil {
			vals[i] = map[string]string{}
		}
		vals[i][key] = c.Value()
		if !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	var g grid
	if len(names) == 0 {
		return g
	}
	idx := make([]int, 0, len(names))
	for i := range names {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	g.Header = []string{schema.ConfMachine}
	for _, i := range idx {
		g.Header = append(g.Header, names[i])
	}
	for _, k := range keys {
		line := []string{k}
		for _, i := range idx {
			line = append(line, cmp.Or(vals[i][k], stats.None))
		}
		g.Rows = append(g.Rows, line)
	}
	return g
}

// A scalingFit is the USL fitted to one lock and mode on one machine.
type scalingFit struct {
	Variant string
	Mode    workloads.Mode
	Batch   int
	Model   scaling.Model
	// Medians are the measured throughput medians, pages/s, by thread
	// count, for the plot.
	Threads []int
	Medians []float64
}

// scalingFits fits the Universal Scalability Law (package scaling) to
// every variant (a lock on a machine, in one machine regime) and mode
// measured at more than one thread count, batched modes at the headline
// batch, on every measured N, N=1 included. Every repetition is a point:
// throughput is 1e9 / ns/page pages per second, since ns/page is wall
// time over all workers' pages.
//
// A contended case's variant carries its regime (schema.KeyRegime) and a
// 1-thread case has none, so the N=1 point of a regime's fit is the
// 1-thread case (cases.Model.Alone), pooled on purpose across the states
// the contended cases ran in, and a note says so. A variant and mode
// with more than one thread count but no fit gets a note saying why;
// variants measured at one thread count only (the 1-thread variant the
// regimes borrow from) get none.
//
// A thread count whose probes saw one transfer state has no regime key
// (harness labels states only where it saw two), while another thread
// count of the same lock may be split by state. Such a case joins the
// regime its xfer-ns median names (schema.StateLabel), as agree matches
// headlines, and a note says so: `run --locks mutex --modes page
// --threads 1,2,3,4` saw one state at 2 and 3 threads (xfer-ns medians 25
// and 23) and both at 4, and fitted nothing, its report saying only that
// a fit needs 4 thread counts while 1, 2, 3 and 4 were present.
func scalingFits(m *cases.Model, hb int) (fits []scalingFit, notes []string) {
	sample := map[string]*cases.Case{} // a case of each variant, for its keys
	for _, c := range m.PageCache {
		if sample[c.Variant] == nil {
			sample[c.Variant] = c
		}
	}
	regimeOf := func(v string) string {
		if c := sample[v]; c != nil {
			r, _ := c.Key(schema.KeyRegime)
			return r
		}
		return ""
	}
	// Regime variants first, so that a one-state case they adopt is
	// known before its own variant is weighed.
	variants := slices.Clone(m.Variants)
	slices.SortStableFunc(variants, func(a, b string) int {
		return cmp.Compare(boolRank(regimeOf(a) == ""), boolRank(regimeOf(b) == ""))
	})
	adopted := map[*cases.Case]bool{}
	for _, v := range variants {
		regime := regimeOf(v)
		for _, mode := range m.Modes {
			f := scalingFit{Variant: v, Mode: mode, Batch: hb}
			var pts []scaling.Point
			pooled := ""
			var joined []string // one-state cases that joined this regime: "N=2 (xfer-ns median 25.0)"
			find := func(t int) *cases.Case {
				c := m.Find(v, t, mode, hb)
				if c != nil || t == 1 || regime == "" {
					return c
				}
				one := m.Find(m.Pooled(sample[v]), t, mode, hb)
				if one == nil || !one.Has(schema.UnitXfer) {
					return nil
				}
				if _, ok := one.Key(schema.KeyRegime); ok {
					return nil
				}
				x := one.Median(schema.UnitXfer)
				if schema.StateLabel(schema.StateXfer, x, schema.XferFactor) != regime {
					return nil
				}
				adopted[one] = true
				joined = append(joined, fmt.Sprintf("N=%d (xfer-ns median %s)", t, stats.Format(x, 3)))
				return one
			}
			add := func(t int, c *cases.Case) {
				for _, ns := range c.Samples[cases.NSPage] {
					if ns > 0 {
						pts = append(pts, scaling.Point{N: t, X: 1e9 / ns})
					}
				}
				f.Threads = append(f.Threads, t)
				f.Medians = append(f.Medians, 1e9/c.Median(cases.NSPage))
			}
			var contended *cases.Case // any case of v above one thread
			own := 0                  // v's own contended cases, none adopted elsewhere
			for _, t := range m.Threads {
				if c := m.Find(v, t, mode, hb); t > 1 && c != nil && c.Has(cases.NSPage) {
					if contended == nil {
						contended = c
					}
					if !adopted[c] {
						own++
					}
				}
			}
			for _, t := range m.Threads {
				c := find(t)
				if c == nil && t == 1 && contended != nil {
					if c = m.Alone(contended); c != nil && c.Has(cases.NSPage) {
						pooled = c.Name.Case()
					}
				}
				if c == nil || !c.Has(cases.NSPage) {
					continue
				}
				add(t, c)
			}
			if contended == nil {
				continue // one thread count: nothing to fit, and nothing lost
			}
			if regime == "" && own == 0 {
				continue // every contended case joined its state's fit
			}
			label := fmt.Sprintf("%s, %s", reports.VariantLabel(v), modeLabel(mode, hb))
			if len(joined) > 0 {
				notes = append(notes, fmt.Sprintf("%s: %s saw only this state, unlabelled, and joined it by its transfer probe.", label, strings.Join(joined, ", ")))
			}
			if len(f.Threads) < scaling.MinDistinctN {
				notes = append(notes, fmt.Sprintf("%s: no fit: measured at %d thread counts (%s) in this state, the fit needs %d (λ, σ and κ cannot be told apart with fewer).",
					label, len(f.Threads), joinThreads(f.Threads), scaling.MinDistinctN))
				continue
			}
			model, err := scaling.Fit(pts)
			if err != nil {
				notes = append(notes, fmt.Sprintf("%s: no fit (%v).", label, err))
				continue
			}
			f.Model = model
			fits = append(fits, f)
			if pooled != "" {
				notes = append(notes, fmt.Sprintf("%s: the N=1 point is %s, pooled on purpose across machine states (a 1-thread case has no regime).", label, pooled))
			}
		}
	}
	return fits, notes
}

// scalingGrid is the table of fits.
func scalingGrid(fits []scalingFit) grid {
	g := grid{Header: []string{schema.KeyLock, schema.KeyMode, "threads measured", "σ (contention)", "κ (coherency)", "peak N*", "R²"}}
	for _, f := range fits {
		md := f.Model
		g.Rows = append(g.Rows, []string{reports.VariantLabel(f.Variant), modeLabel(f.Mode, f.Batch),
			fmt.Sprintf("%d–%d", md.MinN, md.MaxN), stats.Format(md.Sigma, 3), stats.Format(md.Kappa, 3),
			peakLabel(md), stats.Format(md.R2, 3)})
	}
	return g
}

// peakLabel is the peak thread count, marked when the fit extrapolates
// it beyond the measured thread counts.
func peakLabel(md scaling.Model) string {
	switch {
	case !md.HasPeak():
		return "none (rises without a peak; extrapolated)"
	case md.Extrapolated(md.Peak):
		return stats.Format(md.Peak, 3) + " (extrapolated)"
	default:
		return stats.Format(md.Peak, 3)
	}
}

// scalingPlots draws each variant's fits through its measured medians:
// the fit dashed where it is fitted, dotted beyond the measured thread
// counts, where it is a prediction.
func scalingPlots(rp *plotter, fits []scalingFit) {
	var variants []string
	for _, f := range fits {
		if !slices.Contains(variants, f.Variant) {
			variants = append(variants, f.Variant)
		}
	}
	for _, v := range variants {
		c := &plot.Chart{
			Title:  "Scaling fit (USL) — " + reports.VariantLabel(v),
			XLabel: "threads",
			YLabel: "million pages/s, all threads",
			XScale: plot.Integer,
		}
		for _, f := range fits {
			if f.Variant != v {
				continue
			}
			color := slices.Index(workloads.Modes(), f.Mode)
			label := modeLabel(f.Mode, f.Batch)
			var mx, my []float64
			for i, t := range f.Threads {
				mx, my = append(mx, float64(t)), append(my, f.Medians[i]/1e6)
			}
			c.Lines = append(c.Lines, plot.Series{Label: label + " measured", X: mx, Y: my, Color: color})
			md := f.Model
			end := float64(md.MaxN)
			if md.HasPeak() && md.Peak > end {
				end = math.Min(math.Ceil(md.Peak)+1, 4*end)
			} else {
				end = math.Max(end+2, end*1.5)
			}
			in, out := curve(md, float64(md.MinN), float64(md.MaxN)), curve(md, float64(md.MaxN), end)
			c.Lines = append(c.Lines,
				plot.Series{Label: label + " fit", X: in[0], Y: in[1], Color: color, Dash: plot.Dashed},
				plot.Series{Label: label + " fit, extrapolated", X: out[0], Y: out[1], Color: color, Dash: plot.Dotted})
		}
		rp.add("scaling", c.Title,
			"Throughput of all threads against threads (solid: measured medians) with the Universal Scalability Law fitted by least squares "+
				"to every repetition, X(N) = λN / (1 + σ(N−1) + κN(N−1)): dashed over the measured thread counts, dotted beyond them, where it is "+
				"an extrapolation, not a measurement. σ is the serialised share (contention), κ the cost of pairwise exchange (coherency).",
			func(b *bytes.Buffer) error {
				if len(c.Lines) == 0 {
					return plot.ErrNoData
				}
				return c.WriteSVG(b)
			})
	}
}

// curve samples md.X on [from, to] in million pages/s.
func curve(md scaling.Model, from, to float64) [2][]float64 {
	var xy [2][]float64
	const steps = 32
	for i := 0; i <= steps && to > from; i++ {
		n := from + (to-from)*float64(i)/steps
		xy[0], xy[1] = append(xy[0], n), append(xy[1], md.X(n)/1e6)
	}
	return xy
}

// boolRank orders false before true.
func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
