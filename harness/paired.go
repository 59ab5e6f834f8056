package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// blockSet is a Paired plan's groups: the configurations of one lock,
// batch, thread count and every other knob, one per mode, in plan order.
// It draws the slice order of each block from one generator seeded with
// Plan.Seed, so that a plan's blocks come out in the same orders every
// time it is expanded in the same sequence.
type blockSet struct {
	groups [][]workloads.Spec
	names  []string // Case.Group of each group
	rng    *rand.Rand
}

func (p Plan) blocks() *blockSet {
	info, _ := workloads.Lookup(p.Base.Workload)
	b := &blockSet{rng: rand.New(rand.NewPCG(p.Seed, 0x9a1bed))}
	index := map[string]int{}
	for _, s := range p.configs(info, true) {
		g := Case{Spec: s}.Group()
		i, ok := index[g]
		if !ok {
			i = len(b.groups)
			index[g] = i
			b.groups = append(b.groups, nil)
			b.names = append(b.names, g)
		}
		b.groups[i] = append(b.groups[i], s)
	}
	return b
}

// block returns the cases of one block of group g, repetition rep of
// count, in a fresh random order. Their Block is left 0 for the Sweep to
// number.
func (b *blockSet) block(g, rep, count int) []Case {
	specs := b.groups[g]
	out := make([]Case, len(specs))
	for i, j := range b.rng.Perm(len(specs)) {
		out[i] = Case{Spec: specs[j], Rep: rep, Count: count}
	}
	return out
}

// runPaired runs a Paired plan block by block: the plan's Count blocks of
// every group, each switched block once more (at most as many re-runs as
// the plan has blocks), then, when adaptive, blocks of the groups Judge
// names until it names none or the budget is spent.
func (s *Sweep) runPaired(ctx context.Context, o *Outcome) error {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	bl := s.plan.blocks()
	index := map[string]int{}
	for i, n := range bl.names {
		index[n] = i
	}
	i := 0 // cases run, for Progress
	var longest time.Duration
	runBlock := func(g, rep, count int) (switched bool, err error) {
		t0 := now()
		o.Blocks++
		prev := 0.0 // the end probe of the slice before stands in for the next one's start probe
		for _, c := range bl.block(g, rep, count) {
			c.Block = o.Blocks
			res, err := s.runner.run(ctx, c, prev)
			if err != nil {
				return switched, err
			}
			prev = res.XferEndNS
			switched = switched || res.Regime() == schema.RegimeSwitched
			lines := res.Lines(s.config)
			if err := s.out.Write(lines...); err != nil {
				return switched, err
			}
			line := lines[0]
			o.Lines = append(o.Lines, lines...)
			o.Done++
			o.Cases = max(o.Cases, o.Done)
			if s.Progress != nil {
				s.Progress(i, res)
			}
			i++
			if s.Record != nil {
				if err := s.Record(res, line); err != nil {
					return switched, err
				}
			}
		}
		if switched {
			o.Switched++
		}
		longest = max(longest, now().Sub(t0))
		return switched, nil
	}
	var again []int // groups of switched blocks, to run once more
	for r := range s.plan.Count {
		for g := range bl.groups {
			sw, err := runBlock(g, r, s.plan.Count)
			if err != nil {
				return err
			}
			if sw {
				again = append(again, g)
			}
		}
	}
	if s.Adaptive() {
		// Judge sees switched blocks as missing data and asks for more.
		for {
			if now().Sub(start)+longest > s.Budget {
				o.Stopped = "budget"
				return nil
			}
			want := s.Judge(o.Lines)
			if len(want) == 0 {
				o.Stopped = "tight"
				return nil
			}
			g, ok := index[want[0]]
			if !ok {
				return fmt.Errorf("harness: Judge named %q, not a group of the plan", want[0])
			}
			if _, err := runBlock(g, s.plan.Count, s.plan.Count); err != nil {
				return err
			}
		}
	}
	limit := s.plan.Count * len(bl.groups)
	for len(again) > 0 && limit > 0 {
		g := again[0]
		again = again[1:]
		limit--
		sw, err := runBlock(g, s.plan.Count, s.plan.Count)
		if err != nil {
			return err
		}
		if sw {
			again = append(again, g)
		}
	}
	return nil
}
