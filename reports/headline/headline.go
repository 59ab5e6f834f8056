package headline

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/saving"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// A Headline compares a batched case with the per-page case of the same
// lock, threads and other settings, and with the large-page ideal. It is
// the one answer to lockbench's question: `lockbench run` prints it, and
// the report quotes it.
//
// Delta is the change of the median time (batch/page - 1). Its 95%
// confidence interval comes from a deterministic percentile bootstrap of
// that ratio of medians (stats.RatioCI): both samples are resampled with
// replacement 2000 times with a fixed seed, so the same results always
// give the same interval. P is the Mann-Whitney U test's (benchmath).
// Efficiency is (page - batch) / (page - large) on medians: 1 means
// batching reached the one-big-page ideal.
//
// Why the bootstrap, and not the two medians' own confidence intervals
// (which the report printed until both were merged here): the headline
// states a change, and the bootstrap gives an interval for that change
// itself. Two medians' intervals say where each median lies; whether and
// how far the ratio is from 1 does not follow from them (overlapping
// intervals can still hide a significant change, and the interval of a
// ratio is not the ratio of the intervals).
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
	// File is the input of the cases compared, when the results come
	// from several; cases of different inputs are never compared.
	File string `json:"file,omitempty"`
	// PageCase, BatchCase and LargeCase name the rows compared.
	PageCase  string       `json:"page_case"`
	BatchCase string       `json:"batch_case"`
	LargeCase string       `json:"large_case,omitempty"`
	Metric    string       `json:"metric"`
	Page      stats.Float  `json:"page"`
	Batched   stats.Float  `json:"batched"`
	Large     *stats.Float `json:"large,omitempty"`
	Delta     stats.Float  `json:"delta"`
	DeltaLo   stats.Float  `json:"delta_lo"`
	DeltaHi   stats.Float  `json:"delta_hi"`
	P         stats.Float  `json:"p"`
	N1        int          `json:"n1"`
	N2        int          `json:"n2"`
	// Significant is P <= 0.05.
	Significant bool         `json:"significant"`
	AcqPage     *stats.Float `json:"acq_per_page_page,omitempty"`
	AcqBatch    *stats.Float `json:"acq_per_page_batched,omitempty"`
	Efficiency  *stats.Float `json:"efficiency,omitempty"`
	// WaitClass is the lock class with the largest share of the batched
	// case's remaining wait (wait-ns/page), WaitShare that share (0..1);
	// empty when the case has no class lines or nothing waited.
	WaitClass string       `json:"wait_class,omitempty"`
	WaitShare *stats.Float `json:"wait_class_share,omitempty"`
	Notes     []string     `json:"notes,omitempty"`
	// Regime is the machine state of the cases compared (their
	// schema.KeyRegime: a state label from the clusters of the probes,
	// cases.LabelStates, or an earlier version's band) when the results
	// saw more than one; "" when they saw one or none.
	Regime string `json:"regime,omitempty"`
	// XferNS is the median transfer probe (xfer-ns) of the compared
	// cases, when they have one (contended cases), whether or not the run
	// labelled a Regime.
	XferNS *stats.Float `json:"xfer_ns,omitempty"`
	// Blocks is the number of paired blocks the delta comes from (see
	// stats.Paired); 0 when the results are not paired and the delta
	// compares two independent samples.
	Blocks int `json:"blocks,omitempty"`
	// HalfWidth is the interval's larger distance from Delta, in
	// percentage points (0.05 is "± 5 points"); null without an interval.
	HalfWidth stats.Float `json:"half_width"`
	// NotTight says why the interval is wider than the target of an
	// adaptive run (reports.SummaryOptions.TargetCI); "" when it is within it or
	// there is no target.
	NotTight string `json:"not_tight,omitempty"`
	// Saving says where the saving comes from (saving.Of): fewer lock
	// instructions, less contention, per-page work batched; nil, with a
	// note, when the cases it needs (the lock at one thread, the
	// lock-free floor) are missing.
	Saving *saving.Split `json:"saving,omitempty"`
	// Provisional marks a contended headline in a regime seen in fewer
	// paired blocks than give an interval (stats.MinPairs): the text
	// summary prints it on one line after the others.
	Provisional bool `json:"provisional,omitempty"`

	batch *cases.Case // the batched case, for the report to find its headline
	// lockPairs is LockPairs of a 1-thread headline (LockPairs).
	lockPairs int
	label     string // what it compares (headlineLabel), for the short table
	waitN     int    // counting repetitions behind Saving's waiting parts
}

// BatchedCase is the batched case h compares with its page case: the report
// finds a case's headline by it.
func (h *Headline) BatchedCase() *cases.Case { return h.batch }

// Options say what Find computes.
type Options struct {
	// MultiRegime is set when the results saw more than one machine
	// regime (reports.Summary.Regimes): a headline then names its regime.
	MultiRegime bool
	// NoSaving leaves out the saving splits (a bootstrap each): the
	// judge of an adaptive run reads only the headlines' intervals.
	NoSaving bool
}

// Found is what Find found: the headlines in case order, the warnings
// of what could not be compared or is to be distrusted, in the order
// they arose, and whether a saving split went without its floor.
type Found struct {
	Headlines []Headline
	Warnings  []string
	// NoFloor is set when a headline had no floor case to split its
	// saving with: the summary says so once, not on each headline.
	NoFloor bool
}

// finder is one Find: the model, the options and what it found so far.
type finder struct {
	m    *cases.Model
	opts Options
	Found
}

// pageElsewhere reports whether m has a mode=page case with c's settings
// in another machine state.
func pageElsewhere(m *cases.Model, c *cases.Case) bool {
	want := c.Name.Without(schema.KeyRegime, schema.KeyMode).Case()
	for _, o := range m.Cases {
		if o.Mode == workloads.ModePage && o.Name.Without(schema.KeyRegime, schema.KeyMode).Case() == want {
			return true
		}
	}
	return false
}

// Find finds, for every batched case of m, its page and large cases
// (cases.Model.Page and Large: one pairing rule for the summary and the
// report) and compares them (see Headline).
func Find(m *cases.Model, opts Options) Found {
	f := &finder{m: m, opts: opts}
	hasMode := false
	for _, c := range m.Cases {
		if _, ok := c.Key(schema.KeyMode); ok {
			hasMode = true
		}
	}
	if !hasMode {
		f.Warnings = append(f.Warnings, fmt.Sprintf("no case names a mode (%s=%s, %s=%s ...): there is no batch-versus-page headline for these results (the cs workload and plain go test output have none)",
			schema.KeyMode, workloads.ModePage, schema.KeyMode, workloads.ModeBatch))
		return f.Found
	}
	for _, c := range m.Cases {
		if !cases.Batched(c.Mode) || referenceFloor(m, c) || c.CountsOnly() {
			continue
		}
		label := headlineLabel(m, c, opts.MultiRegime)
		page := m.Page(c)
		if page == nil {
			if reg, ok := c.Key(schema.KeyRegime); ok && pageElsewhere(m, c) {
				// The state came and went while page ran in another one:
				// a fact about the machine, not a plan without page.
				f.Warnings = append(f.Warnings, fmt.Sprintf("%s: no %s=%s slice ran in the %s state, so nothing to pair with there",
					label, schema.KeyMode, workloads.ModePage, reg))
				continue
			}
			f.Warnings = append(f.Warnings, fmt.Sprintf("%s: no %s=%s case with the same settings to compare with (run with %s among the modes)",
				label, schema.KeyMode, workloads.ModePage, workloads.ModePage))
			continue
		}
		f.Headlines = append(f.Headlines, f.batchVersusPage(c, page, m.Large(c), label))
	}
	if len(f.Headlines) == 0 && len(f.Warnings) == 0 {
		batched := slices.DeleteFunc(workloads.Modes(), func(mode workloads.Mode) bool { return !cases.Batched(mode) })
		f.Warnings = append(f.Warnings, fmt.Sprintf("no batched case (%s=%s): nothing to compare with %s=%s",
			schema.KeyMode, strings.Join(workloads.ModeStrings(batched), ", "), schema.KeyMode, workloads.ModePage))
	}
	return f.Found
}

// referenceFloor reports whether c is a floor case (lock=none, added by
// harness.Plan.Floor) while page-cache cases of other locks are present.
// The floor is then what the locks are measured against, not an answer
// of its own: headlines, claims and plots leave it out; when it is all
// there is, it is the answer.
func referenceFloor(m *cases.Model, c *cases.Case) bool {
	return c.IsFloor() && slices.ContainsFunc(m.PageCache, func(o *cases.Case) bool { return !o.IsFloor() })
}

// FloorVariant reports whether variant v's page-cache cases are the
// reference floor (lock=none beside other locks): headlines, claims and
// plots leave it out. A variant names the lock, so its cases are all
// floor or none are.
func FloorVariant(m *cases.Model, v string) bool {
	for _, c := range m.PageCache {
		if c.Variant == v {
			return referenceFloor(m, c)
		}
	}
	return false
}

// headlineLabel says what a headline compares: "batch=16 vs page, mcs,
// 2 threads", "pagevec batch=16 vs page, ...", then the other keys, and
// the GOMAXPROCS and the input when m has several.
func headlineLabel(m *cases.Model, c *cases.Case, multiRegime bool) string {
	batch, hasBatch := c.Key(schema.KeyBatch)
	var parts []string
	switch {
	case c.Mode == workloads.ModeBatch && hasBatch:
		parts = append(parts, schema.KeyBatch+"="+batch+" vs "+string(workloads.ModePage))
	case hasBatch:
		parts = append(parts, string(c.Mode)+" "+schema.KeyBatch+"="+batch+" vs "+string(workloads.ModePage))
	default:
		parts = append(parts, string(c.Mode)+" vs "+string(workloads.ModePage))
	}
	if lock, ok := c.Key(schema.KeyLock); ok {
		parts = append(parts, lock)
	}
	if th, ok := c.Key(schema.KeyThreads); ok {
		if th == "1" {
			parts = append(parts, "1 thread")
		} else {
			parts = append(parts, th+" threads")
		}
	}
	if reg, ok := c.Key(schema.KeyRegime); ok && multiRegime {
		parts = append(parts, reg+" regime")
	}
	parts = append(parts, otherKeys(c)...)
	if c.Name.Base != schema.BasePageCache {
		parts = append(parts, c.Name.Base)
	}
	if len(m.Machines) > 1 {
		parts = append(parts, schema.ConfMachine+"="+c.Machine)
	}
	if len(m.Procs) > 1 {
		parts = append(parts, fmt.Sprintf("gomaxprocs=%d", c.Name.Procs))
	}
	if len(m.Files) > 1 {
		parts = append(parts, "file="+c.File)
	}
	return strings.Join(parts, ", ")
}

// otherKeys are c's key=value parts besides mode, batch, lock and
// threads.
func otherKeys(c *cases.Case) []string {
	var out []string
	for _, kv := range c.Name.Without(schema.KeyMode, schema.KeyBatch, schema.KeyLock, schema.KeyThreads, schema.KeyRegime).Keys {
		out = append(out, kv.Key+"="+kv.Value)
	}
	return out
}

// batchVersusPage is the headline of a batched case against its page
// case (and its large case, the one-big-page ideal; nil when there is
// none): the change of the median time with its interval and p-value,
// acquisitions per page before and after, the lock most of the remaining
// wait is for, the efficiency against the ideal, and, for the summary,
// the saving split; label names the comparison in its text.
func (f *finder) batchVersusPage(batched, page, large *cases.Case, label string) Headline {
	m := f.m
	h := newHeadline(m, batched, page)
	h.label = label
	unit := cases.NSPage
	if !batched.Has(unit) || !page.Has(unit) {
		unit = cases.NSOp
	}
	h.Metric = unit
	bv, pv := batched.Samples[unit], page.Samples[unit]
	nan := stats.Float(math.NaN())
	h.Page, h.Batched, h.Delta, h.DeltaLo, h.DeltaHi, h.P = nan, nan, nan, nan, nan, nan
	if len(bv) == 0 || len(pv) == 0 {
		h.Notes = append(h.Notes, fmt.Sprintf("no %s (or %s) values in one of the cases: no time comparison", cases.NSPage, cases.NSOp))
		h.Text = label + ": no " + cases.NSPage + " values to compare"
		f.Warnings = append(f.Warnings, h.Text)
		return h
	}
	h.Page, h.Batched = stats.Float(stats.Median(pv)), stats.Float(stats.Median(bv))
	if reg, ok := batched.Key(schema.KeyRegime); ok && f.opts.MultiRegime {
		h.Regime = reg
	}
	// The state's probe also when the run saw one state and labelled
	// none: lockbench agree matches such a headline with other runs'
	// headlines of the state it names.
	if x := stats.Median(append(slices.Clone(page.Samples[schema.UnitXfer]), batched.Samples[schema.UnitXfer]...)); x > 0 {
		xf := stats.Float(x)
		h.XferNS = &xf
	}
	test := h.compareTimes(page, batched, unit)
	counted := h.lockCounts(m, page, batched)
	h.waitClass(counted)
	h.efficiency(large, pv, bv, unit)
	h.Text = h.text(label, test)
	if !f.opts.NoSaving {
		f.addSaving(&h, batched, page)
	}
	if page.Threads == 1 {
		h.lockPairs = LockPairs(m, page, batched)
	}
	f.regime(&h, label, page, batched, large)
	return h
}

// LockPairs is LockPairs of the headline's cases at one thread (0 at
// more threads): what the judge weighs its lock part by.
func (h *Headline) LockPairs() int { return h.lockPairs }

// newHeadline is the headline of batched against page before any
// number: which cases, lock, threads and other settings.
func newHeadline(m *cases.Model, batched, page *cases.Case) Headline {
	h := Headline{Workload: batched.Name.Base, Mode: string(batched.Mode), PageCase: page.Name.Case(), BatchCase: batched.Name.Case(), batch: batched}
	h.Batch, _ = batched.Key(schema.KeyBatch)
	h.Lock, _ = batched.Key(schema.KeyLock)
	h.Threads, _ = batched.Key(schema.KeyThreads)
	h.Others = strings.Join(otherKeys(batched), " ")
	if len(m.Files) > 1 {
		h.File = batched.File
	}
	return h
}

// compareTimes sets the change of unit from page to batched: the median
// of the per-block ratios when the cases ran in paired blocks, else the
// ratio of medians with its bootstrap interval and the Mann-Whitney
// p-value; and notes when the samples are too few. It returns the test's
// text for the headline ("p=0.002 n=6", "p=0.001, 12 blocks").
func (h *Headline) compareTimes(page, batched *cases.Case, unit string) string {
	pv, bv := page.Samples[unit], batched.Samples[unit]
	var test string
	if pp, pb, ok := pairedValues(page, batched, unit); ok {
		// Paired blocks: the delta is the Hodges-Lehmann estimate of the
		// per-block ratios, with its own signed-rank interval and p.
		pr := stats.PairedRatio(pp, pb, stats.DefaultConfidence)
		h.Blocks, h.N1, h.N2 = pr.N, pr.N, pr.N
		h.P, h.Significant = stats.Float(pr.P), pr.P <= stats.DefaultAlpha
		h.Delta, h.DeltaLo, h.DeltaHi = stats.Float(pr.Ratio-1), stats.Float(pr.Lo-1), stats.Float(pr.Hi-1)
		test = fmt.Sprintf("p=%.3f, %s", pr.P, stats.Plural(pr.N, "block"))
		if pr.N < stats.MinPairs {
			h.Notes = append(h.Notes, fmt.Sprintf("%d paired blocks can never be significant at alpha %v: it takes %d", pr.N, stats.DefaultAlpha, stats.MinPairs))
		}
	} else {
		cmp := stats.Compare(pv, bv, stats.DefaultAlpha)
		h.P, h.N1, h.N2 = stats.Float(cmp.P), cmp.N1, cmp.N2
		h.Significant = cmp.P <= stats.DefaultAlpha
		test = cmp.String()
		if pm := float64(h.Page); pm > 0 {
			h.Delta = stats.Float(float64(h.Batched)/pm - 1)
			lo, hi := stats.RatioCI(pv, bv, stats.DefaultConfidence)
			h.DeltaLo, h.DeltaHi = stats.Float(lo-1), stats.Float(hi-1)
		}
	}
	h.HalfWidth = stats.Float(halfWidth(float64(h.Delta), float64(h.DeltaLo), float64(h.DeltaHi)))
	h.Provisional = h.provisional()
	switch {
	case h.Blocks > 0: // said above
	case stats.MinP(len(pv), len(bv)) > stats.DefaultAlpha:
		h.Notes = append(h.Notes, fmt.Sprintf("n=%d+%d samples can never be significant at alpha %v (%s)",
			len(pv), len(bv), stats.DefaultAlpha, repetitionsNeeded()))
	case min(len(pv), len(bv)) < 5:
		h.Notes = append(h.Notes, fmt.Sprintf("few samples (n=%d+%d): the interval is rough", len(pv), len(bv)))
	}
	return test
}

// lockCounts sets acquisitions per page before and after, from each
// case's counting repetition (Model.Counted), and returns the batched
// side's counted case (batched itself when it has none). The counting
// repetition ran in one regime: another regime's headline borrows it,
// and says so.
func (h *Headline) lockCounts(m *cases.Model, page, batched *cases.Case) *cases.Case {
	cp, cb := m.Counted(page), m.Counted(batched)
	if cp != nil {
		h.AcqPage = cp.OptMedian(cases.AcqPage)
	}
	if cb == nil {
		return batched
	}
	h.AcqBatch = cb.OptMedian(cases.AcqPage)
	if reg, ok := cb.Key(schema.KeyRegime); ok && cb != batched {
		h.Notes = append(h.Notes, fmt.Sprintf("lock counts (acquisitions, wait by class) from the instrumented repetition, which ran in the %s regime", reg))
	}
	return cb
}

// waitClass sets the lock class with the largest share of counted's
// wait, if any waited.
func (h *Headline) waitClass(counted *cases.Case) {
	if class, share, ok := dominantClass(counted); ok {
		h.WaitClass = class
		sh := stats.Float(share)
		h.WaitShare = &sh
	}
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

// efficiency sets the large case and the efficiency of batching against
// it, (page - batch) / (page - large) on medians of unit, or notes why
// there is none.
func (h *Headline) efficiency(large *cases.Case, pv, bv []float64, unit string) {
	if large == nil {
		h.Notes = append(h.Notes, fmt.Sprintf("no %s=%s case with these settings: no efficiency against the large-page ideal (run with %s among the modes)",
			schema.KeyMode, workloads.ModeLarge, workloads.ModeLarge))
		return
	}
	h.LargeCase = large.Name.Case()
	lv := large.Samples[unit]
	if len(lv) == 0 {
		return
	}
	lm := stats.Float(stats.Median(lv))
	h.Large = &lm
	e, why := Efficiency(pv, bv, lv, unit)
	if why != "" {
		h.Notes = append(h.Notes, why)
		return
	}
	eff := stats.Float(e)
	h.Efficiency = &eff
}

// text is the headline's one line: label, the change with its interval
// and test, acquisitions before and after, the waiting lock, the
// efficiency.
func (h *Headline) text(label, test string) string {
	var t strings.Builder
	if math.IsNaN(float64(h.DeltaLo)) {
		fmt.Fprintf(&t, "%s: %s %s (no interval yet, %s)", label, stats.Pct(float64(h.Delta), 0, true), h.Metric, test)
	} else {
		fmt.Fprintf(&t, "%s: %s %s (95%% CI %s .. %s, %s)", label, stats.Pct(float64(h.Delta), 0, true), h.Metric,
			stats.Pct(float64(h.DeltaLo), 0, true), stats.Pct(float64(h.DeltaHi), 0, true), test)
	}
	if !h.Significant {
		t.WriteString(" not significant")
	}
	if h.AcqPage != nil && h.AcqBatch != nil {
		fmt.Fprintf(&t, ", %s -> %s acquisitions/page", stats.Format(float64(*h.AcqPage), 2), stats.Format(float64(*h.AcqBatch), 2))
	}
	if h.WaitShare != nil {
		fmt.Fprintf(&t, "; %s of remaining wait is the %s lock", stats.Pct(float64(*h.WaitShare), 0, false), h.WaitClass)
	}
	if h.Efficiency != nil {
		fmt.Fprintf(&t, "; reaches %s of the large-page ideal", stats.Pct(float64(*h.Efficiency), 0, false))
	}
	return t.String()
}

// pairedValues returns the values of unit of page case p and batched
// case b in the blocks both ran in, in block order; ok is false unless
// every line of both carries a block (schema.UnitBlock). See blockValues.
func pairedValues(p, b *cases.Case, unit string) (pv, bv []float64, ok bool) {
	v, ok := blockValues(unit, p, b)
	if !ok {
		return nil, nil, false
	}
	return v[0], v[1], true
}

// blockValues returns the values of unit of every case of cs in the
// blocks all of them ran in, aligned (v[i][k] is cs[i]'s value in the
// k-th such block), in the first case's block order; ok is false unless
// every line of every case carries a block (schema.UnitBlock). Block
// numbers restart in each run, so results of runs concatenated into one
// file are told apart by the restart: a block number not above the
// previous one of the case begins the next run.
func blockValues(unit string, cs ...*cases.Case) (v [][]float64, ok bool) {
	type key struct{ run, block int }
	byBlock := func(c *cases.Case) (map[key]float64, []key) {
		blocks, vals := c.Samples[schema.UnitBlock], c.Samples[unit]
		if len(blocks) == 0 || len(blocks) != len(vals) {
			return nil, nil
		}
		out := map[key]float64{}
		var order []key
		run, last := 0, 0
		for i, f := range blocks {
			n := int(f)
			if n <= last {
				run++
			}
			last = n
			k := key{run, n}
			out[k] = vals[i]
			order = append(order, k)
		}
		return out, order
	}
	maps := make([]map[key]float64, len(cs))
	var order []key
	for i, c := range cs {
		m, o := byBlock(c)
		if m == nil {
			return nil, false
		}
		maps[i] = m
		if i == 0 {
			order = o
		}
	}
	v = make([][]float64, len(cs))
	for _, k := range order {
		row := make([]float64, len(cs))
		all := true
		for i, m := range maps {
			x, found := m[k]
			all = all && found
			row[i] = x
		}
		if all {
			for i := range row {
				v[i] = append(v[i], row[i])
			}
		}
	}
	return v, true
}

// regime warns when the cases a headline compares ran in different
// machine regimes: their xfer-ns medians more than stats.RegimeRatio
// apart.
func (f *finder) regime(h *Headline, label string, compared ...*cases.Case) {
	var lo, hi float64
	var loName, hiName string
	for _, c := range compared {
		if c == nil || !c.Has(schema.UnitXfer) {
			continue
		}
		x := c.Median(schema.UnitXfer)
		if x <= 0 {
			continue
		}
		if loName == "" || x < lo {
			lo, loName = x, f.m.Label(c)
		}
		if hiName == "" || x > hi {
			hi, hiName = x, f.m.Label(c)
		}
	}
	if loName != "" && hi/lo > stats.RegimeRatio {
		f.Warnings = append(f.Warnings, fmt.Sprintf("%s: the cases ran in different machine regimes (%s median %s in %s, %s in %s): the difference may be the machine's, not batching's; rerun, interleaved, on a quieter machine",
			label, schema.UnitXfer, stats.Format(lo, 4), loName, stats.Format(hi, 4), hiName))
		h.Notes = append(h.Notes, "cases ran in different machine regimes ("+schema.UnitXfer+")")
	}
}

// Efficiency is how close batching gets to the one-big-page ideal,
// (page - batch) / (page - large) on medians, for the headline and the
// report's table alike. It is defined only when large is significantly
// faster than page (stats.Lower): otherwise page - large is noise, and a
// ratio with it as divisor means nothing. why says, in words of unit, why
// it is undefined ("" when it is defined; eff is then NaN).
func Efficiency(page, batch, large []float64, unit string) (eff float64, why string) {
	pm, bm, lm := stats.Median(page), stats.Median(batch), stats.Median(large)
	switch {
	case pm-lm <= 0:
		return math.NaN(), fmt.Sprintf("large (%s %s) is not faster than page (%s %s) here: efficiency undefined", stats.Format(lm, 4), unit, stats.Format(pm, 4), unit)
	case stats.MinP(len(page), len(large)) > stats.DefaultAlpha:
		return math.NaN(), fmt.Sprintf("n=%d+%d samples are too few to show large faster than page: efficiency undefined (%s)", len(page), len(large), repetitionsNeeded())
	case !stats.Lower(page, large, stats.DefaultAlpha):
		return math.NaN(), fmt.Sprintf("large (%s %s) is not significantly faster than page (%s %s) here: the ideal is within noise and efficiency undefined", stats.Format(lm, 4), unit, stats.Format(pm, 4), unit)
	}
	return (pm - bm) / (pm - lm), ""
}

// repetitionsNeeded says how many repetitions a side the U test needs to
// reach stats.DefaultAlpha at all.
func repetitionsNeeded() string {
	return fmt.Sprintf("it takes %d or more repetitions of each case", stats.MinRepetitions(stats.DefaultAlpha))
}

// halfWidth is the larger distance of an interval [lo, hi] of a change
// from the change delta, in points (see Headline.HalfWidth): +Inf without
// an interval, or when the ratio delta+1 is not positive.
func halfWidth(delta, lo, hi float64) float64 {
	if math.IsNaN(lo) || math.IsNaN(hi) || !(delta+1 > 0) {
		return math.Inf(1)
	}
	return max(hi-delta, delta-lo)
}

// RelHalfWidth is HalfWidth relative to the ratio the headline compares
// (1 + Delta): the half-width of the ratio's interval as a fraction of
// the ratio, what an adaptive run's target (--target-ci) is. ± 5 points
// is ± 17% of a ratio of 0.3 and ± 5% of a ratio of 1.0: a target in
// points stops a run early for large savings and late for small ones,
// one relative to the ratio asks every headline for the same precision.
// +Inf without an interval.
func (h *Headline) RelHalfWidth() float64 {
	ratio := 1 + float64(h.Delta)
	if !(ratio > 0) || math.IsNaN(float64(h.HalfWidth)) {
		return math.Inf(1)
	}
	return float64(h.HalfWidth) / ratio
}

// provisional reports whether h is a contended headline in a regime seen
// in too few paired blocks to have an interval (stats.MinPairs). Such a
// headline is kept (JSON, the judge) but printed on one line after the
// others: a rare regime's point estimate is not an answer yet.
func (h *Headline) provisional() bool {
	return h.Regime != "" && h.Blocks > 0 && h.Blocks < stats.MinPairs
}

// short is the headline's case in a few words: "batch=16 vs page, mcs,
// 2 threads, xllc regime".
func (h *Headline) short() string {
	t, _, _ := strings.Cut(h.Text, ":")
	return t
}
