package reports

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/schema"
)

// pairedRun is a synthetic paired run with a known truth: blocks of page
// and batch (mcs, 2 threads), each block in the llc regime (xfer 25 ns,
// page 200 ns) or, with probability slow, the xllc one (170 ns, page
// 680 ns), a drift of +drift over the run, ±3% noise per slice, and batch
// truly ratio[regime] times page. One block in switchEvery (0: none)
// switches regime in flight.
func pairedRun(blocks int, slow, drift float64, ratio map[string]float64, switchEvery int, seed uint64) []*benchfmt.Result {
	rng := rand.New(rand.NewPCG(seed, 3))
	var out []*benchfmt.Result
	for b := 1; b <= blocks; b++ {
		reg, xfer, page := schema.RegimeLLC, 25.0, 200.0
		if rng.Float64() < slow {
			reg, xfer, page = schema.RegimeXLLC, 170.0, 680.0
		}
		if switchEvery > 0 && b%switchEvery == 0 {
			reg = schema.RegimeSwitched
		}
		page *= 1 + drift*float64(b)/float64(blocks)
		noise := func() float64 { return 1 + 0.03*(2*rng.Float64()-1) }
		for _, m := range []struct {
			mode string
			ns   float64
		}{{"page", page}, {"batch", page * ratio[reg]}} {
			if reg == schema.RegimeSwitched {
				m.ns = page * 1.5
			}
			name := fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=%s-2", m.mode, reg)
			out = append(out, result(name, m.ns*noise(), "ns/page", xfer, schema.UnitXfer, float64(b), schema.UnitBlock))
		}
	}
	return out
}

func TestPairedHeadlinePerRegime(t *testing.T) {
	truth := map[string]float64{schema.RegimeLLC: 0.25, schema.RegimeXLLC: 0.15}
	lines := pairedRun(30, 0.4, 0.5, truth, 7, 1)
	s, err := SummarizeWith(lines, SummaryOptions{TargetCI: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Regimes) != 2 || s.Regimes[0].Regime != schema.RegimeLLC || s.Regimes[1].Regime != schema.RegimeXLLC {
		t.Fatalf("regimes %+v, want llc then xllc", s.Regimes)
	}
	if s.Switched != 4 {
		t.Errorf("%d switched blocks, want the 4 of 30 (every 7th) left out", s.Switched)
	}
	line := s.RegimeLine()
	for _, want := range []string{"llc (xfer 25 ns)", "xllc (xfer 170 ns)", "4 switched in flight, left out"} {
		if !strings.Contains(line, want) {
			t.Errorf("regime line %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "run again") {
		t.Errorf("regime line %q says run again: a file alone cannot know whether the run repeated anything", line)
	}
	if again, _ := SummarizeWith(lines, SummaryOptions{Repeated: 3}); !strings.Contains(again.RegimeLine(), "; 3 run again") {
		t.Errorf("regime line %q of a run that repeated 3 lacks their count", again.RegimeLine())
	}
	if len(s.Headlines) != 2 {
		t.Fatalf("%d headlines, want one per regime: %+v", len(s.Headlines), s.Headlines)
	}
	for _, h := range s.Headlines {
		want := truth[h.Regime] - 1
		if h.Blocks < 6 || !h.Significant {
			t.Errorf("%s: %d blocks, significant %v; want a paired, significant headline", h.Regime, h.Blocks, h.Significant)
		}
		if math.Abs(float64(h.Delta)-want) > 0.02 {
			t.Errorf("%s: delta %v, want %v: the paired median should cancel the drift", h.Regime, float64(h.Delta), want)
		}
		if float64(h.DeltaLo) > want || float64(h.DeltaHi) < want {
			t.Errorf("%s: interval [%v, %v] misses the truth %v", h.Regime, float64(h.DeltaLo), float64(h.DeltaHi), want)
		}
		if !strings.Contains(h.Text, h.Regime+" regime") {
			t.Errorf("headline %q does not name its regime", h.Text)
		}
	}
}

func TestPendingStoppingRule(t *testing.T) {
	truth := map[string]float64{schema.RegimeLLC: 0.25, schema.RegimeXLLC: 0.15}
	tests := []struct {
		blocks int
		slow   float64
		target float64
		want   bool
		reason string
	}{
		{4, 0, 0.05, true, "4 blocks give no interval: more are needed"},
		{40, 0, 0.05, false, "40 blocks of ±3% noise pin a 0.25 ratio within 5 points: stop"},
		{40, 0.05, 0.05, true, "the slow regime seen in about 2 blocks has no interval yet: spend there"},
		{40, 0, 0.0001, true, "a target tighter than the noise allows keeps asking until the budget ends"},
	}
	for _, tt := range tests {
		lines := pairedRun(tt.blocks, tt.slow, 0, truth, 0, 5)
		got := Pending(lines, tt.target)
		if (len(got) > 0) != tt.want {
			t.Errorf("%s: Pending = %v", tt.reason, got)
			continue
		}
		if tt.want && !slices.Equal(got, []string{"PageCache/lock=mcs/threads=2"}) {
			t.Errorf("%s: Pending = %v, want the group as harness.Case.Group names it", tt.reason, got)
		}
	}
	s, _ := SummarizeWith(pairedRun(40, 0.05, 0, truth, 0, 5), SummaryOptions{TargetCI: 0.05})
	var notes []string
	for _, h := range s.Headlines {
		notes = append(notes, h.NotTight)
	}
	if !strings.Contains(strings.Join(notes, "\n"), "xllc regime seen in") {
		t.Errorf("not-tight reasons %q do not say the slow regime was seen in too few blocks", notes)
	}
}

func TestPendingRareRegimeDoesNotStarve(t *testing.T) {
	truth := map[string]float64{schema.RegimeLLC: 0.25, schema.RegimeXLLC: 0.15}
	// Group A: 12 blocks, its xllc regime seen in 3 (no interval). Group
	// B: 3 blocks, one regime (no interval either). Both are infinitely
	// wide; B has fewer blocks and must come first.
	a := pairedRun(12, 0.25, 0, truth, 0, 9)
	var b []*benchfmt.Result
	for _, r := range pairedRun(3, 0, 0, truth, 0, 10) {
		r.Name = benchfmt.Name(strings.Replace(string(r.Name), "lock=mcs", "lock=mutex", 1))
		b = append(b, r)
	}
	got := Pending(append(a, b...), 0.05)
	if len(got) != 2 || got[0] != "PageCache/lock=mutex/threads=2" {
		t.Errorf("Pending = %v, want the group with fewer blocks (mutex) first", got)
	}
}

// TestCountingRegimeNotACase: a case's one counting repetition that ran
// in a regime none of its timed slices saw (here xllc, while every block
// was llc) is no row, no headline and no block of that regime; the llc
// headline borrows its lock counts.
func TestCountingRegimeNotACase(t *testing.T) {
	lines := pairedRun(12, 0, 0, map[string]float64{schema.RegimeLLC: 0.25}, 0, 2)
	for _, mode := range []string{"page", "batch"} {
		name := fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=%s-2", mode, schema.RegimeXLLC)
		lines = append(lines, result(name, 900.0, "inst-ns/page", 8.0, "acq/page", 0.3, "contended/page"))
	}
	s, err := Summarize(lines)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Regimes) != 1 || s.Regimes[0].Regime != schema.RegimeLLC {
		t.Errorf("regimes %+v: a counting repetition made a regime of its own", s.Regimes)
	}
	for _, r := range s.Rows {
		if strings.Contains(r.Case, schema.RegimeXLLC) {
			t.Errorf("row %q: a counting-only case is shown as a case", r.Case)
		}
		if r.AcqPerPage == nil || float64(*r.AcqPerPage) != 8 || r.CountsFrom != schema.RegimeXLLC {
			t.Errorf("row %q: acq/page %v from %q; want the 8 the xllc counting repetition lends", r.Case, r.AcqPerPage, r.CountsFrom)
		}
	}
	var text strings.Builder
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "8.000*") || !strings.Contains(text.String(), "* lock counts from the case's one instrumented repetition, which ran in the xllc regime") {
		t.Errorf("the table does not mark the lent counts:\n%s", text.String())
	}
	// One regime: its headline carries no regime (the rule).
	if len(s.Headlines) != 1 || s.Headlines[0].Regime != "" || s.Headlines[0].AcqPage == nil {
		t.Fatalf("headlines %+v, want one, with the counted acquisitions", s.Headlines)
	}
	for _, w := range s.Warnings {
		if strings.Contains(w, "no ns/page") {
			t.Errorf("warning %q about a counting-only case", w)
		}
	}
}

// TestPendingFloorFirst: the floor (lock=none at one thread) has no
// headline, but the saving splits and the gate read it: with fewer blocks
// than a paired headline needs it is named first, with enough it is not.
func TestPendingFloorFirst(t *testing.T) {
	truth := map[string]float64{schema.RegimeLLC: 0.25}
	floor := func(n int) []*benchfmt.Result {
		var out []*benchfmt.Result
		for b := 1; b <= n; b++ {
			for _, mode := range []string{"page", "batch"} {
				out = append(out, result("PageCache/mode="+mode+"/batch=16/lock=none/threads=1-2", 80.0+float64(b), "ns/page", float64(b), schema.UnitBlock))
			}
		}
		return out
	}
	lines := pairedRun(40, 0, 0, truth, 0, 5) // tight: nothing else pending
	if got := Pending(append(lines, floor(3)...), 0.05); !slices.Equal(got, []string{"PageCache/lock=none/threads=1"}) {
		t.Errorf("floor of 3 blocks: Pending = %v, want the floor's group", got)
	}
	if got := Pending(append(lines, floor(6)...), 0.05); len(got) != 0 {
		t.Errorf("floor of 6 blocks: Pending = %v, want nothing", got)
	}
}

// TestProvisionalHeadline: a regime seen in fewer blocks than give a
// paired interval gets no headline of its own in the text, but one line
// after the others; JSON keeps it, marked provisional.
func TestProvisionalHeadline(t *testing.T) {
	truth := map[string]float64{schema.RegimeLLC: 0.25, schema.RegimeXLLC: 0.15}
	var lines []*benchfmt.Result
	for seed := uint64(1); ; seed++ {
		lines = pairedRun(30, 0.1, 0, truth, 0, seed)
		s, _ := Summarize(lines)
		if len(s.Regimes) == 2 && s.Regimes[1].Blocks >= 2 && s.Regimes[1].Blocks < 6 {
			break
		}
		if seed > 50 {
			t.Fatal("no seed gives a rare xllc regime")
		}
	}
	s, err := Summarize(lines)
	if err != nil {
		t.Fatal(err)
	}
	var rare, main int
	for _, h := range s.Headlines {
		if h.Regime == schema.RegimeXLLC {
			rare++
			if !h.Provisional {
				t.Errorf("xllc headline with %d blocks is not provisional", h.Blocks)
			}
		} else if h.Provisional || !h.Significant {
			t.Errorf("llc headline %q: provisional %v, significant %v", h.Text, h.Provisional, h.Significant)
		} else {
			main++
		}
	}
	if rare != 1 || main != 1 {
		t.Fatalf("%d xllc and %d llc headlines, want one each", rare, main)
	}
	var text strings.Builder
	if err := s.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	if strings.Contains(out, "xllc regime: ") || !strings.Contains(out, "provisional, in a regime seen in fewer than 6 blocks") ||
		!strings.Contains(out, "batch=16 vs page, mcs, 2 threads, xllc regime -") {
		t.Errorf("the rare regime's headline is not on the provisional line:\n%s", out)
	}
}

// TestJudgeSummary: the judge's summary (Pending's) has the full
// summary's headlines, intervals and blocks, without the saving splits,
// class rows and instrumentation costs it does not read.
func TestJudgeSummary(t *testing.T) {
	lines := pairedRun(20, 0, 0, map[string]float64{schema.RegimeLLC: 0.25}, 0, 5)
	for b := 1; b <= 6; b++ {
		for _, mode := range []string{"page", "batch"} {
			for _, lock := range []string{"none", "mcs"} { // the floor, and the lock alone
				lines = append(lines, result("PageCache/mode="+mode+"/batch=16/lock="+lock+"/threads=1-2", 80.0+float64(b), "ns/page", float64(b), schema.UnitBlock))
			}
		}
	}
	full, judge := summarize(cases.Group(lines), false), summarize(cases.Group(lines), true)
	if len(full.Headlines) == 0 || len(judge.Headlines) != len(full.Headlines) {
		t.Fatalf("%d judge headlines, %d full ones; want as many, and some", len(judge.Headlines), len(full.Headlines))
	}
	split := 0
	for _, f := range full.Headlines {
		// The full summary sorts its headlines (sortHeadlines); the
		// judge keeps case order: match them by case.
		i := slices.IndexFunc(judge.Headlines, func(j headline.Headline) bool { return j.BatchCase == f.BatchCase })
		if i < 0 {
			t.Fatalf("%s: no judge headline", f.BatchCase)
		}
		j := judge.Headlines[i]
		if j.PageCase != f.PageCase || j.HalfWidth != f.HalfWidth || j.Blocks != f.Blocks || j.Delta != f.Delta || j.Provisional != f.Provisional {
			t.Errorf("judge headline %+v differs from the full one %+v", j, f)
		}
		if f.Saving != nil {
			split++
		}
		if j.Saving != nil {
			t.Errorf("%s: the judge split the saving", j.BatchCase)
		}
	}
	if split == 0 {
		t.Fatal("the full summary split no saving: the fixture cannot tell the judge apart")
	}
	if len(judge.Classes) != 0 || len(judge.Instrumentation) != 0 {
		t.Errorf("judge: %d class rows, %d instrumentation costs; want none", len(judge.Classes), len(judge.Instrumentation))
	}
}

// TestPendingFloorRareRegime: a floor case counts its lines over its
// regimes. A 2-thread floor with 10 blocks in one regime and 2 in a rare
// one is not short; per regime it was, for the whole run (one default
// run gave it 38 blocks and every 2-thread headline 1 or 2).
func TestPendingFloorRareRegime(t *testing.T) {
	truth := map[string]float64{schema.RegimeLLC: 0.25}
	lines := pairedRun(40, 0, 0, truth, 0, 5) // tight: nothing else pending
	for b := 1; b <= 12; b++ {
		reg := schema.RegimeLLC
		if b > 10 {
			reg = schema.RegimeXLLC
		}
		for _, mode := range []string{"page", "batch"} {
			lines = append(lines, result("PageCache/mode="+mode+"/batch=16/lock=none/threads=2/regime="+reg+"-2", 80.0+float64(b), "ns/page", float64(b), schema.UnitBlock))
		}
	}
	if got := Pending(lines, 0.05); len(got) != 0 {
		t.Errorf("Pending = %v, want nothing: the floor has 12 blocks over two regimes", got)
	}
	j := NewJudge()
	j.Add(lines)
	if got := j.Pending(0.05); len(got) != 0 {
		t.Errorf("Judge.Pending = %v, want nothing", got)
	}
}

// TestPendingProvisionalComesLast: a group whose common state is wide
// gets blocks before a group whose only need is a rare state's
// provisional headline; that group stays pending, after it. Ranked as
// infinitely wide, the rare state took the budget: one default run gave
// 70 blocks to mutex at 2 threads (its xfer-160ns state seen in 3) and
// 6 to mcs, whose xfer-25ns headline was still ± 73%.
func TestPendingProvisionalComesLast(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var lines []*benchfmt.Result
	add := func(lock, reg string, b int, sd float64) {
		page := 300.0
		for _, m := range []struct {
			mode string
			ns   float64
		}{{"page", page}, {"batch", page * 0.2 * math.Exp(sd*rng.NormFloat64())}} {
			lines = append(lines, result("PageCache/mode="+m.mode+"/batch=16/lock="+lock+"/threads=2/regime="+reg+"-2", m.ns, "ns/page", float64(b), schema.UnitBlock))
		}
	}
	for b := 1; b <= 40; b++ {
		reg := schema.RegimeLLC
		if b%20 == 0 {
			reg = schema.RegimeXLLC // 2 blocks of 40: provisional
		}
		add("mutex", reg, b, 0.001)
	}
	for b := 41; b <= 46; b++ {
		add("mcs", schema.RegimeLLC, b, 0.3) // 6 blocks, wide
	}
	want := []string{"PageCache/lock=mcs/threads=2", "PageCache/lock=mutex/threads=2"}
	if got := Pending(lines, 0.05); !slices.Equal(got, want) {
		t.Errorf("Pending = %v, want %v", got, want)
	}
	j := NewJudge()
	j.Add(lines)
	if got := j.Pending(0.05); !slices.Equal(got, want) {
		t.Errorf("Judge.Pending = %v, want %v", got, want)
	}
}
