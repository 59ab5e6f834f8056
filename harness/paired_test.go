package harness

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

func pairedPlan(count int, seed uint64) Plan {
	return Plan{Base: workloads.Spec{Workload: workloads.PageCache}, Locks: []string{"mutex", "mcs"},
		Modes: workloads.Modes(), Batches: []int{4}, Threads: []int{1, 2}, Count: count, Order: Paired, Seed: seed}
}

func TestPairedCases(t *testing.T) {
	p := pairedPlan(3, 7)
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	all := p.Cases()
	modes := len(workloads.Modes())
	// 2 locks x 2 threads x 3 timed blocks, and CountingReps counting
	// blocks of each group spread among them (TimeBare, the zero Timing).
	if want := 2*2*3*modes + 2*2*CountingReps*modes; len(all) != want {
		t.Fatalf("%d cases, want %d (2 locks x 2 threads x (3 timed + 3 counting) blocks x %d modes)", len(all), want, modes)
	}
	var cs []Case // the timed ones
	for i, c := range all {
		// 4 groups a round; count 3: counting round k before timed round
		// k, so counting, timed, counting, timed, counting, timed.
		round := i / (4 * modes)
		if c.Counting != (round%2 == 0) || (c.Counting && c.Rep != round/2) {
			t.Errorf("case %d (%s, block %d) counting %v rep %d: want counting round k (rep k) before timed round k", i, c.Name(), c.Block, c.Counting, c.Rep)
		}
		if c.Spec.Bare == c.Counting {
			t.Errorf("case %d (%s): bare %v, counting %v: timed slices run bare locks, counting ones instrumented", i, c.Name(), c.Spec.Bare, c.Counting)
		}
		if c.Counting && c.Block != 0 {
			t.Errorf("case %d (%s): counting repetition in block %d: want none, its lines are never paired", i, c.Name(), c.Block)
		}
		if !c.Counting {
			cs = append(cs, c)
		}
	}
	var orders [][]workloads.Mode
	for b := 0; b < len(cs)/modes; b++ {
		block := cs[b*modes : (b+1)*modes]
		var got []workloads.Mode
		for _, c := range block {
			if c.Block != b+1 || c.Group() != block[0].Group() {
				t.Errorf("block %d: case %s in block %d group %s; want every case of a block to share its number and group", b+1, c.Name(), c.Block, c.Group())
			}
			got = append(got, c.Spec.Mode)
		}
		orders = append(orders, got)
		sorted := slices.Clone(got)
		slices.SortFunc(sorted, func(a, b workloads.Mode) int {
			return slices.Index(workloads.Modes(), a) - slices.Index(workloads.Modes(), b)
		})
		if !slices.Equal(sorted, workloads.Modes()) {
			t.Errorf("block %d has modes %v, want each mode once", b+1, got)
		}
	}
	same := 0
	for _, o := range orders[1:] {
		if slices.Equal(o, orders[0]) {
			same++
		}
	}
	if same == len(orders)-1 {
		t.Errorf("every block ran in the order %v: the order is not drawn per block", orders[0])
	}
	again := p.Cases()
	for i := range all {
		if all[i].Name() != again[i].Name() || all[i].Block != again[i].Block {
			t.Fatalf("case %d differs between two expansions of one seeded plan: %v against %v", i, all[i], again[i])
		}
	}
	p.Seed = 8
	other := p.Cases()
	differs := false
	for i := range all {
		differs = differs || all[i].Spec.Mode != other[i].Spec.Mode
	}
	if !differs {
		t.Error("seeds 7 and 8 gave the same orders")
	}
}

func TestResultRegime(t *testing.T) {
	tests := []struct {
		workers       int
		before, after float64
		speed         [2]float64
		pairs         int
		noProbe       bool
		want          string
		reason        string
		turns         int
	}{
		{1, 0, 0, [2]float64{150, 200}, 1, false, schema.RegimeSwitched, "one worker in turns: switched too, or the readers' speed states would take it in the other state", 12},
		{2, 25, 170, [2]float64{150, 152}, 1, false, schema.RegimeSwitched, "in turns the transfer that moved is still said (ab's record)", 6},
		{2, 25, 27, [2]float64{150, 152}, 1, false, "", "steady probes: no key; readers label states from the data", 1},
		{2, 66, 72, [2]float64{150, 152}, 1, false, "", "probes either side of the old 70 ns band edge are one state", 1},
		{2, 25, 170, [2]float64{150, 152}, 1, false, schema.RegimeSwitched, "the transfer moved 6.8x under the repetition", 1},
		{2, 25, 45, [2]float64{150, 152}, 1, false, "", "one probe round at 45 ns among 25s is the probe's noise (up to 2.4x within a state), not a flip", 1},
		{2, 25, 27, [2]float64{150, 200}, 1, false, schema.RegimeSwitched, "the speed moved 1.33x under the repetition", 1},
		{2, 25, 0, [2]float64{150, 152}, 1, false, "", "no end probe: nothing says it moved", 1},
		{2, 0, 0, [2]float64{150, 152}, 1, false, schema.RegimeUnprobed, "a contended repetition without a transfer probe is in no known state", 1},
		{2, 0, 0, [2]float64{}, 1, true, "", "a runner that does not probe stratifies nothing: no regime, not unprobed", 1},
		{1, 0, 0, [2]float64{150, 200}, 1, false, schema.RegimeSwitched, "one worker: its speed moved, and it is repeated like a contended one", 1},
		{1, 25, 170, [2]float64{150, 152}, 1, false, "", "one worker does not depend on transfers", 1},
		{2, 0, 0, [2]float64{150, 152}, 0, false, "", "workers sharing one CPU (a 1-CPU machine) have no transfer to probe: not unprobed", 1},
	}
	for _, tt := range tests {
		r := &Result{Case: testCase(tt.workers), XferNS: tt.before, XferEndNS: tt.after, NoProbe: tt.noProbe,
			Speed: host.Speed{NS: tt.speed[0]}, SpeedEnd: host.Speed{NS: tt.speed[1]}, XferPairs: tt.pairs, Turns: tt.turns}
		if got := r.Regime(); got != tt.want {
			t.Errorf("%s: Regime() = %q, want %q", tt.reason, got, tt.want)
		}
		n := schema.ParseName(r.Benchfmt(nil).Name)
		got, ok := n.Get(schema.KeyRegime)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("%s: line %s has regime %q (%v), want %q", tt.reason, n.Full(), got, ok, tt.want)
		}
	}
}

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestPairedAdaptive(t *testing.T) {
	p := pairedPlan(1, 1)
	p.Locks, p.Threads, p.Modes = []string{"mutex"}, []int{1}, []workloads.Mode{workloads.ModePage, workloads.ModeBatch}
	p.Base.Bare = true // no counting block: every block is timed
	tests := []struct {
		name   string
		budget time.Duration
		judge  func(calls int) []string
		blocks int
		stop   StopReason
		reason string
	}{
		{"tight at once", time.Hour, func(int) []string { return nil }, 1, StopTight, "the minimum blocks run, then a judge content with them stops the run"},
		{"tight after 3", time.Hour, func(calls int) []string {
			if calls < 3 {
				return []string{"PageCache/lock=mutex/threads=1"}
			}
			return nil
		}, 3, StopTight, "each call that names a group gets a block of it: 1 + 2"},
		{"budget", 100 * time.Millisecond, func(int) []string { return []string{"PageCache/lock=mutex/threads=1"} }, 4, StopBudget,
			"a judge never content runs until the next block would pass the budget: the clock reads +10ms each time, a block takes 10ms, and the 4th ends at 90ms of the 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := p
			p.Budget, p.Target = tt.budget, 0.05
			sw, err := NewSweep(p, testRunner(), filepath.Join(t.TempDir(), "out"), false)
			if err != nil {
				t.Fatal(err)
			}
			clock := &fakeClock{t: time.Unix(0, 0), step: 10 * time.Millisecond}
			calls := 0
			j := &funcJudge{t: t, pending: func(lines []*benchfmt.Result, target float64) []string {
				calls++
				if calls == 1 && len(lines) < 2 {
					t.Errorf("judge saw %d lines on its first call, want the first block's 2", len(lines))
				}
				if target != 0.05 {
					t.Errorf("judge asked for target %v, want the plan's 0.05", target)
				}
				return tt.judge(calls)
			}}
			sw.Now, sw.Judge = clock.now, j
			out, err := sw.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(j.lines) != len(out.Lines) || j.adds != out.Blocks {
				t.Errorf("judge was given %d lines in %d blocks, want every line written (%d), one Add per block (%d)",
					len(j.lines), j.adds, len(out.Lines), out.Blocks)
			}
			var caseLines []*benchfmt.Result // without the class lines
			for _, l := range out.Lines {
				if _, class := schema.ParseName(l.Name).Get(schema.KeyClass); !class {
					caseLines = append(caseLines, l)
				}
			}
			if out.Blocks != tt.blocks || out.Stopped != tt.stop || len(caseLines) != 2*tt.blocks || out.Done != 2*tt.blocks {
				t.Errorf("%d blocks, %d case lines, stopped %q; want %d blocks of 2 lines, stopped %q: %s",
					out.Blocks, len(caseLines), out.Stopped, tt.blocks, tt.stop, tt.reason)
			}
			for i, l := range caseLines {
				var block float64
				for _, v := range l.Values {
					if v.Unit == schema.UnitBlock {
						block = v.Value
					}
				}
				if int(block) != i/2+1 {
					t.Errorf("line %d (%s) is in block %v, want %d", i, l.Name, block, i/2+1)
				}
			}
		})
	}
}

// scriptedStates is a machine whose speed moves 1.33x during the slices
// (0-based, in run order) listed in switched, and is steady otherwise.
func scriptedStates(switched ...int) func([]int, int) (float64, host.Speed) {
	calls := 0
	return func(_ []int, workers int) (float64, host.Speed) {
		slice, after := calls/2, calls%2 == 1
		calls++
		x, _ := steadyState(nil, workers)
		if after && slices.Contains(switched, slice) {
			return x, host.Speed{NS: 200, MemNS: 199}
		}
		return x, host.Speed{NS: 150, MemNS: 149}
	}
}

// TestPairedRepeatsSwitched: a switched counting repetition runs again at
// once (its case keeps its lock counts), and a switched timed block runs
// again, in a fixed sweep and, before the judge is asked, in an adaptive
// one; Outcome.Repeated counts both.
func TestPairedRepeatsSwitched(t *testing.T) {
	p := pairedPlan(1, 1)
	p.Locks, p.Threads, p.Modes = []string{"mutex"}, []int{1}, []workloads.Mode{workloads.ModePage, workloads.ModeBatch}
	// Count 1: the CountingReps counting blocks (2 slices each, and the
	// retries) run first, then the timed block.
	for _, adaptive := range []bool{false, true} {
		r := testRunner()
		// Slice 0: counting, switched -> slice 1 is its retry; slice 2:
		// the other counting case, switched -> slice 3 its retry; slices
		// 4-7: the other two counting blocks; slices 8-9: the timed
		// block, 8 switched -> slices 10-11 run it again.
		r.stateProbe = scriptedStates(0, 2, 8)
		p.Budget, p.Target = 0, 0
		if adaptive {
			p.Budget, p.Target = time.Hour, 0.05
		}
		sw, err := NewSweep(p, r, filepath.Join(t.TempDir(), "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		if adaptive {
			sw.Now = (&fakeClock{t: time.Unix(0, 0), step: time.Millisecond}).now
			// Content at once: only the re-run adds a block.
			sw.Judge = &funcJudge{t: t, pending: func([]*benchfmt.Result, float64) []string { return nil }}
		}
		out, err := sw.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		counted := map[string]int{}
		for _, l := range out.Lines {
			n := schema.ParseName(l.Name)
			reg, _ := n.Get(schema.KeyRegime)
			if _, class := n.Get(schema.KeyClass); class || reg == schema.RegimeSwitched {
				continue
			}
			for _, v := range l.Values {
				if v.Unit == schema.PerUnit(schema.StemAcq, schema.PerPage) {
					counted[n.Case()]++
				}
			}
		}
		if len(counted) != 2 {
			t.Errorf("adaptive %v: lock counts outside switched lines for %v, want both cases", adaptive, counted)
		}
		if out.Repeated != 3 || out.Blocks != 2 || out.Switched != 2 {
			t.Errorf("adaptive %v: repeated %d, blocks %d, switched %d; want 3 (two counting repetitions, one block), 2 timed blocks, 2 blocks switched",
				adaptive, out.Repeated, out.Blocks, out.Switched)
		}
		if adaptive && out.Stopped != StopTight {
			t.Errorf("adaptive: stopped %q, want tight", out.Stopped)
		}
	}
}

// funcJudge is a Judge that keeps every line it is given and calls
// pending with them all.
type funcJudge struct {
	t       *testing.T
	lines   []*benchfmt.Result
	adds    int
	pending func(lines []*benchfmt.Result, target float64) []string
}

func (j *funcJudge) Add(lines []*benchfmt.Result) {
	if len(lines) == 0 {
		j.t.Errorf("Add %d: a block with no lines", j.adds)
	}
	j.adds++
	j.lines = append(j.lines, lines...)
}

func (j *funcJudge) Pending(target float64) []string { return j.pending(j.lines, target) }

var _ Judge = (*funcJudge)(nil)

// TestPairedFloorInBlocks: with the floor, every timed block of a lock at
// one thread holds the floor's slice of each of its modes, right before
// or after the lock's slice of that mode, so that the saving split's lock
// part is a difference within one block; the floor at one thread is no
// block of its own, a Judge naming it gets the 1-thread lock groups in
// turn, and the private floor at two threads stays a group of its own.
func TestPairedFloorInBlocks(t *testing.T) {
	p := pairedPlan(4, 3)
	p.Modes, p.Floor = []workloads.Mode{workloads.ModePage, workloads.ModeBatch, workloads.ModeLarge}, true
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	byBlock := map[int][]Case{}
	var blocks []int
	for _, c := range p.Cases() {
		if c.Counting {
			if c.Spec.Lock == FloorLock {
				t.Errorf("counting repetition of the floor %s: the floor has nothing to count", c.Name())
			}
			continue
		}
		if _, ok := byBlock[c.Block]; !ok {
			blocks = append(blocks, c.Block)
		}
		byBlock[c.Block] = append(byBlock[c.Block], c)
	}
	reps := map[string][]int{} // the floor's at one thread, by name
	for _, b := range blocks {
		for _, c := range byBlock[b] {
			if c.Spec.Lock == FloorLock && c.Spec.Workers == 1 {
				if c.Count != 2*p.Count {
					t.Errorf("%s: count %d, want %d (it runs in both locks' blocks)", c, c.Count, 2*p.Count)
				}
				reps[c.Name()] = append(reps[c.Name()], c.Rep)
			}
		}
	}
	for name, rs := range reps {
		slices.Sort(rs)
		want := make([]int, 2*p.Count)
		for i := range want {
			want[i] = i
		}
		if !slices.Equal(rs, want) {
			t.Errorf("%s: repetitions %v, want 0 .. %d once each", name, rs, 2*p.Count-1)
		}
	}
	floorAlone, lockAlone := 0, 0
	for _, b := range blocks {
		cs := byBlock[b]
		lock := slices.ContainsFunc(cs, func(c Case) bool { return c.Spec.Lock != FloorLock && c.Spec.Workers == 1 })
		switch g := cs[0].Group(); {
		case lock:
			lockAlone++
			if len(cs) != 2*len(p.Modes) {
				t.Fatalf("block %d of %s has %d slices, want %d: each mode's lock slice and floor slice", b, g, len(cs), 2*len(p.Modes))
			}
			for i := 0; i < len(cs); i += 2 {
				x, y := cs[i], cs[i+1]
				if x.Spec.Mode != y.Spec.Mode || (x.Spec.Lock == FloorLock) == (y.Spec.Lock == FloorLock) || x.Spec.Workers != 1 || y.Spec.Workers != 1 {
					t.Errorf("block %d: slices %d and %d are %s and %s; want a lock's slice and the floor's of one mode, side by side", b, i, i+1, x.Name(), y.Name())
				}
			}
		case cs[0].Spec.Lock == FloorLock && cs[0].Spec.Workers == 1:
			floorAlone++
		default:
			for _, c := range cs {
				if c.Group() != g {
					t.Errorf("block %d mixes %s into group %s: only the floor at one thread joins other blocks", b, c.Name(), g)
				}
			}
		}
	}
	if floorAlone != 0 || lockAlone != 2*p.Count {
		t.Errorf("%d blocks of the floor alone, %d of a lock at one thread; want 0 and %d (2 locks x %d)", floorAlone, lockAlone, 2*p.Count, p.Count)
	}
	bl := p.blocks()
	floor := Case{Spec: workloads.Spec{Workload: workloads.PageCache, Lock: FloorLock, Workers: 1}}.Group()
	var got []string
	for range 4 {
		g, ok := bl.group(floor)
		if !ok {
			t.Fatalf("a Judge naming the floor %s gets no block", floor)
		}
		got = append(got, bl.timed[g][0][0].Lock)
	}
	if !slices.Equal(got, []string{"mutex", "mcs", "mutex", "mcs"}) {
		t.Errorf("blocks run for a Judge naming the floor: %v, want the 1-thread lock groups in turn", got)
	}
	if _, ok := bl.group(Case{Spec: workloads.Spec{Workload: workloads.PageCache, Lock: FloorLock, Workers: 2, Private: true}}.Group()); !ok {
		t.Error("the private floor at 2 threads is no group: it runs in blocks of its own")
	}
}

// TestPairedFloorShard: the floor at one thread goes to the shard of the
// first lock at one thread, so that its blocks hold it; every case name is
// in one shard only (merge refuses a case measured twice), and the shards
// together run every case of the plan.
func TestPairedFloorShard(t *testing.T) {
	p := pairedPlan(2, 5)
	p.Modes, p.Floor = []workloads.Mode{workloads.ModePage, workloads.ModeBatch}, true
	whole := map[string]bool{}
	for _, c := range p.Cases() {
		whole[c.Name()] = true
	}
	for n := 1; n <= p.Groups(); n++ {
		owner := map[string]int{}
		for k := 1; k <= n; k++ {
			q := p
			q.Shard = schema.Shard{K: k, N: n}
			if err := q.Validate(); err != nil {
				t.Fatal(err)
			}
			floorHere, mutexHere := false, false
			for _, c := range q.Cases() {
				if o, ok := owner[c.Name()]; ok && o != k {
					t.Errorf("N=%d: %s in shards %d and %d", n, c.Name(), o, k)
				}
				owner[c.Name()] = k
				floorHere = floorHere || c.Spec.Lock == FloorLock && c.Spec.Workers == 1
				mutexHere = mutexHere || c.Spec.Lock == "mutex" && c.Spec.Workers == 1
			}
			if floorHere != mutexHere {
				t.Errorf("shard %d/%d: the floor at one thread here %v, mutex at one thread (the first lock) %v: want them together", k, n, floorHere, mutexHere)
			}
		}
		if len(owner) != len(whole) {
			t.Errorf("N=%d: the shards run %d case names, the plan %d", n, len(owner), len(whole))
		}
	}
}

// TestPairedAdaptiveFloor: a Judge that names the floor at one thread
// (reports' Pending does while its cases are short of lines) gets blocks
// of the 1-thread lock groups, in turn, each with the floor's slices
// beside the lock's and numbered with them; the sweep never fails on a
// group name it does not run as a block of its own.
func TestPairedAdaptiveFloor(t *testing.T) {
	p := pairedPlan(1, 9)
	p.Threads, p.Modes, p.Floor = []int{1}, []workloads.Mode{workloads.ModePage, workloads.ModeBatch}, true
	p.Base.Bare = true // no counting block
	p.Budget, p.Target = time.Hour, 0.05
	sw, err := NewSweep(p, testRunner(), filepath.Join(t.TempDir(), "out"), false)
	if err != nil {
		t.Fatal(err)
	}
	floor := "PageCache/lock=none/threads=1"
	calls := 0
	sw.Judge = &funcJudge{t: t, pending: func([]*benchfmt.Result, float64) []string {
		if calls++; calls <= 2 {
			return []string{floor}
		}
		return nil
	}}
	out, err := sw.Run(context.Background())
	if err != nil {
		t.Fatalf("a Judge naming %s: %v", floor, err)
	}
	locks := map[int]string{}
	floors := map[int]int{}
	for _, l := range out.Lines {
		n := schema.ParseName(l.Name)
		if n.IsClass() {
			continue
		}
		var block int
		for _, v := range l.Values {
			if v.Unit == schema.UnitBlock {
				block = int(v.Value)
			}
		}
		if lock, _ := n.Get(schema.KeyLock); lock == FloorLock {
			floors[block]++
		} else {
			locks[block] = lock
		}
	}
	if out.Blocks != 4 || locks[3] != "mutex" || locks[4] != "mcs" {
		t.Errorf("%d blocks, the adaptive ones of %q and %q; want 2 fixed and 2 asked for the floor, of mutex then mcs", out.Blocks, locks[3], locks[4])
	}
	for b := 1; b <= out.Blocks; b++ {
		if floors[b] != 2 {
			t.Errorf("block %d (%s) holds %d floor slices, want 2 (page and batch)", b, locks[b], floors[b])
		}
	}
}
