package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// The counterfactual decomposition: where the time of a case, and the
// time batching saves, comes from, measured rather than fitted.
//
// For a lock L in one mode (and batch) at T threads, per page of thread
// time (ns/page × T, since ns/page is wall time over the pages of all
// threads together):
//
//	work       = none at 1 thread                  the page work with no lock at all
//	lock       = L at 1 thread − none at 1 thread  the lock instructions, uncontended
//	contention = L at T × T − L at 1 thread        what more threads add; 0 when L scales perfectly
//
// The three add up to L at T × T by construction. Contention splits into
// waiting (wait-ns/page, from the instrumented repetitions) and the rest
// (cache-line transfers of the lock and the data, handoffs).
//
// Every figure is a function of samples (PartsInput), not of the case
// model, so that it applies to any group of repetitions: per machine
// regime as well as pooled.

// A PartsInput is what the decomposition of lock L in one mode and batch
// at Threads threads reads: bare ns/page samples (see schema.TimingBare)
// of L at Threads, of L at one thread and of the lock-free floor at one
// thread, and optionally L's wait-ns/page at Threads.
type PartsInput struct {
	Threads int
	AtT     []float64 // ns/page of L at Threads
	Alone   []float64 // ns/page of L at one thread
	Floor   []float64 // ns/page of lock none at one thread
	Wait    []float64 // wait-ns/page of L at Threads; may be empty
}

// ok reports whether in has every sample the decomposition needs.
func (in PartsInput) ok() bool {
	return in.Threads > 0 && len(in.AtT) > 0 && len(in.Alone) > 0 && len(in.Floor) > 0
}

// Parts is the counterfactual decomposition of one case, in thread-ns per
// page (schema.UnitThreadNSPage): Work + Lock + Contention = Total.
type Parts struct {
	Threads    int    `json:"threads"`
	Total      Float  `json:"total_ns"`      // ns/page × threads of L at Threads
	Work       Float  `json:"work_ns"`       // none at one thread
	Lock       Float  `json:"lock_ns"`       // L at one thread − none at one thread
	Contention Float  `json:"contention_ns"` // L at Threads × Threads − L at one thread
	Waiting    *Float `json:"waiting_ns,omitempty"`
}

// parts computes Parts from the medians of a PartsInput: atT, alone,
// floor ns/page.
func parts(threads int, atT, alone, floor float64) Parts {
	if threads == 1 {
		atT = alone // the same case: contention is 0, also in every bootstrap round
	}
	t := float64(threads)
	return Parts{Threads: threads, Total: Float(atT * t), Work: Float(floor),
		Lock: Float(alone - floor), Contention: Float(atT*t - alone)}
}

// Decompose splits one case's per-page thread time on medians. The
// parts are NaN when a sample is missing.
func Decompose(in PartsInput) Parts {
	if !in.ok() {
		nan := Float(math.NaN())
		return Parts{Threads: in.Threads, Total: nan, Work: nan, Lock: nan, Contention: nan}
	}
	p := parts(in.Threads, stats.Median(in.AtT), stats.Median(in.Alone), stats.Median(in.Floor))
	if len(in.Wait) > 0 {
		w := Float(stats.Median(in.Wait))
		p.Waiting = &w
	}
	return p
}

// A SavingSplit says where the thread time that a batched mode saves
// against page comes from: fewer lock instructions, less contention, or
// per-page work that batching does once per batch. Each part is the
// page case's part minus the batched case's (Parts), in thread-ns per
// page; they add up to Total. The intervals are a percentile bootstrap
// over the repetitions of the six cases read (stats.MedianBootstrap, a
// fixed seed). Waiting, when both cases have wait-ns/page, is how much of
// the contention saved was time spent waiting for a lock.
type SavingSplit struct {
	Unit         string `json:"unit"`
	Threads      int    `json:"threads"`
	TotalNS      Float  `json:"total_ns"`
	LockNS       Float  `json:"lock_ns"`
	ContentionNS Float  `json:"contention_ns"`
	WorkNS       Float  `json:"work_ns"`
	TotalLo      Float  `json:"total_ns_lo"`
	TotalHi      Float  `json:"total_ns_hi"`
	LockLo       Float  `json:"lock_ns_lo"`
	LockHi       Float  `json:"lock_ns_hi"`
	ContentionLo Float  `json:"contention_ns_lo"`
	ContentionHi Float  `json:"contention_ns_hi"`
	WorkLo       Float  `json:"work_ns_lo"`
	WorkHi       Float  `json:"work_ns_hi"`
	WaitingNS    *Float `json:"waiting_ns,omitempty"`
	// WaitingByClass splits WaitingNS by lock class (the class lines of
	// the counting repetitions, lockstat's per-lock view), largest first;
	// the classes add up to WaitingNS up to the medians.
	WaitingByClass []ClassWait `json:"waiting_by_class,omitempty"`
	PageParts      Parts       `json:"page"`
	BatchedParts   Parts       `json:"batched"`
	WorkCase       string      `json:"work_case"`      // the floor case of the batched mode
	AloneCase      string      `json:"alone_case"`     // L at one thread, batched mode
	PageWorkCase   string      `json:"page_work_case"` // the floor case of mode page
	PageAloneCase  string      `json:"page_alone_case"`
}

// A ClassWait is the waiting one lock class saves, in thread-ns per page.
type ClassWait struct {
	Class string `json:"class"`
	NS    Float  `json:"ns"`
}

// classWaits returns, per lock class of page's counted case, its
// wait-ns/page in page minus in batched, largest saving first; nil when
// either case has no class lines.
func classWaits(m *cases.Model, page, batched *cases.Case) []ClassWait {
	cp, cb := m.Counted(page), m.Counted(batched)
	if cp == nil || cb == nil || len(cp.Classes) == 0 {
		return nil
	}
	var out []ClassWait
	for _, pc := range cp.Classes {
		bc := cb.ClassCase(pc.Class)
		if bc == nil || !pc.Has(cases.WaitNSPage) || !bc.Has(cases.WaitNSPage) {
			continue
		}
		out = append(out, ClassWait{Class: pc.Class, NS: Float(pc.Median(cases.WaitNSPage) - bc.Median(cases.WaitNSPage))})
	}
	slices.SortStableFunc(out, func(a, b ClassWait) int { return cmp.Compare(b.NS, a.NS) })
	return out
}

// SplitSaving splits the saving of batched against page, each given as
// the decomposition's input at the same lock and thread count. ok is
// false when an input lacks a sample.
func SplitSaving(page, batched PartsInput) (s SavingSplit, ok bool) {
	if !page.ok() || !batched.ok() || page.Threads != batched.Threads {
		return SavingSplit{}, false
	}
	pp, bp := Decompose(page), Decompose(batched)
	s = SavingSplit{Unit: schema.UnitThreadNSPage, Threads: page.Threads, PageParts: pp, BatchedParts: bp,
		TotalNS: pp.Total - bp.Total, LockNS: pp.Lock - bp.Lock,
		ContentionNS: pp.Contention - bp.Contention, WorkNS: pp.Work - bp.Work}
	if pp.Waiting != nil && bp.Waiting != nil {
		w := *pp.Waiting - *bp.Waiting
		s.WaitingNS = &w
	}
	samples := [][]float64{page.AtT, page.Alone, page.Floor, batched.AtT, batched.Alone, batched.Floor}
	lo, hi := stats.MedianBootstrap(samples, 4, stats.DefaultConfidence, func(m []float64) []float64 {
		p, b := parts(page.Threads, m[0], m[1], m[2]), parts(page.Threads, m[3], m[4], m[5])
		return []float64{float64(p.Total - b.Total), float64(p.Lock - b.Lock), float64(p.Contention - b.Contention), float64(p.Work - b.Work)}
	})
	s.TotalLo, s.TotalHi = Float(lo[0]), Float(hi[0])
	s.LockLo, s.LockHi = Float(lo[1]), Float(hi[1])
	s.ContentionLo, s.ContentionHi = Float(lo[2]), Float(hi[2])
	s.WorkLo, s.WorkHi = Float(lo[3]), Float(hi[3])
	return s, true
}

// Text is the split as the headline says it: "of the 150 ns/page saved,
// 24 (95% CI 20 .. 28) from fewer lock instructions, ...". At more than
// one thread the saving is in thread-ns/page, and the text says so.
func (s SavingSplit) Text() string {
	unit := "ns/page"
	if s.Threads > 1 {
		unit = fmt.Sprintf("thread-ns/page (ns/page × %d threads)", s.Threads)
	}
	part := func(v, lo, hi Float, what string) string {
		return fmt.Sprintf("%s (%s .. %s) %s", stats.Short(float64(v)), stats.Short(float64(lo)), stats.Short(float64(hi)), what)
	}
	t := fmt.Sprintf("of the %s %s saved, %s, %s, %s", stats.Short(float64(s.TotalNS)), unit,
		part(s.LockNS, s.LockLo, s.LockHi, "from fewer lock instructions"),
		part(s.ContentionNS, s.ContentionLo, s.ContentionHi, "from less contention"),
		part(s.WorkNS, s.WorkLo, s.WorkHi, "from per-page work batched"))
	if s.WaitingNS != nil && s.Threads > 1 {
		t += fmt.Sprintf(" (of the contention, %s less waiting", stats.Short(float64(*s.WaitingNS)))
		var by []string
		for _, c := range s.WaitingByClass {
			by = append(by, c.Class+" "+stats.Short(float64(c.NS)))
		}
		if len(by) > 0 {
			t += ": " + strings.Join(by, ", ")
		}
		t += ")"
	}
	return t
}

// partsInput gathers, from the case model, the decomposition's input of
// case c (L at c's threads): why says what is missing when ok is false.
func partsInput(m *cases.Model, c *cases.Case) (in PartsInput, alone, floor *cases.Case, why string) {
	in.Threads = c.Threads
	alone = m.Alone(c)
	if alone == nil || !alone.Has(cases.NSPage) {
		return in, nil, nil, fmt.Sprintf("no 1-thread case of %s to measure the lock instructions and contention from", caseLabel(m, c))
	}
	floor = m.Floor(alone)
	if floor == nil || !floor.Has(cases.NSPage) {
		return in, alone, nil, fmt.Sprintf("no lock=%s 1-thread case of mode %s to measure the per-page work floor from", schema.FloorLock, c.Mode)
	}
	in.AtT, in.Alone, in.Floor = c.Samples[cases.NSPage], alone.Samples[cases.NSPage], floor.Samples[cases.NSPage]
	in.Wait = c.Samples[cases.WaitNSPage]
	if cc := m.Counted(c); len(in.Wait) == 0 && cc != nil {
		in.Wait = cc.Samples[cases.WaitNSPage] // the counting repetition ran in another regime
	}
	return in, alone, floor, ""
}

// saving adds the saving split to headline h of batched case b against
// page case p, or a note saying why there is none.
func (s *Summary) saving(m *cases.Model, h *Headline, b, p *cases.Case) {
	if h.Metric != cases.NSPage {
		return
	}
	if !slices.ContainsFunc(m.PageCache, (*cases.Case).IsFloor) {
		s.noFloor = true // one warning for all (summarize), not a note on each
		return
	}
	sp, why := CaseSaving(m, p, b)
	if why != "" {
		h.Notes = append(h.Notes, "no split of the saving: "+why)
		return
	}
	if sp.WaitingNS != nil && sp.Threads > 1 {
		sp.WaitingByClass = classWaits(m, p, b)
	}
	h.Saving = &sp // said by Headline.Full and the summary's table
	if cc := m.Counted(b); cc != nil {
		h.waitN = len(cc.Samples[cases.WaitNSPage])
	}
}

// CaseSaving is the saving split (SplitSaving) of batched case b against
// page case p, from the model, with the 1-thread and floor cases it read
// named; why says what is missing ("" when the split is there). The
// headlines and the report's saving plot both split with it.
func CaseSaving(m *cases.Model, p, b *cases.Case) (sp SavingSplit, why string) {
	pin, palone, pfloor, why := partsInput(m, p)
	if why != "" {
		return SavingSplit{}, why
	}
	bin, balone, bfloor, why := partsInput(m, b)
	if why != "" {
		return SavingSplit{}, why
	}
	sp, ok := SplitSaving(pin, bin)
	if !ok {
		return SavingSplit{}, "the cases compared have no ns/page samples"
	}
	sp.WorkCase, sp.AloneCase = bfloor.Name.Case(), balone.Name.Case()
	sp.PageWorkCase, sp.PageAloneCase = pfloor.Name.Case(), palone.Name.Case()
	return sp, ""
}

// An InstrumentationCost is what the instrumented wrapper adds to one
// acquisition of a lock, measured in the run itself: over the lock's
// 1-thread cases, the instrumented repetitions' time (inst-ns/page)
// minus the bare repetitions' (ns/page), divided by the acquisitions.
type InstrumentationCost struct {
	Variant  string `json:"variant"`
	NSPerAcq Float  `json:"ns_per_acq"`
	Cases    int    `json:"cases"`
}

// instrumentationCosts returns the cost per variant, for the variants
// whose 1-thread cases have both times and acq/page: Σ(inst − bare) /
// Σ acq/page over them, on medians (the modes with most acquisitions
// weigh most, where the cost is best resolved).
func instrumentationCosts(m *cases.Model) []InstrumentationCost {
	var out []InstrumentationCost
	for _, v := range m.Variants {
		var extra, acq float64
		n := 0
		for _, c := range m.PageCache {
			if c.Variant != v || c.Threads != 1 || !c.Has(cases.NSPage) || !c.Has(cases.InstNSPage) || !c.Has(cases.AcqPage) {
				continue
			}
			extra += c.Median(cases.InstNSPage) - c.Median(cases.NSPage)
			acq += c.Median(cases.AcqPage)
			n++
		}
		if n == 0 || acq <= 0 {
			continue
		}
		out = append(out, InstrumentationCost{Variant: v, NSPerAcq: Float(extra / acq), Cases: n})
	}
	return out
}

// instrumentationText is the summary's line on the instrumentation's cost.
func instrumentationText(costs []InstrumentationCost) string {
	if len(costs) == 0 {
		return ""
	}
	var parts []string
	for _, c := range costs {
		if c.NSPerAcq < 0 {
			// Counting cannot make a lock faster: below zero, the
			// difference is the noise of the two medians.
			parts = append(parts, fmt.Sprintf("%s ≈0 ns (measured %s: noise)", VariantLabel(c.Variant), stats.Format(float64(c.NSPerAcq), 2)))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s ns", VariantLabel(c.Variant), stats.Format(float64(c.NSPerAcq), 2)))
	}
	return "instrumentation cost per acquisition (1-thread cases, " + cases.InstNSPage + " − " + cases.NSPage + " over " + cases.AcqPage + "): " + strings.Join(parts, ", ")
}

// CaseParts is the counterfactual decomposition of case c (Decompose),
// or why there is none (no 1-thread case, no floor).
func CaseParts(m *cases.Model, c *cases.Case) (Parts, string) {
	in, _, _, why := partsInput(m, c)
	if why != "" {
		return Parts{}, why
	}
	return Decompose(in), ""
}
