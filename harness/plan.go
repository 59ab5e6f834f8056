package harness

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// Order is the order of the repetitions of a sweep.
type Order string

// The orders.
const (
	// Interleaved runs every case once, then every case again (A B C A B
	// C): a drift of the machine hits all cases alike. The default.
	Interleaved Order = "interleaved"
	// Grouped runs each case Count times before the next (A A B B C C).
	Grouped Order = "grouped"
	// Paired runs the modes of one lock, batch and thread count (the
	// cases a headline compares) as a block of back-to-back slices, in a
	// random order per block drawn from Plan.Seed: every case of a block
	// meets the same machine, and the headline compares within blocks
	// (see the package doc, "Paired blocks"). Count is the number of
	// blocks of each group; a Sweep with a Budget adds blocks where the
	// headlines are least certain. A workload without modes (cs) has one
	// case per block.
	Paired Order = "paired"
)

// A Plan is a sweep: every combination of Locks, Modes, Batches and
// Threads, repeated Count times. Base carries the knobs every case shares
// (files, zones, touch, delays, cs lines and think, bare, instrumentation
// options); its Lock, Mode, Batch and Workers are set per case.
type Plan struct {
	Base    workloads.Spec   // Base.Workload picks the workload (workloads.Lookup)
	Locks   []string         // lock algorithms (locks.Lookup)
	Modes   []workloads.Mode // ignored by a workload without modes (cs)
	Batches []int            // ignored by a workload without batches (cs)
	Threads []int
	Count   int
	Order   Order
	// Seed seeds the slice order of Paired blocks (0 is a seed like any
	// other); it is written to the file configuration so that a run's
	// orders can be drawn again.
	Seed uint64
}

// DefaultPlan is the sweep of `lockbench run` without flags: mutex and
// mcs, every mode, 16-page batches, 1 thread and one per CPU, in Paired
// blocks: DefaultBlocks blocks of every lock and thread count first, then
// (a Sweep with a Budget and a Judge: `lockbench run` gives DefaultBudget)
// more blocks where the headlines are least certain.
var DefaultPlan = Plan{
	Base:    workloads.DefaultSpec,
	Locks:   []string{"mutex", "mcs"},
	Modes:   workloads.Modes(),
	Batches: []int{16},
	Threads: defaultThreads(),
	Count:   DefaultBlocks,
	Order:   Paired,
}

// DefaultBlocks is the default run's first blocks of every group: the
// fewest for which the paired signed-rank test can reach p <= 0.05 (6,
// stats.MinPairs in reports) is left to the adaptive part, which spends
// on the groups whose regimes need them.
const DefaultBlocks = 3

// DefaultBudget is the default run's sweep time: with the set-up and the
// report it ends within a minute on a 2-core machine (see the README's
// measurements).
const DefaultBudget = 40 * time.Second

// defaultThreads is 1 and, on a machine with more, one per CPU.
func defaultThreads() []int {
	if n := runtime.NumCPU(); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// Validate checks the plan and returns the first problem as a
// *FieldError naming the field to change, or, for a model too large for
// memory, an error naming no single field. The plan's own rules are
// checked here; every case's Spec is checked by workloads.Spec.Validate,
// which owns the rules of its knobs (lock names, modes, ranges). It does
// not build any workload.
func (p Plan) Validate() error {
	info, err := workloads.Lookup(p.Base.Workload)
	if err != nil {
		return &FieldError{Field: FieldWorkload, Err: err}
	}
	none := errors.New("none given; a sweep needs at least one")
	switch {
	case len(p.Locks) == 0:
		return &FieldError{Field: FieldLocks, Err: none}
	case info.Takes(workloads.KnobMode) && len(p.Modes) == 0:
		return &FieldError{Field: FieldModes, Err: none}
	case info.Takes(workloads.KnobBatch) && len(p.Batches) == 0:
		return &FieldError{Field: FieldBatches, Err: none}
	case len(p.Threads) == 0:
		return &FieldError{Field: FieldThreads, Err: none}
	case p.Count <= 0:
		return &FieldError{Field: FieldCount, Value: strconv.Itoa(p.Count), Err: errors.New("must be at least 1")}
	}
	switch p.Order {
	case Interleaved, Grouped, Paired:
	default:
		return &FieldError{Field: FieldOrder, Err: fmt.Errorf("unknown order %q (known: %s, %s, %s)", p.Order, Paired, Interleaved, Grouped)}
	}
	for _, s := range p.configs(info, false) {
		if err := s.Validate(); err != nil {
			if ke, ok := errors.AsType[*workloads.KnobError](err); ok {
				return planField(ke)
			}
			return err
		}
	}
	return nil
}

// Cases expands the plan into the cases to run, in run order. Each
// distinct configuration appears Count times, with Rep 0..Count-1. A
// workload without modes or batches (cs) ignores Modes and Batches. Call
// Validate first; Cases does not check its input.
func (p Plan) Cases() []Case {
	info, _ := workloads.Lookup(p.Base.Workload)
	configs := p.configs(info, true)
	var out []Case
	if p.Order == Paired {
		bl := p.blocks()
		n := 0
		for r := range p.Count {
			for g := range bl.groups {
				n++
				for _, c := range bl.block(g, r, p.Count) {
					c.Block = n
					out = append(out, c)
				}
			}
		}
		return out
	}
	if p.Order == Grouped {
		for _, s := range configs {
			for r := range p.Count {
				out = append(out, Case{Spec: s, Rep: r, Count: p.Count})
			}
		}
		return out
	}
	for r := range p.Count {
		for _, s := range configs {
			out = append(out, Case{Spec: s, Rep: r, Count: p.Count})
		}
	}
	return out
}

// configs returns the distinct configurations, defaults filled
// (Spec.WithDefaults: FilePages 0 is sized for each batch and thread
// count). Unless fill, a case's lock, mode, batch and workers stay as the
// plan gives them, zero included, for Validate: a zero in Plan.Batches is
// a mistake, not a default.
func (p Plan) configs(info workloads.Info, fill bool) []workloads.Spec {
	var configs []workloads.Spec
	modes, batches := p.Modes, p.Batches
	if !info.Takes(workloads.KnobMode) {
		modes = []workloads.Mode{""}
	}
	if !info.Takes(workloads.KnobBatch) {
		batches = []int{0}
	}
	for _, l := range p.Locks {
		for _, m := range modes {
			for _, b := range batches {
				for _, n := range p.Threads {
					s := p.Base
					s.Lock, s.Mode, s.Batch, s.Workers = l, m, b, n
					s = s.WithDefaults()
					if !fill {
						s.Lock, s.Mode, s.Batch, s.Workers = l, m, b, n
					}
					configs = append(configs, s)
				}
			}
		}
	}
	return configs
}

// A Case is one repetition of one configuration of a sweep.
type Case struct {
	Spec  workloads.Spec
	Rep   int // repetition, 0..Count-1
	Count int // repetitions of this configuration in the sweep
	// Block is the number of the paired block the case runs in (1, 2,
	// ... in run order, written as the unit schema.UnitBlock); 0 outside
	// a Paired sweep. A Sweep numbers the blocks as it runs them.
	Block int
}

// Group is the case's name without the mode key: the cases of one paired
// block share it ("PageCache/batch=16/lock=mcs/threads=2").
func (c Case) Group() string { return c.schemaName(0).Without(schema.KeyMode).Case() }

// info is the case's registered workload; a Spec with an unknown workload
// (which Run refuses) is named as the default workload.
func (c Case) info() workloads.Info {
	if i, err := workloads.Lookup(c.Spec.Workload); err == nil {
		return i
	}
	i, _ := workloads.Lookup(workloads.DefaultSpec.Workload)
	return i
}

// schemaName is the case's name with the workload's base name and name
// keys (workloads.Info.Keys), a class lock override that differs from
// Spec.Lock right after the lock key.
func (c Case) schemaName(procs int) schema.Name {
	info, s := c.info(), c.Spec
	n := schema.Name{Base: info.Base, Procs: procs}
	for _, k := range info.Keys {
		n.Keys = append(n.Keys, schema.KV{Key: k.Key(), Value: s.Value(k)})
		if k != workloads.KnobLock {
			continue
		}
		for _, cl := range info.Classes {
			if l := s.ClassLocks[cl]; l != "" && l != s.Lock {
				n.Keys = append(n.Keys, schema.KV{Key: schema.ClassLockKey(string(cl)), Value: l})
			}
		}
	}
	return n
}

// Name returns the case's benchmark name in key=value form, without the
// "Benchmark" prefix and the -GOMAXPROCS suffix (see the package doc):
// "PageCache/mode=batch/batch=16/lock=mcs/threads=2" or
// "CS/lock=mcs/lines=1/think=0/threads=2". Repetitions share a name.
func (c Case) Name() string { return c.schemaName(0).Case() }

// Sub returns the name's key=value part, without the base name
// ("mode=batch/batch=16/lock=mcs/threads=2"): inside a user's
// BenchmarkPageCache (or BenchmarkCS), b.Run(c.Sub(), ...) yields the
// very name lockbench run writes, so benchstat compares the two.
func (c Case) Sub() string {
	_, sub, _ := strings.Cut(c.Name(), "/")
	return sub
}

// String is the name with the repetition, for messages.
func (c Case) String() string {
	return fmt.Sprintf("%s (repetition %d of %d)", c.Name(), c.Rep+1, max(c.Count, 1))
}

func (c Case) classes() []workloads.Class { return c.info().Classes }

// Per is the denominator of the case's units (workloads.Info.Per):
// "page" for the page-cache workload, "op" (one critical section) for cs.
func (c Case) Per() string { return c.info().Per }

// Labels returns the case's pprof label pairs (key, value, key, value,
// ...), the workload's label knobs (workloads.Info.Labels): lock, mode,
// batch and threads for pagecache, lock and threads for cs. They are the
// label keys of the profiles package.
func (c Case) Labels() []string {
	var l []string
	for _, k := range c.info().Labels {
		l = append(l, k.Key(), c.Spec.Value(k))
	}
	return l
}

// Oversubscribed reports whether the case runs more workers than the
// machine has CPUs.
func (c Case) Oversubscribed(cpus int) bool { return c.Spec.Workers > cpus }
