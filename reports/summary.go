package reports

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// A Summary is the answer `lockbench run` prints after a sweep: a row per
// case and the headline comparisons of each batched mode with per-page
// locking and with the one-big-page ideal.
type Summary struct {
	Rows      []SummaryRow `json:"rows"`
	Headlines []Headline   `json:"headlines"`
	// Warnings say what could not be answered (no page or large case to
	// compare with) and what to distrust (cases that ran in different
	// machine regimes).
	Warnings []string `json:"warnings,omitempty"`
}

// A SummaryRow summarizes the repetitions of one case. Medians of the
// units lockbench writes; a unit absent from the results is nil.
type SummaryRow struct {
	// Case is the benchmark name without "Benchmark" and the GOMAXPROCS
	// suffix: "PageCache/mode=batch/batch=16/lock=mcs/threads=2".
	Case string `json:"case"`
	// Keys are the case's key=value name parts, in name order.
	Keys []ConfigValue `json:"keys"`
	N    int           `json:"n"`
	// Metric is the time unit of Time: "ns/page", or "ns/op" for
	// workloads and benchmarks without pages.
	Metric string `json:"metric"`
	// Time is the median of Metric with its 95% confidence interval.
	Time             Stat   `json:"time"`
	AcqPerPage       *Float `json:"acq_per_page,omitempty"`
	ContendedPerPage *Float `json:"contended_per_page,omitempty"`
	WaitP99Ns        *Float `json:"wait_p99_ns,omitempty"`
	HandoffsPerAcq   *Float `json:"handoffs_per_acq,omitempty"`
	// Xfer is the machine-regime probe: the cross-core cache-line
	// transfer time measured before each repetition.
	Xfer *Spread `json:"xfer_ns,omitempty"`
}

// A Stat is a median with its confidence interval.
type Stat struct {
	Median Float `json:"median"`
	Lo     Float `json:"lo"`
	Hi     Float `json:"hi"`
	N      int   `json:"n"`
}

// A Spread describes a sample by its median and range. Bimodal is set
// when the sample falls into two clusters at least 1.5x apart, with a
// fifth of the sample on each side: the machine changed regime during
// the runs.
type Spread struct {
	Median  Float `json:"median"`
	Min     Float `json:"min"`
	Max     Float `json:"max"`
	Bimodal bool  `json:"bimodal,omitempty"`
}

// A Headline compares a batched case with the per-page case of the same
// lock, threads and other settings, and with the large-page ideal.
//
// Delta is the change of the median time (batch/page - 1). Its 95%
// confidence interval comes from a deterministic percentile bootstrap of
// that ratio of medians: both samples are resampled with replacement
// 2000 times with a fixed seed, so the same results always give the same
// interval. P is the Mann-Whitney U test's (benchmath). Efficiency is
// (page - batch) / (page - large) on medians: 1 means batching reached
// the one-big-page ideal.
type Headline struct {
	Text     string `json:"text"`
	Workload string `json:"workload"`
	Mode     string `json:"mode"`
	Batch    string `json:"batch,omitempty"`
	Lock     string `json:"lock,omitempty"`
	Threads  string `json:"threads,omitempty"`
	// Others are the remaining keys that tell this comparison apart
	// (files=private, zone-lock=ticket ...).
	Others string `json:"others,omitempty"`
	// PageCase, BatchCase and LargeCase name the rows compared.
	PageCase  string `json:"page_case"`
	BatchCase string `json:"batch_case"`
	LargeCase string `json:"large_case,omitempty"`
	Metric    string `json:"metric"`
	Page      Float  `json:"page"`
	Batched   Float  `json:"batched"`
	Large     *Float `json:"large,omitempty"`
	Delta     Float  `json:"delta"`
	DeltaLo   Float  `json:"delta_lo"`
	DeltaHi   Float  `json:"delta_hi"`
	P         Float  `json:"p"`
	N1        int    `json:"n1"`
	N2        int    `json:"n2"`
	// Significant is P <= 0.05.
	Significant bool     `json:"significant"`
	AcqPage     *Float   `json:"acq_per_page_page,omitempty"`
	AcqBatch    *Float   `json:"acq_per_page_batched,omitempty"`
	Efficiency  *Float   `json:"efficiency,omitempty"`
	Notes       []string `json:"notes,omitempty"`
}

// Tidied units of lockbench's metrics.
const (
	unitNsPage    = "sec/page" // ns/page, tidied
	unitNsOp      = "sec/op"
	unitAcq       = "acq/page"
	unitContended = "contended/page"
	unitWaitP99   = "wait-p99-sec"
	unitHandoffs  = "handoffs/acq"
	unitXfer      = "xfer-sec"
)

// Summary statistics settings.
const (
	summaryConfidence = 0.95
	summaryAlpha      = 0.05
	bootstrapRounds   = 2000
	regimeRatio       = 2.0 // xfer-ns medians further apart than this are different regimes
)

// summaryCase gathers the samples of one case.
type summaryCase struct {
	name     string
	workload string
	keys     []ConfigValue
	values   map[string][]float64 // tidied unit -> values
}

func (c *summaryCase) key(k string) (string, bool) {
	for _, kv := range c.keys {
		if kv.Key == k {
			return kv.Value, true
		}
	}
	return "", false
}

// Summarize summarizes the results of a lockbench run (or any results in
// the Go benchmark format): a row per case (the name without its
// GOMAXPROCS suffix) and a headline per batched case (mode=batch,
// pagevec, pcp, ...) with a mode=page case of the same other keys. What
// cannot be compared is said in Warnings, never an error: the only error
// is having no results at all. Values may be tidied (read by Load) or
// not (straight from the harness).
func Summarize(results []*benchfmt.Result) (*Summary, error) {
	if len(results) == 0 {
		return nil, errors.New("no results to summarize")
	}
	var cases []*summaryCase
	byName := map[string]*summaryCase{}
	for _, r := range results {
		name, workload, keys := caseName(r.Name)
		c := byName[name]
		if c == nil {
			c = &summaryCase{name: name, workload: workload, keys: keys, values: map[string][]float64{}}
			byName[name] = c
			cases = append(cases, c)
		}
		for _, v := range r.Values {
			val, unit := v.Value, v.Unit
			if v.OrigUnit == "" {
				val, unit = benchunit.Tidy(val, unit)
			}
			c.values[unit] = append(c.values[unit], val)
		}
	}
	s := &Summary{}
	for _, c := range cases {
		s.Rows = append(s.Rows, summaryRow(c))
		if sp := s.Rows[len(s.Rows)-1].Xfer; sp != nil && sp.Bimodal {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: xfer-ns samples fall into two clusters (%s .. %s ns): the machine switched regimes during the runs, so its repetitions are not alike",
				c.name, fnum(float64(sp.Min)), fnum(float64(sp.Max))))
		}
	}
	s.headlines(cases)
	return s, nil
}

// caseName splits a benchmark name into the case (without "Benchmark"
// and the -GOMAXPROCS suffix), the workload (base name) and the
// key=value parts.
func caseName(n benchfmt.Name) (name, workload string, keys []ConfigValue) {
	base, parts := n.Parts()
	workload = strings.TrimPrefix(string(base), "Benchmark")
	var b strings.Builder
	b.WriteString(workload)
	for _, p := range parts {
		if len(p) > 0 && p[0] == '-' {
			continue // GOMAXPROCS
		}
		b.Write(p)
		kv := strings.TrimPrefix(string(p), "/")
		if k, v, ok := strings.Cut(kv, "="); ok {
			keys = append(keys, ConfigValue{k, v})
		}
	}
	return b.String(), workload, keys
}

func summaryRow(c *summaryCase) SummaryRow {
	row := SummaryRow{Case: c.name, Keys: c.keys}
	timeUnit, metric := unitNsPage, "ns/page"
	if len(c.values[unitNsPage]) == 0 {
		timeUnit, metric = unitNsOp, "ns/op"
	}
	row.Metric = metric
	if vals := c.values[timeUnit]; len(vals) > 0 {
		row.Time = medianCI(scaled(vals, 1e9))
		row.N = len(vals)
	} else {
		row.Time = Stat{Median: Float(math.NaN()), Lo: Float(math.NaN()), Hi: Float(math.NaN())}
		for _, v := range c.values {
			row.N = max(row.N, len(v))
		}
	}
	row.AcqPerPage = medianOf(c.values[unitAcq], 1)
	row.ContendedPerPage = medianOf(c.values[unitContended], 1)
	row.WaitP99Ns = medianOf(c.values[unitWaitP99], 1e9)
	row.HandoffsPerAcq = medianOf(c.values[unitHandoffs], 1)
	if xs := c.values[unitXfer]; len(xs) > 0 {
		row.Xfer = spread(scaled(xs, 1e9))
	}
	return row
}

func scaled(vals []float64, f float64) []float64 {
	out := make([]float64, len(vals))
	for i, v := range vals {
		out[i] = v * f
	}
	return out
}

func medianCI(vals []float64) Stat {
	s := benchmath.NewSample(vals, &benchmath.Thresholds{CompareAlpha: summaryAlpha})
	sum := benchmath.AssumeNothing.Summary(s, summaryConfidence)
	return Stat{Median: Float(sum.Center), Lo: Float(sum.Lo), Hi: Float(sum.Hi), N: len(vals)}
}

func medianOf(vals []float64, f float64) *Float {
	if len(vals) == 0 {
		return nil
	}
	m := Float(median(scaled(vals, f)))
	return &m
}

// median returns the median of vals (which it sorts).
func median(vals []float64) float64 {
	slices.Sort(vals)
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

// spread summarizes the regime probe and looks for two clusters.
func spread(vals []float64) *Spread {
	v := slices.Clone(vals)
	slices.Sort(v)
	sp := &Spread{Median: Float(median(slices.Clone(v))), Min: Float(v[0]), Max: Float(v[len(v)-1])}
	minSide := max(2, len(v)/5)
	for i := minSide; i <= len(v)-minSide; i++ {
		if v[i-1] > 0 && v[i]/v[i-1] >= 1.5 && v[len(v)-1]/v[0] >= regimeRatio {
			sp.Bimodal = true
			break
		}
	}
	return sp
}

// headlines finds, for every batched case, its page and large cases and
// compares them.
func (s *Summary) headlines(cases []*summaryCase) {
	groups := map[string][]*summaryCase{}
	hasMode := false
	for _, c := range cases {
		if _, ok := c.key("mode"); ok {
			hasMode = true
		}
		groups[groupKey(c)] = append(groups[groupKey(c)], c)
	}
	if !hasMode {
		s.Warnings = append(s.Warnings, "no case names a mode (mode=page, mode=batch ...): there is no batch-versus-page headline for these results (the cs workload and plain go test output have none)")
		return
	}
	for _, c := range cases {
		mode, ok := c.key("mode")
		if !ok || mode == "page" || mode == "large" {
			continue
		}
		batch, _ := c.key("batch")
		group := groups[groupKey(c)]
		label := headlineLabel(c)
		page := pick(group, "page", batch)
		if page == nil {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: no mode=page case with the same settings to compare with (run with page among the modes)", label))
			continue
		}
		h := s.headline(c, page, pick(group, "large", batch), label)
		s.Headlines = append(s.Headlines, h)
	}
	if len(s.Headlines) == 0 && len(s.Warnings) == 0 {
		s.Warnings = append(s.Warnings, "no batched case (mode=batch, pagevec, pcp): nothing to compare with mode=page")
	}
}

// groupKey is the case without its mode and batch: the cases a headline
// compares share it.
func groupKey(c *summaryCase) string {
	var b strings.Builder
	b.WriteString(c.workload)
	for _, kv := range c.keys {
		if kv.Key == "mode" || kv.Key == "batch" {
			continue
		}
		b.WriteString("/" + kv.Key + "=" + kv.Value)
	}
	return b.String()
}

// pick returns the case of mode in group: the one with the same batch,
// else the only one, else the one without a batch key (or batch=1).
func pick(group []*summaryCase, mode, batch string) *summaryCase {
	var all []*summaryCase
	for _, c := range group {
		if m, _ := c.key("mode"); m == mode {
			all = append(all, c)
		}
	}
	if len(all) == 0 {
		return nil
	}
	for _, c := range all {
		if b, ok := c.key("batch"); ok && b == batch {
			return c
		}
	}
	if len(all) == 1 {
		return all[0]
	}
	for _, c := range all {
		if b, ok := c.key("batch"); !ok || b == "1" {
			return c
		}
	}
	return nil
}

func headlineLabel(c *summaryCase) string {
	mode, _ := c.key("mode")
	batch, hasBatch := c.key("batch")
	var parts []string
	switch {
	case mode == "batch" && hasBatch:
		parts = append(parts, "batch="+batch+" vs page")
	case hasBatch:
		parts = append(parts, mode+" batch="+batch+" vs page")
	default:
		parts = append(parts, mode+" vs page")
	}
	if lock, ok := c.key("lock"); ok {
		parts = append(parts, lock)
	}
	if th, ok := c.key("threads"); ok {
		if th == "1" {
			parts = append(parts, "1 thread")
		} else {
			parts = append(parts, th+" threads")
		}
	}
	for _, kv := range c.keys {
		switch kv.Key {
		case "mode", "batch", "lock", "threads":
		default:
			parts = append(parts, kv.Key+"="+kv.Value)
		}
	}
	if c.workload != "PageCache" {
		parts = append(parts, c.workload)
	}
	return strings.Join(parts, ", ")
}

func (s *Summary) headline(b, p, l *summaryCase, label string) Headline {
	h := Headline{Workload: b.workload, PageCase: p.name, BatchCase: b.name}
	h.Mode, _ = b.key("mode")
	h.Batch, _ = b.key("batch")
	h.Lock, _ = b.key("lock")
	h.Threads, _ = b.key("threads")
	var others []string
	for _, kv := range b.keys {
		switch kv.Key {
		case "mode", "batch", "lock", "threads":
		default:
			others = append(others, kv.Key+"="+kv.Value)
		}
	}
	h.Others = strings.Join(others, " ")

	unit, metric := unitNsPage, "ns/page"
	if len(b.values[unit]) == 0 || len(p.values[unit]) == 0 {
		unit, metric = unitNsOp, "ns/op"
	}
	h.Metric = metric
	bv, pv := scaled(b.values[unit], 1e9), scaled(p.values[unit], 1e9)
	nan := Float(math.NaN())
	h.Page, h.Batched, h.Delta, h.DeltaLo, h.DeltaHi, h.P = nan, nan, nan, nan, nan, nan
	if len(bv) == 0 || len(pv) == 0 {
		h.Notes = append(h.Notes, "no ns/page (or ns/op) values in one of the cases: no time comparison")
		h.Text = label + ": no ns/page values to compare"
		s.Warnings = append(s.Warnings, h.Text)
		return h
	}
	th := &benchmath.Thresholds{CompareAlpha: summaryAlpha}
	ps, bs := benchmath.NewSample(pv, th), benchmath.NewSample(bv, th)
	pm, bm := median(slices.Clone(pv)), median(slices.Clone(bv))
	h.Page, h.Batched = Float(pm), Float(bm)
	cmp := benchmath.AssumeNothing.Compare(ps, bs)
	h.P, h.N1, h.N2 = Float(cmp.P), cmp.N1, cmp.N2
	h.Significant = cmp.P <= summaryAlpha
	if pm > 0 {
		h.Delta = Float(bm/pm - 1)
		lo, hi := bootstrapRatioCI(pv, bv, summaryConfidence)
		h.DeltaLo, h.DeltaHi = Float(lo-1), Float(hi-1)
	}
	if MinP(len(pv), len(bv)) > summaryAlpha {
		h.Notes = append(h.Notes, fmt.Sprintf("n=%d+%d samples can never be significant at alpha 0.05 (run with -count 5 or more)", len(pv), len(bv)))
	} else if min(len(pv), len(bv)) < 5 {
		h.Notes = append(h.Notes, fmt.Sprintf("few samples (n=%d+%d): the interval is rough", len(pv), len(bv)))
	}
	h.AcqPage = medianOf(p.values[unitAcq], 1)
	h.AcqBatch = medianOf(b.values[unitAcq], 1)

	var b2 strings.Builder
	fmt.Fprintf(&b2, "%s: %s %s (95%% CI %s .. %s, p=%.3f n=%s)", label, signedPct(float64(h.Delta)), metric,
		signedPct(float64(h.DeltaLo)), signedPct(float64(h.DeltaHi)), cmp.P, nString(cmp.N1, cmp.N2))
	if !h.Significant {
		b2.WriteString(" not significant")
	}
	if h.AcqPage != nil && h.AcqBatch != nil {
		fmt.Fprintf(&b2, ", %s -> %s acquisitions/page", acqNum(float64(*h.AcqPage)), acqNum(float64(*h.AcqBatch)))
	}
	if l == nil {
		h.Notes = append(h.Notes, "no mode=large case with these settings: no efficiency against the large-page ideal (run with large among the modes)")
	} else {
		h.LargeCase = l.name
		lv := scaled(l.values[unit], 1e9)
		if len(lv) > 0 {
			lm := Float(median(lv))
			h.Large = &lm
			switch ideal := pm - float64(lm); {
			case ideal <= 0:
				h.Notes = append(h.Notes, fmt.Sprintf("large (%s %s) is not faster than page (%s %s) here: efficiency undefined", fnum(float64(lm)), metric, fnum(pm), metric))
			case MinP(len(pv), len(lv)) > summaryAlpha:
				h.Notes = append(h.Notes, fmt.Sprintf("n=%d+%d samples are too few to show large faster than page: efficiency undefined (run with -count 5 or more)", len(pv), len(lv)))
			case !idealSignificant(pv, lv, summaryAlpha):
				h.Notes = append(h.Notes, fmt.Sprintf("large (%s %s) is not significantly faster than page (%s %s) here: the ideal is within noise and efficiency undefined", fnum(float64(lm)), metric, fnum(pm), metric))
			default:
				e := Float((pm - bm) / ideal)
				h.Efficiency = &e
				fmt.Fprintf(&b2, "; reaches %.0f%% of the large-page ideal", 100*float64(e))
			}
		}
	}
	h.Text = b2.String()
	// Regime: the cases compared must have run on the same machine.
	xs := []*summaryCase{p, b}
	if l != nil {
		xs = append(xs, l)
	}
	var lo, hi float64
	var loName, hiName string
	for _, c := range xs {
		v := c.values[unitXfer]
		if len(v) == 0 {
			continue
		}
		m := median(scaled(v, 1e9))
		if m <= 0 {
			continue
		}
		if loName == "" || m < lo {
			lo, loName = m, c.name
		}
		if hiName == "" || m > hi {
			hi, hiName = m, c.name
		}
	}
	if loName != "" && hi/lo > regimeRatio {
		msg := fmt.Sprintf("%s: the cases ran in different machine regimes (xfer-ns median %s in %s, %s in %s): the difference may be the machine's, not batching's; rerun, interleaved, on a quieter machine",
			label, fnum(lo), loName, fnum(hi), hiName)
		h.Notes = append(h.Notes, "cases ran in different machine regimes (xfer-ns)")
		s.Warnings = append(s.Warnings, msg)
	}
	return h
}

func nString(n1, n2 int) string {
	if n1 == n2 {
		return strconv.Itoa(n1)
	}
	return fmt.Sprintf("%d+%d", n1, n2)
}

func signedPct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "?"
	}
	r := math.Round(100 * f)
	if r == 0 {
		return "0%"
	}
	return fmt.Sprintf("%+.0f%%", r)
}

// bootstrapRatioCI returns the percentile bootstrap interval of
// median(b)/median(a) at the given confidence, from a fixed seed.
func bootstrapRatioCI(a, b []float64, confidence float64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(0x10c4be4c, 0x5eed))
	ra, rb := make([]float64, len(a)), make([]float64, len(b))
	ratios := make([]float64, 0, bootstrapRounds)
	for range bootstrapRounds {
		for i := range ra {
			ra[i] = a[rng.IntN(len(a))]
		}
		for i := range rb {
			rb[i] = b[rng.IntN(len(b))]
		}
		ma := median(ra)
		if ma == 0 {
			continue
		}
		ratios = append(ratios, median(rb)/ma)
	}
	if len(ratios) == 0 {
		return math.NaN(), math.NaN()
	}
	sort.Float64s(ratios)
	tail := (1 - confidence) / 2
	at := func(q float64) float64 {
		i := int(math.Round(q * float64(len(ratios)-1)))
		return ratios[i]
	}
	return at(tail), at(1 - tail)
}

// WriteText writes the summary table, the headlines and the warnings.
func (s *Summary) WriteText(w io.Writer) error {
	metric := "ns/page"
	for _, r := range s.Rows {
		if r.Metric != "ns/page" {
			metric = "time"
		}
	}
	header := []string{"case", "n", metric, "acq/page", "contended/page", "wait p99 ns", "handoffs/acq", "xfer-ns"}
	var rows [][]string
	for _, r := range s.Rows {
		t := fnum(float64(r.Time.Median))
		if metric == "time" {
			t += " " + r.Metric
		}
		if !math.IsNaN(float64(r.Time.Median)) {
			t += " ± " + pctRange(&Cell{Center: r.Time.Median, Lo: r.Time.Lo, Hi: r.Time.Hi})
		}
		xfer := "-"
		if r.Xfer != nil {
			xfer = fmt.Sprintf("%s (%s..%s)", fnum(float64(r.Xfer.Median)), fnum(float64(r.Xfer.Min)), fnum(float64(r.Xfer.Max)))
			if r.Xfer.Bimodal {
				xfer += " bimodal"
			}
		}
		rows = append(rows, []string{r.Case, strconv.Itoa(r.N), t, optNum(r.AcqPerPage), optNum(r.ContendedPerPage),
			optNum(r.WaitP99Ns), optNum(r.HandoffsPerAcq), xfer})
	}
	var b strings.Builder
	if err := writePlainTable(&b, header, rows); err != nil {
		return err
	}
	if len(s.Headlines) > 0 {
		b.WriteString("\n")
	}
	for _, h := range s.Headlines {
		b.WriteString(h.Text + "\n")
		for _, n := range h.Notes {
			b.WriteString("    note: " + n + "\n")
		}
	}
	if len(s.Warnings) > 0 {
		b.WriteString("\n")
	}
	for _, warn := range s.Warnings {
		b.WriteString("warning: " + warn + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// acqNum formats acquisitions per page as the headline reads best:
// 4.0, 3.1, 0.25, 0.063.
func acqNum(f float64) string {
	if f >= 1 {
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprintf("%.2g", f)
}

func optNum(f *Float) string {
	if f == nil {
		return "-"
	}
	return fnum(float64(*f))
}

// idealSignificant reports whether the large-page ideal is faster than
// page by more than noise: medians in that order and the Mann-Whitney U
// test significant at alpha. Otherwise page - large is noise, and an
// efficiency divided by it means nothing (at batch=1 a large unit is a
// page, and the ratio came out at 2017% on a real run).
func idealSignificant(page, large []float64, alpha float64) bool {
	if len(page) == 0 || len(large) == 0 || median(page) <= median(large) {
		return false
	}
	th := &benchmath.Thresholds{CompareAlpha: alpha}
	return benchmath.AssumeNothing.Compare(benchmath.NewSample(page, th), benchmath.NewSample(large, th)).P <= alpha
}
