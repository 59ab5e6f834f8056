package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// blockSet is a Paired plan's comparison groups (Case.Group: one lock at
// one thread count, its modes and batch sizes; the private floor at T
// threads a group of its own), each with its timed configurations (bare
// under TimeBare) and the configurations of its counting blocks (none for
// the floor, or without TimeBare), in plan order. It draws the slice
// order of each block from one generator seeded with Plan.Seed, so that a
// plan's blocks come out in the same orders every time it is expanded in
// the same sequence: Cases and Sweep.Run agree on the fixed blocks.
//
// The floor at one thread (lock none, each mode and batch) is no group of
// its own when the plan (or its shard) has a lock at one thread: its
// slices run inside every 1-thread lock group's timed blocks, each beside
// the lock's slice of the same mode and batch (a unit of two, in a drawn
// order), so that the saving split's lock part, (L − none) at page less
// (L − none) batched, is a difference within one block (see
// reports/saving). shared maps the floor's group name to those groups,
// for a Judge that names it.
type blockSet struct {
	timed    [][][]workloads.Spec // per group, its timed units: one slice, or a lock's slice and the floor's
	counting [][]workloads.Spec
	count    int            // Plan.Count: the fixed timed blocks of each group
	index    map[string]int // Case.Group -> index in timed and counting
	shared   map[string][]int
	turn     int // the next of shared's groups to run a block the Judge asked of the floor
	rng      *rand.Rand
}

func (p Plan) blocks() *blockSet {
	configs, floor := p.specs()
	b := &blockSet{count: p.Count, index: map[string]int{}, shared: map[string][]int{}, rng: rand.New(rand.NewPCG(p.Seed, 0x9a1bed))}
	counting := p.counting()
	bare := p.Base.Bare || p.timing() == TimeBare
	group := func(s workloads.Spec) int {
		g := Case{Spec: s}.Group()
		i, ok := b.index[g]
		if !ok {
			i = len(b.timed)
			b.index[g] = i
			b.timed = append(b.timed, nil)
			b.counting = append(b.counting, nil)
		}
		return i
	}
	var alone []int // the groups of a lock at one thread
	for _, s := range configs {
		i := group(s)
		if counting {
			b.counting[i] = append(b.counting[i], s)
		}
		if s.Workers == 1 && !slices.Contains(alone, i) {
			alone = append(alone, i)
		}
		s.Bare = bare
		b.timed[i] = append(b.timed[i], []workloads.Spec{s})
	}
	for _, s := range floor {
		s.Bare = bare
		if s.Workers != 1 || len(alone) == 0 {
			i := group(s)
			b.timed[i] = append(b.timed[i], []workloads.Spec{s})
			continue
		}
		// The floor at one thread joins each lock's 1-thread unit of
		// its mode and batch (a lock's unit holds one lock slice yet).
		g := Case{Spec: s}.Group()
		for _, i := range alone {
			for u, unit := range b.timed[i] {
				if len(unit) == 1 && unit[0].Mode == s.Mode && unit[0].Batch == s.Batch {
					b.timed[i][u] = append(unit, s)
					break
				}
			}
			if !slices.Contains(b.shared[g], i) {
				b.shared[g] = append(b.shared[g], i)
			}
		}
	}
	return b
}

// group returns the index of the group to run a block of for a Judge
// that named name: the group itself, or for the floor at one thread the
// 1-thread lock groups whose blocks hold it, in turn.
func (b *blockSet) group(name string) (int, bool) {
	if g, ok := b.index[name]; ok {
		return g, true
	}
	gs := b.shared[name]
	if len(gs) == 0 {
		return 0, false
	}
	g := gs[b.turn%len(gs)]
	b.turn++
	return g, true
}

// A blockRef is one block to run: group g's timed block rep, or its
// counting block rep (0..CountingReps-1).
type blockRef struct {
	g, rep   int
	counting bool
}

// fixed lists the blocks every Paired sweep runs, in order: Count rounds
// of one timed block of every group, with CountingReps rounds of counting
// blocks spread among them (counting round k before timed round
// CountingRound(k, Count)), so that the counts meet the machine of the
// whole fixed sweep, as in the other orders.
func (b *blockSet) fixed() []blockRef {
	var out []blockRef
	for r := range b.count {
		for k := range CountingReps {
			if CountingRound(k, b.count) != r {
				continue
			}
			for g := range b.counting {
				if len(b.counting[g]) > 0 {
					out = append(out, blockRef{g: g, rep: k, counting: true})
				}
			}
		}
		for g := range b.timed {
			out = append(out, blockRef{g: g, rep: r})
		}
	}
	return out
}

// fixedCases are the cases of the fixed blocks, the timed ones numbered
// from 1. A counting block has no number (Block 0): its lines are never
// paired.
func (b *blockSet) fixedCases() []Case {
	var out []Case
	n := 0
	for _, ref := range b.fixed() {
		if !ref.counting {
			n++
		}
		for _, c := range b.block(ref) {
			if !ref.counting {
				c.Block = n
			}
			out = append(out, c)
		}
	}
	return out
}

// block returns the cases of one block in a fresh random order: the
// units of a timed block in a drawn order, the two slices of a unit (a
// lock's and the floor's) in a drawn order, so that the floor's slice runs
// right before or after the lock's of its mode. Their Block is left 0 for
// the caller to number.
func (b *blockSet) block(ref blockRef) []Case {
	if ref.counting {
		specs := b.counting[ref.g]
		out := make([]Case, len(specs))
		for i, j := range b.rng.Perm(len(specs)) {
			out[i] = Case{Spec: specs[j], Rep: ref.rep, Count: CountingReps, Counting: true}
		}
		return out
	}
	units := b.timed[ref.g]
	var out []Case
	for _, j := range b.rng.Perm(len(units)) {
		unit := units[j]
		if len(unit) == 2 && b.rng.IntN(2) == 1 {
			unit = []workloads.Spec{unit[1], unit[0]}
		}
		for _, s := range unit {
			c := Case{Spec: s, Rep: ref.rep, Count: b.count}
			if len(unit) == 2 && s.Lock == FloorLock && len(s.ClassLocks) == 0 {
				// The floor runs in each lock's blocks: its repetitions
				// are counted over all of them.
				k, at := b.sharing(ref.g)
				c.Rep, c.Count = ref.rep*k+at, b.count*k
			}
			out = append(out, c)
		}
	}
	return out
}

// sharing returns how many groups' blocks hold the floor beside group g's
// slices, and g's place among them.
func (b *blockSet) sharing(g int) (k, at int) {
	for _, gs := range b.shared {
		if i := slices.Index(gs, g); i >= 0 {
			return len(gs), i
		}
	}
	return 1, 0
}

// maxCountingTries bounds the runs of one counting repetition: one that
// switched is run again, so that its case has lock counts, until one
// does not switch or it ran this many times.
const maxCountingTries = 3

// runPaired runs a Paired plan block by block: the fixed blocks (Cases),
// each switched timed block once more (at most as many re-runs as the
// plan has timed blocks), then, when adaptive, timed blocks of the groups
// Judge names until it names none or the budget is spent; an adaptive
// sweep runs its switched blocks again first, within the budget. A
// counting repetition that switched is run again at once (at most
// maxCountingTries runs), so that every case has its lock counts.
// Outcome.Repeated counts what was run again.
func (s *Sweep) runPaired(ctx context.Context, o *Outcome) error {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	bl := s.plan.blocks()
	var longest time.Duration
	adaptive := s.Adaptive()
	runBlock := func(ref blockRef) (switched bool, err error) {
		t0 := now()
		if !ref.counting {
			o.Blocks++
		}
		first := len(o.Lines)
		cases := bl.block(ref)
		if !ref.counting {
			for i := range cases {
				cases[i].Block = o.Blocks
			}
		}
		if !ref.counting && s.outOfProcess(cases) {
			err := s.Exec.Block(ctx, cases, s.inTurns(cases), func(res *Result) error {
				res.Support = s.support
				switched = switched || res.Regime() == schema.RegimeSwitched
				return s.record(o, res)
			})
			if err != nil {
				return switched, err
			}
			cases = nil
		}
		if !ref.counting && len(cases) > 0 && s.inTurns(cases) {
			results, err := s.runTurns(ctx, cases)
			if err != nil {
				return switched, err
			}
			for _, res := range results {
				if err := s.record(o, res); err != nil {
					return switched, err
				}
				switched = switched || res.Regime() == schema.RegimeSwitched
			}
			cases = nil
		}
		for _, c := range cases {
			for try := 1; ; try++ {
				res, err := s.runCase(ctx, o, c)
				if err != nil {
					return switched, err
				}
				sw := res.Regime() == schema.RegimeSwitched
				switched = switched || sw
				if !sw || !ref.counting || try == maxCountingTries {
					break
				}
				o.Repeated++
			}
		}
		if switched {
			o.Switched++
		}
		if adaptive {
			s.Judge.Add(o.Lines[first:])
		}
		if !ref.counting {
			longest = max(longest, now().Sub(t0))
		}
		return switched, nil
	}
	var again []blockRef // switched timed blocks, to run once more
	timed := 0
	for _, ref := range bl.fixed() {
		sw, err := runBlock(ref)
		if err != nil {
			return err
		}
		if !ref.counting {
			timed++
			if sw {
				again = append(again, blockRef{g: ref.g, rep: bl.count})
			}
		}
	}
	// rerun runs the first switched block once more, queueing it again if
	// it switched again; the re-runs stop after as many as the plan has
	// timed blocks.
	limit := timed
	rerun := func() error {
		ref := again[0]
		again = again[1:]
		limit--
		o.Repeated++
		sw, err := runBlock(ref)
		if sw {
			again = append(again, ref)
		}
		return err
	}
	if adaptive {
		// Judge sees switched blocks as missing data and asks for more;
		// the switched blocks themselves come first.
		for {
			if now().Sub(start)+longest > s.plan.Budget {
				o.Stopped = StopBudget
				return nil
			}
			if len(again) > 0 && limit > 0 {
				if err := rerun(); err != nil {
					return err
				}
				continue
			}
			want := s.Judge.Pending(s.plan.Target)
			if len(want) == 0 {
				o.Stopped = StopTight
				return nil
			}
			g, ok := bl.group(want[0])
			if !ok {
				return fmt.Errorf("harness: Judge named %q, not a group of the plan", want[0])
			}
			if _, err := runBlock(blockRef{g: g, rep: bl.count}); err != nil {
				return err
			}
		}
	}
	for len(again) > 0 && limit > 0 {
		if err := rerun(); err != nil {
			return err
		}
	}
	return nil
}

// inTurns reports whether a timed block's slices are measured in turns:
// Runner.Turn set, more than one turn in a slice, and every case
// Turnable (bare locks on a model) and at one thread.
//
// At one thread the state the turns cancel (the host's SMT sibling of
// the vCPU on the 2-vCPU VM) moves within milliseconds and has no probe
// to label it. At two threads and more the cache-line transfer state
// moves every second or so and the regimes label it (xfer-ns): a block
// in turns spans all its slices, so one flip marks each of them
// switched, where whole slices lose one. Three default runs in turns
// at every thread count on the 2-vCPU VM left 25-35 switched lines out
// and kept 2-6 blocks of a 2-thread group (no interval below 6), against
// 10-19 and 6-18 in whole slices; at one thread, the per-block spread
// of ln(batch/page) fell from 0.15-0.28 to 0.01-0.11.
func (s *Sweep) inTurns(cases []Case) bool {
	if Turns(s.runner.Duration, s.runner.Turn) < 2 {
		return false
	}
	for _, c := range cases {
		if !c.Turnable() || c.Spec.Workers != 1 {
			return false
		}
	}
	return true
}

// outOfProcess reports whether a timed block runs through Exec: Exec
// set and every case bare locks on a model (Case.Turnable).
func (s *Sweep) outOfProcess(cases []Case) bool {
	if s.Exec == nil {
		return false
	}
	for _, c := range cases {
		if !c.Turnable() {
			return false
		}
	}
	return true
}

// runTurns runs a timed block's slices interleaved (Runner.runTurns),
// with the sweep's speed probe.
func (s *Sweep) runTurns(ctx context.Context, cases []Case) ([]*Result, error) {
	return s.runner.runTurns(ctx, cases, s.speedProbe())
}

// runTurns runs a timed block's slices interleaved: it opens a Session
// of every case (each probed and warmed up), measures Duration of each
// in Turns turns, in a rotation that reverses every turn (ABC CBA ABC
// ...: a drift within the block falls on every slice alike), and closes
// them last opened first (each restores the GOMAXPROCS the one before it
// found). The results are in the cases' order. An error aborts every
// session of the block.
func (r *Runner) runTurns(ctx context.Context, cases []Case, sp *host.SpeedProbe) ([]*Result, error) {
	sessions := make([]*Session, 0, len(cases))
	abort := func(err error) ([]*Result, error) {
		for i := len(sessions) - 1; i >= 0; i-- {
			sessions[i].Abort()
		}
		return nil, err
	}
	for _, c := range cases {
		ss, err := r.openSession(ctx, c, sp)
		if err != nil {
			return abort(err)
		}
		sessions = append(sessions, ss)
	}
	n := Turns(r.Duration, r.Turn)
	d := r.Duration / time.Duration(n)
	for t := range n {
		for k := range sessions {
			i := k
			if t%2 == 1 {
				i = len(sessions) - 1 - k
			}
			if err := sessions[i].Turn(r.Rewarm, d); err != nil {
				return abort(err)
			}
		}
	}
	results := make([]*Result, len(sessions))
	for i := len(sessions) - 1; i >= 0; i-- {
		res, err := sessions[i].Close()
		sessions = sessions[:i]
		if err != nil {
			return abort(err)
		}
		results[i] = res
	}
	return results, nil
}
