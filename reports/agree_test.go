package reports

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/saving"
	"github.com/lockbench/lockbench/reports/stats"
)

func agreeHeadline(label string, delta, lo, hi float64, split *saving.Split) headline.Headline {
	return headline.Headline{
		Text:  label + ": whatever follows",
		Delta: stats.Float(delta), DeltaLo: stats.Float(lo), DeltaHi: stats.Float(hi),
		Saving: split,
	}
}

var nan = stats.Float(math.NaN())

// TestAgreeChecks: every ordered pair of runs with an estimate and an
// interval is one check; a miss names the estimate's run and the
// interval's run; a run without the headline or without an interval is
// not checked where it has nothing to offer.
func TestAgreeChecks(t *testing.T) {
	lock := func(v, lo, hi float64) *saving.Split {
		return &saving.Split{Unit: "ns/page", TotalNS: 80, TotalLo: 70, TotalHi: 90,
			LockNS: stats.Float(v), LockLo: stats.Float(lo), LockHi: stats.Float(hi),
			ScalingNS: nan, ContentionNS: nan, WorkNS: 50, WorkLo: nan, WorkHi: nan}
	}
	runs := []*Summary{
		{Headlines: []headline.Headline{
			agreeHeadline("batch=16 vs page, mutex, 1 thread", -0.674, -0.696, -0.662, lock(27.4, 19.0, 38.7)),
			agreeHeadline("batch=16 vs page, mcs, 1 thread", -0.65, -0.66, -0.64, nil),
		}},
		{Headlines: []headline.Headline{
			agreeHeadline("batch=16 vs page, mutex, 1 thread", -0.675, -0.685, -0.664, lock(23.8, 18.1, 29.5)),
		}},
		{Headlines: []headline.Headline{
			agreeHeadline("batch=16 vs page, mutex, 1 thread", -0.674, -0.684, -0.659, lock(20.6, 17.6, 25.3)),
			agreeHeadline("batch=16 vs page, mcs, 1 thread", -0.60, math.NaN(), math.NaN(), nil),
		}},
	}
	rows := Agree(runs)
	type key struct{ c, q string }
	got := map[key]AgreeRow{}
	var order []key
	for _, r := range rows {
		got[key{r.Case, r.Quantity}] = r
		order = append(order, key{r.Case, r.Quantity})
	}
	want := []key{
		{"batch=16 vs page, mutex, 1 thread", AgreeChange},
		{"batch=16 vs page, mutex, 1 thread", AgreeTotal},
		{"batch=16 vs page, mutex, 1 thread", AgreeLock},
		{"batch=16 vs page, mutex, 1 thread", AgreeWork},
		{"batch=16 vs page, mcs, 1 thread", AgreeChange},
	}
	if !slices.Equal(order, want) {
		t.Fatalf("rows %v, want %v (a part without an estimate has no row)", order, want)
	}
	l := got[want[2]]
	if l.Checks != 6 || l.Held != 5 || len(l.Misses) != 1 || l.Misses[0] != (AgreeMiss{Estimate: 1, Interval: 3}) {
		t.Errorf("lock part: %d of %d held, misses %v; want 5 of 6, run 1's 27.4 outside run 3's [17.6, 25.3]", l.Held, l.Checks, l.Misses)
	}
	// Pooled as stats.PoolRuns pools them (tested there), where two or
	// more runs have an interval.
	if p := l.Pooled; p == nil || p.Runs != 3 || !(p.Lo < 20.6 && p.Hi > 27.4) {
		t.Errorf("lock part pooled: %+v, want the three runs, an interval about all three estimates", l.Pooled)
	}
	if w := got[want[3]]; w.Checks != 0 {
		t.Errorf("work without intervals: %d checks, want 0", w.Checks)
	}
	// mcs: run 1 has an interval, run 2 lacks the headline, run 3 has an
	// estimate only: one check, run 3's -60% against run 1's interval.
	m := got[want[4]]
	if m.Checks != 1 || m.Held != 0 || m.Misses[0] != (AgreeMiss{Estimate: 3, Interval: 1}) {
		t.Errorf("mcs change: %d of %d held, misses %v; want 0 of 1, run 3 outside run 1", m.Held, m.Checks, m.Misses)
	}
	if m.Pooled != nil {
		t.Errorf("mcs change: pooled %+v from one run with an interval, want none", m.Pooled)
	}
	if m.Runs[1].estimate() {
		t.Errorf("run 2 has no mcs headline, its cell is %+v", m.Runs[1])
	}
	if c := got[want[0]]; c.Unit != "%" || math.Abs(float64(c.Runs[0].V)+67.4) > 1e-9 {
		t.Errorf("the change is in percent: %+v", c)
	}
	held, checks := AgreeHeld(rows)
	var buf bytes.Buffer
	if err := WriteAgree(&buf, rows, []string{"run 1", "run 2", "run 3"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	pl := l.Pooled
	pooledText := AgreeCell{pl.V, pl.Lo, pl.Hi}.text()
	for _, s := range []string{"27.4 [19.0, 38.7]", "-60.0 ?", "—", "5/6", "1 outside 3", "3 outside 1", "pooled", "between", pooledText} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
	if !strings.Contains(out, fmt.Sprintf("%d of %d checks held", held, checks)) {
		t.Errorf("table lacks the total %d of %d:\n%s", held, checks, out)
	}
}

// TestAgreeExpectedShare: what WriteAgree tells a reader to expect. Runs
// that differ only by chance, each with a correct 95% interval (here a
// normal mean's, known spread), hold about 83% of the checks of each
// other's estimates, not 95%, and all six checks of three such runs in
// about 65% of series; runs whose true value moves between them
// by twice an interval's half-width hold far fewer. A change to the
// text's 83% must come with this test's figure.
func TestAgreeExpectedShare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all, series int // series of three whose six checks all held
	share := func(shift float64) float64 {
		var held, checks int
		for range 2000 {
			var s []*Summary
			for r := range 3 {
				v := rng.NormFloat64() + shift*float64(r)
				s = append(s, &Summary{Headlines: []headline.Headline{
					agreeHeadline("x", v, v-1.96, v+1.96, nil)}})
			}
			h, c := AgreeHeld(Agree(s))
			held, checks = held+h, checks+c
			if shift == 0 {
				series++
				if h == c {
					all++
				}
			}
		}
		return float64(held) / float64(checks)
	}
	if got := share(0); got < 0.81 || got > 0.85 {
		t.Errorf("alike runs held %.3f of the checks, want about 0.83", got)
	}
	// All six checks of three alike runs hold together less often still:
	// the runs' range must stay inside one half-width.
	if got := float64(all) / float64(series); got < 0.61 || got > 0.69 {
		t.Errorf("three alike runs held all six checks in %.3f of series, want about 0.65", got)
	}
	if got := share(2 * 1.96); got > 0.6 {
		t.Errorf("runs moving by two half-widths held %.3f, want well below 0.83", got)
	}
}

// TestAgreeOneState: a run whose contended probes formed one cluster
// labels no state; its headline joins the other runs' headlines of the
// state its transfer probe names, and stays apart from another state's.
func TestAgreeOneState(t *testing.T) {
	xfer := func(v float64) *stats.Float { f := stats.Float(v); return &f }
	two := "batch=16 vs page, mcs, 2 threads"
	h := func(label, regime string, x float64) headline.Headline {
		hl := agreeHeadline(label, -0.83, -0.85, -0.81, nil)
		hl.Regime, hl.XferNS = regime, xfer(x)
		return hl
	}
	runs := []*Summary{
		{Headlines: []headline.Headline{h(two+", xfer-25ns regime", "xfer-25ns", 25.9), h(two+", xfer-160ns regime", "xfer-160ns", 158)}},
		{Headlines: []headline.Headline{h(two, "", 26.3)}},
		{Headlines: []headline.Headline{h(two, "", 161)}},
	}
	rows := Agree(runs)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2 (one per state): %+v", len(rows), rows)
	}
	for _, r := range rows {
		if r.Checks != 2 {
			t.Errorf("%s: %d checks, want 2 (run 1 and the run in its state, both ways)", r.Case, r.Checks)
		}
	}
}
