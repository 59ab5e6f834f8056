package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// blockSet is a Paired plan's comparison groups (Case.Group: one lock at
// one thread count, its modes and batch sizes; the floor a group of its
// own), each with its timed configurations (bare under TimeBare) and the
// configurations of its counting blocks (none for the floor, or without
// TimeBare), in plan order. It draws the slice order of each block from
// one generator seeded with Plan.Seed, so that a plan's blocks come out
// in the same orders every time it is expanded in the same sequence:
// Cases and Sweep.Run agree on the fixed blocks.
type blockSet struct {
	timed    [][]workloads.Spec
	counting [][]workloads.Spec
	count    int            // Plan.Count: the fixed timed blocks of each group
	index    map[string]int // Case.Group -> index in timed and counting
	rng      *rand.Rand
}

func (p Plan) blocks() *blockSet {
	configs, floor := p.specs()
	b := &blockSet{count: p.Count, index: map[string]int{}, rng: rand.New(rand.NewPCG(p.Seed, 0x9a1bed))}
	counting := p.counting()
	add := func(s workloads.Spec, isFloor bool) {
		g := Case{Spec: s}.Group()
		i, ok := b.index[g]
		if !ok {
			i = len(b.timed)
			b.index[g] = i
			b.timed = append(b.timed, nil)
			b.counting = append(b.counting, nil)
		}
		if counting && !isFloor {
			b.counting[i] = append(b.counting[i], s)
		}
		s.Bare = p.Base.Bare || p.timing() == TimeBare
		b.timed[i] = append(b.timed[i], s)
	}
	for _, s := range configs {
		add(s, false)
	}
	for _, s := range floor {
		add(s, true)
	}
	return b
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

// block returns the cases of one block in a fresh random order. Their
// Block is left 0 for the caller to number.
func (b *blockSet) block(ref blockRef) []Case {
	specs := b.timed[ref.g]
	if ref.counting {
		specs = b.counting[ref.g]
	}
	out := make([]Case, len(specs))
	for i, j := range b.rng.Perm(len(specs)) {
		if ref.counting {
			out[i] = Case{Spec: specs[j], Rep: ref.rep, Count: CountingReps, Counting: true}
		} else {
			out[i] = Case{Spec: specs[j], Rep: ref.rep, Count: b.count}
		}
	}
	return out
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
		for _, c := range bl.block(ref) {
			if !ref.counting {
				c.Block = o.Blocks
			}
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
			g, ok := bl.index[want[0]]
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
