package saving

import (
	"math"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports/stats"
)

// TestDecomposeOneThread: at one thread the three parts add up to the
// measured ns/page, and the lock part is bare L − none by construction.
func TestDecomposeOneThread(t *testing.T) {
	tests := []struct {
		name         string
		alone, floor []float64
		reason       string
	}{
		{"mutex page", []float64{107.3, 108, 106.9}, []float64{83.4, 84, 83}, "the issue's table: 24 ns of locks"},
		{"tas batch", []float64{35.7, 35.9, 35.6}, []float64{35.4, 35.5, 35.3}, "batching leaves almost no lock cost"},
		{"lock faster than floor", []float64{80, 81}, []float64{83.4, 84}, "noise can make the lock part negative; it still adds up"},
	}
	for _, tt := range tests {
		in := Input{Threads: 1, AtT: tt.alone, Alone: tt.alone, Floor: tt.floor}
		p := Decompose(in)
		measured := stats.Median(tt.alone)
		if sum := float64(p.Work + p.Lock + p.Contention); math.Abs(sum-measured) > 0.05*measured {
			t.Errorf("%s: parts add to %v, measured %v: %s", tt.name, sum, measured, tt.reason)
		}
		if float64(p.Lock) != stats.Median(tt.alone)-stats.Median(tt.floor) || p.Contention != 0 || float64(p.Total) != measured {
			t.Errorf("%s: %+v; want lock = bare L − none = %v, contention 0, total %v: %s", tt.name, p, stats.Median(tt.alone)-stats.Median(tt.floor), measured, tt.reason)
		}
	}
	if p := Decompose(Input{Threads: 2, AtT: []float64{1}}); !math.IsNaN(float64(p.Work)) {
		t.Errorf("Decompose without the 1-thread samples = %+v, want NaN parts", p)
	}
	if _, ok := Of(Input{Threads: 1, AtT: []float64{1}, Alone: []float64{1}, Floor: []float64{1}}, Input{Threads: 2, AtT: []float64{1}, Alone: []float64{1}, Floor: []float64{1}}); ok {
		t.Error("Of across thread counts succeeded; the parts are not comparable")
	}
}

// TestOneThreadContention: at one thread the case is its own
// 1-thread reference, so contention is 0 with a 0 interval, never a
// bootstrap of a case against itself.
func TestOneThreadContention(t *testing.T) {
	x := []float64{100, 140, 90, 180, 120}
	f := []float64{80, 70, 95, 85, 60}
	sp, ok := Of(Input{Threads: 1, AtT: x, Alone: x, Floor: f}, Input{Threads: 1, AtT: f, Alone: f, Floor: f})
	if !ok || sp.ContentionNS != 0 || sp.ContentionLo != 0 || sp.ContentionHi != 0 {
		t.Errorf("1-thread contention %v (%v .. %v), want exactly 0", sp.ContentionNS, sp.ContentionLo, sp.ContentionHi)
	}
}

// TestBlockBootstrap: page and batched ran in the same blocks, and
// each block drifts both by the same factor (±15%). A bootstrap that
// resamples them independently sees the drift as noise of the
// difference; one that resamples whole blocks cancels it, so its
// interval for the work part (the floor's page less batched) is
// narrower, and still holds its estimate. The total is then the
// headline's paired estimate: the page median times the change of the
// per-block ratios (all 0.6 here), times threads.
func TestBlockBootstrap(t *testing.T) {
	const n = 12
	var pAt, bAt, pAlone, bAlone, pFloor, bFloor []float64
	for i := range n {
		d := 1 + 0.15*math.Sin(float64(i)*2.1) // the block's drift, shared
		pAt, bAt = append(pAt, 200*d), append(bAt, 120*d)
		pAlone, bAlone = append(pAlone, 100*d), append(bAlone, 60*d)
		pFloor, bFloor = append(pFloor, 80*d), append(bFloor, 50*d)
	}
	page := Input{Threads: 2, AtT: pAt, Alone: pAlone, Floor: pFloor}
	batched := Input{Threads: 2, AtT: bAt, Alone: bAlone, Floor: bFloor}
	un, ok := Of(page, batched)
	if !ok {
		t.Fatal("no split")
	}
	pairs := BlockPairs{AtT: [2][]float64{pAt, bAt}, Alone: [2][]float64{pAlone, bAlone}, Floor: [2][]float64{pFloor, bFloor}}
	bl, _ := OfPaired(page, batched, pairs)
	if bl.WorkNS != un.WorkNS || bl.LockNS != un.LockNS || un.TotalBlocks != 0 || bl.LockBlocks != 0 {
		t.Errorf("pairing page with batched changed work %v/%v or lock %v/%v (lock blocks %d): only the total (the headline's estimate) and its remainder may move",
			bl.WorkNS, un.WorkNS, bl.LockNS, un.LockNS, bl.LockBlocks)
	}
	wu, wb := float64(un.WorkHi-un.WorkLo), float64(bl.WorkHi-bl.WorkLo)
	if !(wb < 0.7*wu) || !(bl.WorkLo <= bl.WorkNS && bl.WorkNS <= bl.WorkHi) {
		t.Errorf("block bootstrap work %v (%v .. %v, width %.3g), unpaired width %.3g: resampling whole blocks must cancel the shared drift",
			bl.WorkNS, bl.WorkLo, bl.WorkHi, wb, wu)
	}
	if want := 2 * stats.Median(pAt) * (1 - 0.6); bl.TotalBlocks != n || math.Abs(float64(bl.TotalNS)-want) > 1e-9 {
		t.Errorf("paired total %v over %d blocks, want the headline's estimate %v over %d", bl.TotalNS, bl.TotalBlocks, want, n)
	}
	if sum := bl.WorkNS + bl.LockNS + bl.ContentionNS; math.Abs(float64(sum-bl.TotalNS)) > 1e-9 {
		t.Errorf("parts add to %v, total %v", sum, bl.TotalNS)
	}
}

// TestWaitingInterval: with several counting repetitions the
// waiting saved gets a bootstrap interval around its estimate.
func TestWaitingInterval(t *testing.T) {
	x := []float64{100, 110, 105}
	page := Input{Threads: 2, AtT: x, Alone: x, Floor: x, Wait: []float64{50, 70, 60}}
	batched := Input{Threads: 2, AtT: x, Alone: x, Floor: x, Wait: []float64{10, 12, 11}}
	sp, ok := Of(page, batched)
	if !ok || sp.WaitingNS == nil || sp.WaitingLo == nil || sp.WaitingN != 3 {
		t.Fatalf("split %+v: want waiting with an interval over 3 repetitions", sp)
	}
	if !(*sp.WaitingLo <= *sp.WaitingNS && *sp.WaitingNS <= *sp.WaitingHi && *sp.WaitingLo < *sp.WaitingHi) {
		t.Errorf("waiting %v, interval %v .. %v: want a real interval around it", *sp.WaitingNS, *sp.WaitingLo, *sp.WaitingHi)
	}
	if !strings.Contains(sp.Text(), "n=3)") {
		t.Errorf("text %q does not give the waiting interval", sp.Text())
	}
}

// TestDispatchBooked: with the floor's dispatch probe and L's acq/page,
// the floor's lock calls (acq/page × dispatch-ns) are booked as dispatch
// and not as work; the parts still add up to the total, the lock part is
// unchanged, and the work part's interval moves with it. Without the
// probe on one side, neither side books it, so that work means the same
// on both.
func TestDispatchBooked(t *testing.T) {
	pAt, pAlone, pFloor := []float64{200, 204, 198}, []float64{110, 112, 108}, []float64{85, 86, 84}
	bAt, bAlone, bFloor := []float64{90, 92, 91}, []float64{50, 51, 49}, []float64{45, 46, 44}
	disp := []float64{2.6, 2.7, 2.8}
	page := Input{Threads: 2, AtT: pAt, Alone: pAlone, Floor: pFloor, FloorAtT: []float64{43, 44, 45}, Dispatch: disp, Acq: []float64{8, 8, 8}}
	batched := Input{Threads: 2, AtT: bAt, Alone: bAlone, Floor: bFloor, FloorAtT: []float64{23, 24, 25}, Dispatch: disp, Acq: []float64{0.5, 0.5, 0.5}}

	p := Decompose(page)
	if p.Dispatch == nil || math.Abs(float64(*p.Dispatch)-8*2.7) > 1e-9 {
		t.Fatalf("page dispatch %v, want 8 acq/page × 2.7 ns = 21.6", p.Dispatch)
	}
	if sum := float64(p.Work + p.Scaling + p.Lock + p.Contention + *p.Dispatch); math.Abs(sum-float64(p.Total)) > 1e-9 {
		t.Errorf("parts add to %v, total %v", sum, p.Total)
	}
	if float64(p.Lock) != 110-85 || float64(p.Work) != 85-21.6 {
		t.Errorf("lock %v, work %v; want lock = L − none = 25 untouched, work = floor − dispatch = 63.4", p.Lock, p.Work)
	}

	with, ok := Of(page, batched)
	page.Dispatch, batched.Dispatch = nil, nil
	without, _ := Of(page, batched)
	if !ok || with.DispatchNS == nil || without.DispatchNS != nil {
		t.Fatalf("dispatch saved %v with the probes, %v without; want it only with them", with.DispatchNS, without.DispatchNS)
	}
	d := float64(*with.DispatchNS)
	if math.Abs(d-(8-0.5)*2.7) > 1e-9 {
		t.Errorf("dispatch saved %v, want (8 − 0.5) acq/page × 2.7 ns = 20.25", d)
	}
	if math.Abs(float64(without.WorkNS-with.WorkNS)-d) > 1e-9 || math.Abs(float64(without.WorkLo-with.WorkLo)-d) > 1e-9 || with.TotalNS != without.TotalNS || with.LockNS != without.LockNS {
		t.Errorf("work %v (%v ..) with, %v (%v ..) without; total %v/%v, lock %v/%v: want the work part and its interval lower by the dispatch, the rest the same",
			with.WorkNS, with.WorkLo, without.WorkNS, without.WorkLo, with.TotalNS, without.TotalNS, with.LockNS, without.LockNS)
	}
	if v, lo, hi := with.WorkAndDispatch(); math.Abs(float64(v-without.WorkNS)) > 1e-9 || math.Abs(float64(lo-without.WorkLo)) > 1e-9 || math.Abs(float64(hi-without.WorkHi)) > 1e-9 {
		t.Errorf("work and dispatch %v (%v .. %v), want the unbooked work %v (%v .. %v): a table's columns must still add up", v, lo, hi, without.WorkNS, without.WorkLo, without.WorkHi)
	}
	if !strings.Contains(with.Text(), "interface dispatch") || strings.Contains(without.Text(), "dispatch") {
		t.Errorf("texts %q / %q: want the dispatch named only when booked", with.Text(), without.Text())
	}

	// One side probed: neither books it.
	page.Dispatch = disp
	one, _ := Of(page, batched)
	if one.DispatchNS != nil || one.PageParts.Dispatch != nil || one.WorkNS != without.WorkNS {
		t.Errorf("one side probed: dispatch %v, page's %v, work %v; want none booked and work %v", one.DispatchNS, one.PageParts.Dispatch, one.WorkNS, without.WorkNS)
	}
}
