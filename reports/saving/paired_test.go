package saving

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports/stats"
)

// stateMachine is the 1-thread machine of the simulations: two speed
// states (the floor's page slice at 100 or 150 ns/page, batched at 40 or
// 60), a lock that costs 32 ns/page in mode page and 2 batched in either
// state (the lock part saved: 30), and 3 ns of noise a slice.
type stateMachine struct{ rng *rand.Rand }

const truthLock = 30.0

// slices returns one block's four 1-thread slices in state slow:
// L page, L batched, none page, none batched.
func (m stateMachine) slices(slow bool) [4]float64 {
	fp, fb := 100.0, 40.0
	if slow {
		fp, fb = 150, 60
	}
	n := func() float64 { return 3 * m.rng.NormFloat64() }
	return [4]float64{fp + 32 + n(), fb + 2 + n(), fp + n(), fb + n()}
}

// simulate returns the lock part's interval over n blocks of one run:
// paired, the floor's slices in the lock's blocks (harness's layout);
// otherwise the lock's blocks and the floor's are separate groups, run
// at other times, where the machine spent another share of its time in
// the slow state (the adaptive judge ran them minutes apart).
func simulate(m stateMachine, n int, paired bool) Split {
	return split(simulateBlocks(m, n, paired), paired)
}

// simulateBlocks draws n blocks of the 1-thread lock and floor slices
// (page, batched, floor page, floor batched).
func simulateBlocks(m stateMachine, n int, paired bool) [4][]float64 {
	shareL, shareF := m.rng.Float64(), m.rng.Float64()
	var v [4][]float64
	for range n {
		s := m.slices(m.rng.Float64() < shareL)
		if !paired {
			f := m.slices(m.rng.Float64() < shareF) // another block, another time
			s[2], s[3] = f[2], f[3]
		}
		for i := range v {
			v[i] = append(v[i], s[i])
		}
	}
	return v
}

func split(v [4][]float64, paired bool) Split {
	page := Input{Threads: 1, AtT: v[0], Alone: v[0], Floor: v[2]}
	batched := Input{Threads: 1, AtT: v[1], Alone: v[1], Floor: v[3]}
	pairs := BlockPairs{AtT: [2][]float64{v[0], v[1]}, Alone: [2][]float64{v[0], v[1]}, Floor: [2][]float64{v[2], v[3]}}
	if paired {
		pairs.OneThread = v
	}
	sp, _ := OfPaired(page, batched, pairs)
	return sp
}

// TestPairedLockCoverage: the machine's 1-thread state flips between
// blocks (the floor at 100 or 150 ns/page). With the floor in the lock's
// blocks, the lock part is the Hodges-Lehmann estimate of the per-block
// (L − none) page less batched, and its Walsh interval holds the true
// 30 ns/page at about the nominal 95%. With the lock and the floor in
// separate groups, each group's state mix differs, and the difference of
// medians with its block bootstrap misses the truth far more often than
// 5%: the failure the three runs of issue 23 showed (33.4, 13.3, 34.1
// ns/page, each outside another's interval).
func TestPairedLockCoverage(t *testing.T) {
	const runs, blocks = 250, 12
	cover := func(paired bool) (float64, float64) {
		m := stateMachine{rand.New(rand.NewPCG(23, 2))}
		hit, width := 0, 0.0
		for range runs {
			sp := simulate(m, blocks, paired)
			if paired && sp.LockBlocks != blocks {
				t.Fatalf("paired split from %d blocks, want %d", sp.LockBlocks, blocks)
			}
			if float64(sp.LockLo) <= truthLock && truthLock <= float64(sp.LockHi) {
				hit++
			}
			width += float64(sp.LockHi - sp.LockLo)
		}
		return float64(hit) / runs, width / runs
	}
	pc, pw := cover(true)
	sc, sw := cover(false)
	t.Logf("coverage of the true lock part: paired %.3f (mean width %.1f), separate groups %.3f (mean width %.1f)", pc, pw, sc, sw)
	if pc < 0.92 || pc > 0.995 {
		t.Errorf("paired coverage %.3f over %d runs, want about 0.95 (0.92 .. 0.995)", pc, runs)
	}
	if sc > 0.80 {
		t.Errorf("separate groups' coverage %.3f: want well below 0.95 (the states differ between the groups), or the simulation does not model the failure", sc)
	}
}

// TestPairedPartsAddUp: with paired 1-thread blocks and the headline's
// blocks, the lock part and the total are the paired estimates, and the
// parts still add up to the total: work is the remainder at one thread,
// contention above it (with scaling and the booked dispatch).
func TestPairedPartsAddUp(t *testing.T) {
	m := stateMachine{rand.New(rand.NewPCG(5, 5))}
	var one [4][]float64
	var atP, atB, ftP, ftB []float64
	for b := range 8 {
		s := m.slices(b%3 == 0)
		for i := range one {
			one[i] = append(one[i], s[i])
		}
		atP, atB = append(atP, 180+float64(b)), append(atB, 60+float64(b%2))
		ftP, ftB = append(ftP, 70+float64(b%3)), append(ftB, 25)
	}
	for _, threads := range []int{1, 2} {
		page := Input{Threads: threads, AtT: atP, Alone: one[0], Floor: one[2], FloorAtT: ftP, Dispatch: []float64{2.5}, Acq: []float64{8}}
		batched := Input{Threads: threads, AtT: atB, Alone: one[1], Floor: one[3], FloorAtT: ftB, Dispatch: []float64{2.5}, Acq: []float64{0.5}}
		if threads == 1 {
			page.AtT, batched.AtT = one[0], one[1]
		}
		pairs := BlockPairs{AtT: [2][]float64{page.AtT, batched.AtT}, Alone: [2][]float64{one[0], one[1]},
			Floor: [2][]float64{one[2], one[3]}, FloorAtT: [2][]float64{ftP, ftB}, OneThread: one}
		sp, ok := OfPaired(page, batched, pairs)
		if !ok || sp.LockBlocks != 8 || sp.TotalBlocks != 8 || sp.DispatchNS == nil {
			t.Fatalf("%d threads: split %+v (ok %v): want the lock part and total paired over 8 blocks, dispatch booked", threads, sp, ok)
		}
		var d []float64
		for i := range one[0] {
			d = append(d, (one[0][i]-one[2][i])-(one[1][i]-one[3][i]))
		}
		if want := stats.PairedCentre(d, stats.DefaultConfidence); float64(sp.LockNS) != want.Ratio || float64(sp.LockLo) != want.Lo || float64(sp.LockHi) != want.Hi {
			t.Errorf("%d threads: lock %v (%v .. %v), want the Hodges-Lehmann estimate of the per-block lock parts %v (%v .. %v)", threads, sp.LockNS, sp.LockLo, sp.LockHi, want.Ratio, want.Lo, want.Hi)
		}
		pr := stats.PairedRatio(page.AtT, batched.AtT, stats.DefaultConfidence)
		if want := float64(threads) * stats.Median(page.AtT) * (1 - pr.Ratio); math.Abs(float64(sp.TotalNS)-want) > 1e-9 {
			t.Errorf("%d threads: total %v, want the headline's paired estimate %v", threads, sp.TotalNS, want)
		}
		sum := sp.WorkNS + sp.LockNS + sp.ContentionNS + *sp.DispatchNS
		if threads > 1 {
			sum += sp.ScalingNS
		}
		if math.Abs(float64(sum-sp.TotalNS)) > 1e-9 {
			t.Errorf("%d threads: parts add to %v, total %v", threads, sum, sp.TotalNS)
		}
		if threads == 1 && (sp.ContentionNS != 0 || sp.ScalingNS != 0) {
			t.Errorf("1 thread: contention %v, scaling %v, want 0", sp.ContentionNS, sp.ScalingNS)
		}
		for _, p := range [][3]stats.Float{{sp.TotalNS, sp.TotalLo, sp.TotalHi}, {sp.LockNS, sp.LockLo, sp.LockHi}, {sp.WorkNS, sp.WorkLo, sp.WorkHi}, {sp.ContentionNS, sp.ContentionLo, sp.ContentionHi}} {
			if !(p[1] <= p[0] && p[0] <= p[2]) {
				t.Errorf("%d threads: a part %v outside its interval %v .. %v", threads, p[0], p[1], p[2])
			}
		}
		if !strings.Contains(sp.Text(), "paired with the floor in 8 blocks") {
			t.Errorf("%d threads: text %q does not say the lock part is paired", threads, sp.Text())
		}
	}
	// Fewer blocks than a Walsh interval needs: the same estimate, and
	// no interval (TestFewBlocksNoInterval says why).
	few := [4][]float64{one[0][:3], one[1][:3], one[2][:3], one[3][:3]}
	sp, _ := OfPaired(Input{Threads: 1, AtT: few[0], Alone: few[0], Floor: few[2]}, Input{Threads: 1, AtT: few[1], Alone: few[1], Floor: few[3]}, BlockPairs{OneThread: few})
	if sp.LockBlocks != 3 || math.IsNaN(float64(sp.LockNS)) || !math.IsNaN(float64(sp.LockLo)) || !math.IsNaN(float64(sp.LockHi)) ||
		!strings.Contains(sp.Text(), "no 95% interval below 6 blocks) from fewer lock instructions") {
		t.Errorf("3 blocks: lock %v (%v .. %v) from %d blocks, %q: want the estimate, no interval, and the text saying so", sp.LockNS, sp.LockLo, sp.LockHi, sp.LockBlocks, sp.Text())
	}
}

// TestFewBlocksNoInterval: below stats.MinPairs blocks the lock part has
// no interval. A percentile bootstrap of the Hodges-Lehmann estimate over
// the blocks stood in there, and on the simulated machine of
// TestPairedLockCoverage it held the true lock part far less often than
// the 95% it claimed; the Walsh interval from 6 blocks does not.
func TestFewBlocksNoInterval(t *testing.T) {
	const runs = 400
	m := stateMachine{rand.New(rand.NewPCG(23, 2))}
	boot := 0
	rng := rand.New(rand.NewPCG(0xb10c, 0x5eed))
	for range runs {
		v := simulateBlocks(m, 5, true)
		sp := split(v, true)
		if !math.IsNaN(float64(sp.LockLo)) || sp.LockBlocks != 5 {
			t.Fatalf("5 blocks: lock interval %v .. %v from %d blocks, want none", sp.LockLo, sp.LockHi, sp.LockBlocks)
		}
		// What the percentile bootstrap of the estimate would have said.
		d := make([]float64, 5)
		for i := range d {
			d[i] = (v[0][i] - v[2][i]) - (v[1][i] - v[3][i])
		}
		var dist []float64
		buf := make([]float64, len(d))
		for range stats.BootstrapRounds {
			for i := range buf {
				buf[i] = d[rng.IntN(len(d))]
			}
			dist = append(dist, stats.HodgesLehmann(buf))
		}
		l, h := []float64{math.NaN()}, []float64{math.NaN()}
		stats.PercentileIntervals([][]float64{dist}, stats.DefaultConfidence, l, h)
		if l[0] <= truthLock && truthLock <= h[0] {
			boot++
		}
	}
	if cov := float64(boot) / runs; cov > 0.92 {
		t.Errorf("the bootstrap held the truth in %.3f of %d runs at 5 blocks: the reason to give no interval is gone", cov, runs)
	} else {
		t.Logf("5 blocks: a bootstrap interval would have held the true lock part in %.3f of %d runs", cov, runs)
	}
}

// TestSplitJSONNames: the saving's JSON fields are a contract (run
// --json, the report's readers): pairing added lock_blocks and
// total_blocks and renamed none.
func TestSplitJSONNames(t *testing.T) {
	want := []string{"unit", "threads", "total_ns", "lock_ns", "contention_ns", "work_ns", "scaling_ns", "scaling_ns_lo", "scaling_ns_hi",
		"total_ns_lo", "total_ns_hi", "lock_ns_lo", "lock_ns_hi", "contention_ns_lo", "contention_ns_hi", "work_ns_lo", "work_ns_hi",
		"lock_blocks", "total_blocks", "waiting_ns", "waiting_ns_lo", "waiting_ns_hi", "waiting_n", "dispatch_ns", "waiting_by_class",
		"page", "batched", "work_case", "alone_case", "page_work_case", "page_alone_case", "scaling_case", "page_scaling_case"}
	var got []string
	typ := reflect.TypeFor[Split]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		got = append(got, name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Split's JSON names %v, want %v: a renamed field breaks every reader of run --json", got, want)
	}
	b, err := json.Marshal(Split{LockBlocks: 6})
	if err != nil || !strings.Contains(string(b), `"lock_blocks":6`) || strings.Contains(string(b), `"total_blocks"`) {
		t.Errorf("JSON %s (%v): want lock_blocks when paired and no total_blocks when not", b, err)
	}
}
