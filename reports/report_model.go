package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// The report's intermediate model: results grouped into cases (one
// benchmark name, all its repetitions), each case's samples per unit, and
// the page-cache cases indexed by variant (the lock and any other name key),
// thread count, mode and batch size. Everything the report shows is derived
// from this model; the plots get plain series from it.

// reportModes is the historical order of the page-cache modes (DESIGN.md).
func reportModes() []string { return []string{"page", "pagevec", "batch", "pcp", "large"} }

// reportCase is every repetition of one benchmark name.
type reportCase struct {
	Name     string // full name without "Benchmark", as read (with any -N suffix)
	Base     string // base name: "PageCache", "CS", or a go test benchmark's
	Mode     string // page-cache mode; "" when not a page-cache case
	Batch    int    // batch key; 0 when absent
	Threads  int    // threads key; 0 when absent
	Variant  string // the other name keys, "lock=mcs" (with "file=..." when reading several files)
	Units    []string
	Samples  map[string][]float64 // original unit ("ns/page") -> values
	summary  map[string]benchmath.Summary
	position int // first appearance, for a stable order
}

// PageCache reports whether c is a page-cache case of lockbench: a known
// mode and a thread count in its name.
func (c *reportCase) PageCache() bool {
	return c.Mode != "" && c.Threads > 0
}

// N is the number of repetitions of c (of its first unit).
func (c *reportCase) N() int {
	if len(c.Units) == 0 {
		return 0
	}
	return len(c.Samples[c.Units[0]])
}

// Has reports whether c has values of unit.
func (c *reportCase) Has(unit string) bool { return len(c.Samples[unit]) > 0 }

// Summary is the median of unit with its 95% confidence interval
// (benchmath, assuming nothing about the distribution). ok is false when c
// has no such unit.
func (c *reportCase) Summary(unit string) (s benchmath.Summary, ok bool) {
	if s, ok := c.summary[unit]; ok {
		return s, true
	}
	vals := c.Samples[unit]
	if len(vals) == 0 {
		return benchmath.Summary{}, false
	}
	s = benchmath.AssumeNothing.Summary(benchmath.NewSample(vals, &benchmath.DefaultThresholds), 0.95)
	c.summary[unit] = s
	return s, true
}

// Median is the median of unit, NaN when c has none.
func (c *reportCase) Median(unit string) float64 {
	s, ok := c.Summary(unit)
	if !ok {
		return math.NaN()
	}
	return s.Center
}

// reportModel is the grouped input of a report.
type reportModel struct {
	Cases     []*reportCase // in order of first appearance
	PageCache []*reportCase // the page-cache cases, sorted by variant, threads, mode, batch
	Other     []*reportCase // everything else (go test benchmarks, the cs workload)
	Variants  []string      // distinct variants of the page-cache cases, sorted
	Threads   []int         // distinct thread counts of the page-cache cases, ascending
	Batches   []int         // distinct batch sizes of the batched modes, ascending
	Modes     []string      // modes present, in historical order
	Config    []reportConfig
	Units     []string // every unit present, in order of first appearance
}

// reportConfig is one file configuration key with its distinct values.
type reportConfig struct {
	Key    string
	Values []string
}

// Value is the configuration value, the distinct values joined when the
// files disagree.
func (c reportConfig) Value() string { return strings.Join(c.Values, " | ") }

// newReportModel groups results into cases. multiFile adds the result's
// ".file" to the variant, so that a baseline and a new run stay apart.
func newReportModel(results []*benchfmt.Result) *reportModel {
	m := &reportModel{}
	files := map[string]bool{}
	for _, r := range results {
		files[r.GetConfig(".file")] = true
	}
	multiFile := len(files) > 1
	byName := map[string]*reportCase{}
	seenUnit := map[string]bool{}
	configIdx := map[string]int{}
	for _, r := range results {
		for _, cfg := range r.Config {
			if !cfg.File || strings.HasPrefix(cfg.Key, ".") {
				continue
			}
			i, ok := configIdx[cfg.Key]
			if !ok {
				i = len(m.Config)
				configIdx[cfg.Key] = i
				m.Config = append(m.Config, reportConfig{Key: cfg.Key})
			}
			if v := string(cfg.Value); !slices.Contains(m.Config[i].Values, v) {
				m.Config[i].Values = append(m.Config[i].Values, v)
			}
		}
		name := r.Name.String()
		file := r.GetConfig(".file")
		key := name
		if multiFile {
			key = file + "\x00" + name
		}
		c := byName[key]
		if c == nil {
			c = reportParseName(name)
			if multiFile {
				c.Variant = strings.TrimSpace(c.Variant + " file=" + file)
			}
			c.Samples = map[string][]float64{}
			c.summary = map[string]benchmath.Summary{}
			c.position = len(m.Cases)
			byName[key] = c
			m.Cases = append(m.Cases, c)
		}
		for _, v := range r.Values {
			unit, val := v.Unit, v.Value
			if v.OrigUnit != "" { // benchfmt tidies ns/page to sec/page; show what the user wrote
				unit, val = v.OrigUnit, v.OrigValue
			}
			if !c.Has(unit) {
				c.Units = append(c.Units, unit)
			}
			c.Samples[unit] = append(c.Samples[unit], val)
			if !seenUnit[unit] {
				seenUnit[unit] = true
				m.Units = append(m.Units, unit)
			}
		}
	}
	variants, threads, batches, modes := map[string]bool{}, map[int]bool{}, map[int]bool{}, map[string]bool{}
	for _, c := range m.Cases {
		if !c.PageCache() {
			m.Other = append(m.Other, c)
			continue
		}
		m.PageCache = append(m.PageCache, c)
		variants[c.Variant], threads[c.Threads], modes[c.Mode] = true, true, true
		if c.Mode != "page" && c.Batch > 0 {
			batches[c.Batch] = true
		}
	}
	m.Variants = reportSortedKeys(variants, strings.Compare)
	m.Threads = reportSortedKeys(threads, cmp.Compare[int])
	m.Batches = reportSortedKeys(batches, cmp.Compare[int])
	for _, mode := range reportModes() {
		if modes[mode] {
			m.Modes = append(m.Modes, mode)
		}
	}
	slices.SortStableFunc(m.PageCache, func(a, b *reportCase) int {
		return cmp.Or(strings.Compare(a.Variant, b.Variant), cmp.Compare(a.Threads, b.Threads),
			cmp.Compare(slices.Index(reportModes(), a.Mode), slices.Index(reportModes(), b.Mode)),
			cmp.Compare(a.Batch, b.Batch))
	})
	return m
}

func reportSortedKeys[K comparable](m map[K]bool, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

// reportParseName splits a benchmark name into lockbench's keys. A part
// without '=' continues the previous key's value: a value may contain '/'
// (benchfmt splits "lock=</x>" at the slash), and the report shows it
// whole. A name whose mode is not a known mode, or whose batch or threads
// is not a positive integer, is not a page-cache case.
func reportParseName(name string) *reportCase {
	c := &reportCase{Name: name}
	base, parts := benchfmt.Name(name).Parts()
	c.Base = string(base)
	type kv struct{ k, v string }
	var kvs []kv
	for _, p := range parts {
		s := string(p)
		if strings.HasPrefix(s, "-") { // -GOMAXPROCS
			continue
		}
		s = strings.TrimPrefix(s, "/")
		if k, v, ok := strings.Cut(s, "="); ok {
			kvs = append(kvs, kv{k, v})
		} else if len(kvs) > 0 {
			kvs[len(kvs)-1].v += "/" + s
		} else {
			c.Base += "/" + s
		}
	}
	var variant []string
	mode, batch, threads := "", 0, 0
	badNumber := false
	for _, p := range kvs {
		switch p.k {
		case "mode":
			mode = p.v
		case "batch":
			n, err := strconv.Atoi(p.v)
			badNumber = badNumber || err != nil || n < 1
			batch = n
		case "threads":
			n, err := strconv.Atoi(p.v)
			badNumber = badNumber || err != nil || n < 1
			threads = n
		default:
			variant = append(variant, p.k+"="+p.v)
		}
	}
	c.Variant = strings.Join(variant, " ")
	if slices.Contains(reportModes(), mode) && threads > 0 && !badNumber {
		c.Mode, c.Batch, c.Threads = mode, batch, threads
	}
	return c
}

// find returns the page-cache case of variant, threads, mode and batch, or
// nil. For mode page, whose cost does not depend on the batch key (the
// harness keeps the key only to line page up with the batched modes in
// benchstat's rows), a page case at another batch size stands in when
// there is none at batch.
func (m *reportModel) find(variant string, threads int, mode string, batch int) *reportCase {
	var stand *reportCase
	for _, c := range m.PageCache {
		if c.Variant != variant || c.Threads != threads || c.Mode != mode {
			continue
		}
		if c.Batch == batch {
			return c
		}
		if stand == nil && (mode == "page" || batch == 0) {
			stand = c
		}
	}
	return stand
}

// findLarge returns the large case that is the ideal for batch: large at
// the same batch size (the N-page unit), or the only large case when large
// was run at one size.
func (m *reportModel) findLarge(variant string, threads, batch int) *reportCase {
	var only *reportCase
	n := 0
	for _, c := range m.PageCache {
		if c.Variant != variant || c.Threads != threads || c.Mode != "large" {
			continue
		}
		if c.Batch == batch {
			return c
		}
		only = c
		n++
	}
	if n == 1 {
		return only
	}
	return nil
}

// reportEfficiency is how close one batch size gets to the one-big-page
// ideal: (page - batch) / (page - large), on medians of ns/page.
type reportEfficiency struct {
	Variant          string
	Threads          int
	Batch            int
	Page, Bat, Large float64 // median ns/page
	LargeBatch       int     // the batch key of the large case used
	Efficiency       float64 // NaN when large is not significantly faster than page
}

// efficiencies returns every (variant, threads, batch) that has page,
// batch and large cases.
func (m *reportModel) efficiencies() []reportEfficiency {
	var out []reportEfficiency
	for _, v := range m.Variants {
		for _, t := range m.Threads {
			for _, b := range m.Batches {
				bc := m.find(v, t, "batch", b)
				if bc == nil || bc.Batch != b {
					continue
				}
				pc, lc := m.find(v, t, "page", b), m.findLarge(v, t, b)
				if pc == nil || lc == nil || !pc.Has("ns/page") || !bc.Has("ns/page") || !lc.Has("ns/page") {
					continue
				}
				e := reportEfficiency{Variant: v, Threads: t, Batch: b, LargeBatch: lc.Batch,
					Page: pc.Median("ns/page"), Bat: bc.Median("ns/page"), Large: lc.Median("ns/page")}
				e.Efficiency = math.NaN()
				if idealSignificant(pc.Samples["ns/page"], lc.Samples["ns/page"], 0.05) {
					e.Efficiency = (e.Page - e.Bat) / (e.Page - e.Large)
				}
				out = append(out, e)
			}
		}
	}
	return out
}

// reportKnee is the smallest batch reaching the knee threshold of the
// ideal for one variant and thread count.
type reportKnee struct {
	Variant   string
	Threads   int
	Batch     int     // 0 when no batch size reaches the threshold
	Eff       float64 // efficiency at Batch, or the best one when none reaches
	BestBatch int     // the batch of the best efficiency, when none reaches
}

func reportKnees(effs []reportEfficiency, threshold float64) []reportKnee {
	var out []reportKnee
	for i := 0; i < len(effs); {
		j := i
		k := reportKnee{Variant: effs[i].Variant, Threads: effs[i].Threads, Eff: math.NaN()}
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
func (m *reportModel) headlineBatch() int {
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
func (m *reportModel) lockCost(variant string) (cost float64, n int, ok bool) {
	var xs, ys []float64
	pageSeen := false
	for _, c := range m.PageCache {
		if c.Variant != variant || c.Threads != 1 || !c.Has("acq/page") || !c.Has("ns/page") {
			continue
		}
		if c.Mode == "page" { // one page case: the others repeat it under another batch key
			if pageSeen {
				continue
			}
			pageSeen = true
		}
		xs = append(xs, c.Median("acq/page"))
		ys = append(ys, c.Median("ns/page"))
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

// reportFormat formats a value with about three significant digits and
// no exponent below a million.
func reportFormat(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return "—"
	case math.IsInf(v, 0):
		return "∞"
	case a == 0:
		return "0"
	case a >= 1e6:
		return strconv.FormatFloat(v, 'g', 3, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// reportPercent formats a fraction as a whole percentage.
func reportPercent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", f*100)
}

// reportCI formats a summary as "41.2 [40.8, 42.0]", or "41.2 (n=1)" when
// the interval is unbounded.
func reportCI(s benchmath.Summary, n int) string {
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) {
		return fmt.Sprintf("%s (n=%d, no CI)", reportFormat(s.Center), n)
	}
	return fmt.Sprintf("%s [%s, %s]", reportFormat(s.Center), reportFormat(s.Lo), reportFormat(s.Hi))
}
