package harness

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
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
	// Paired runs each comparison group (the modes and batch sizes of
	// one lock at one thread count: the cases a headline compares; the
	// floor at one thread inside every 1-thread lock group's blocks, the
	// private floor at T a group of its own) as a block of back-to-back slices, in
	// a random order per block drawn from Plan.Seed: every case of a
	// block meets the same machine, and the headline compares within
	// blocks (see the package doc, "Paired blocks"). Count is the number
	// of timed blocks of each group; with TimeBare each group (but the
	// floor) also runs one block of counting repetitions, after its
	// first Count/2 timed blocks. A Sweep with a Budget adds timed blocks
	// where the headlines are least certain. A workload without modes
	// (cs) has one case per block.
	Paired Order = schema.OrderPaired
)

// Timing says which locks the timed repetitions of a sweep run.
type Timing string

// The timings.
const (
	// TimeBare times every case with bare locks (ns/page) and takes the
	// lock counts from CountingReps extra instrumented repetitions of
	// each case (Case.Counting), spread among the timed ones, as Go's
	// testing separates allocation counting from timing. The default, and
	// what the zero value means.
	//
	// Why: the instrumented wrapper costs more than some of the locks it
	// measures (about 3.5 ns an acquisition, +25..35% ns/page in mode
	// page, where the locks themselves are 7..24 ns/page), and it
	// inflates exactly the per-acquisition cost that batching removes.
	// Why CountingReps of them: a ratio over hundreds of thousands of
	// acquisitions resolves within one window, but the window's machine
	// does not repeat (a descheduled vCPU, a moved regime), and the wait
	// subtracted from a saving needs an interval over repetitions, not
	// the counting noise of one.
	TimeBare Timing = schema.TimingBare
	// TimeInstrumented runs every repetition instrumented: ns/page
	// carries the instrumentation, and the lock units sit on the same
	// lines. Profiles need it (contention stacks come from the wrapper).
	TimeInstrumented Timing = schema.TimingInstrumented
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
	// Seed seeds the slice order of Paired blocks; it is written to the
	// file configuration so that a run's orders can be drawn again. 0
	// means "draw one" (Prepare): a sharded plan's (Shard set) from its
	// ID, so that every shard on every machine draws the same orders, an
	// unsharded plan's from the clock. A drawn seed is never 0.
	Seed uint64
	// Shard, when set, restricts Cases to part K of N of the plan: whole
	// comparison groups (the modes and batch sizes of one lock at one
	// thread count), balanced by estimated time. The zero Shard is the
	// whole plan. Every shard of a plan has the plan's ID.
	Shard schema.Shard
	// Timing says which locks ns/page times. Empty means TimeBare, or
	// TimeInstrumented for a Runner that profiles (Runner.Labels: the
	// contention stacks come from the instrumented wrapper; Prepare
	// fills it in). Base.Bare overrides it: no repetition is
	// instrumented, and the results carry no lock units.
	Timing Timing
	// Floor adds the floors that reports' counterfactual decomposition
	// reads (see package reports/saving): each mode and batch with lock "none" and
	// no class overrides, Count bare repetitions interleaved with the
	// rest, at one thread (the per-page work floor) and at each other
	// thread count, where every worker runs its own private instance of
	// the model (workloads.Spec.Private: the no-lock scaling floor). A
	// workload without modes (cs) has no floor to add, nor a plan
	// without 1 among its Threads (FloorUsed: the split needs the lock at
	// one thread too).
	Floor bool
	// Budget, with a Paired order, makes the sweep adaptive when its
	// Sweep has a Judge: after Count timed blocks of every group, Run
	// adds blocks of the groups the Judge names until it names none or
	// the next block would end after Budget from the start (see
	// Sweep.Judge). 0 runs the plan's Count blocks only.
	Budget time.Duration
	// Target is the half-width, as a fraction (0.05: ±5%), that an
	// adaptive sweep's Judge wants every headline's 95% interval to
	// reach. It must be positive when Budget is set.
	Target float64
}

// timing is p.Timing with its default.
func (p Plan) timing() Timing {
	if p.Timing == "" {
		return TimeBare
	}
	return p.Timing
}

// counting reports whether every configuration (but the floor's) also
// runs CountingReps instrumented counting repetitions: TimeBare, unless
// Base.Bare leaves nothing instrumented to count with.
func (p Plan) counting() bool {
	info, err := workloads.Lookup(p.Base.Workload)
	if err == nil && !info.Takes(workloads.KnobLock) {
		return false // no lock of lockbench's to count
	}
	return !p.Base.Bare && p.timing() == TimeBare
}

// CountingReps is the number of counting repetitions of each case of a
// TimeBare plan: enough for the median of a count and an interval of the
// wait a saving subtracts, spread through the fixed part of the sweep
// (CountingRound) so that each meets the machine of its time.
const CountingReps = 3

// CountingRound returns before which timed round (0..count-1) counting
// repetition k of a case runs: rounds spread evenly through count, the
// k-th at the middle of the k-th third ((2k+1)·count/6). With fewer
// timed rounds than CountingReps, some go before the same round.
func CountingRound(k, count int) int {
	return min((2*k+1)*count/(2*CountingReps), max(count-1, 0))
}

// FloorLock is the lock of the floor cases Plan.Floor adds: no lock at
// all.
const FloorLock = schema.FloorLock

// DefaultPlan is the sweep of `lockbench run` without flags: mutex and
// mcs, DefaultModes, 16-page batches, 1 thread and one per CPU, and the
// lock-free floor of each mode at one thread (Floor), in Paired blocks of
// bare-timed slices (the empty Timing: TimeBare, unless the Runner
// profiles): DefaultBlocks blocks of every comparison group first, with
// CountingReps blocks of instrumented counting repetitions of each group
// spread among them, then, given a Judge (Sweep.Judge), more blocks where the
// headlines are least certain until each is within DefaultTarget or
// DefaultBudget is spent. Its seed is drawn (Seed 0).
var DefaultPlan = Plan{
	Base:    workloads.DefaultSpec,
	Locks:   []string{"mutex", "mcs"},
	Modes:   DefaultModes,
	Batches: []int{16},
	Threads: defaultThreads(),
	Count:   DefaultBlocks,
	Order:   Paired,
	Floor:   true,
	Budget:  DefaultBudget,
	Target:  DefaultTarget,
}

// DefaultModes are the default run's modes: page, batch and large, what
// its bottom line reads (the saving of batch over page, and how close it
// comes to one big page). The kernel's intermediate batchings, pagevec
// and pcp, are a --modes away. With all five, a block of a comparison
// group took about 0.7 s, longer than the ~1 s the 2-vCPU VM stays in
// one transfer state, and three counting repetitions of five modes took
// 16.5 s of the 40 s budget: two default runs ended with every 2-thread
// headline at 1-4 paired blocks a state and no bottom line.
var DefaultModes = []workloads.Mode{workloads.ModePage, workloads.ModeBatch, workloads.ModeLarge}

// DefaultBlocks is the default run's first blocks of every group: the
// fewest for which the paired signed-rank test can reach p <= 0.05 (6,
// stats.MinPairs in reports) is left to the adaptive part, which spends
// on the groups whose regimes need them.
const DefaultBlocks = 3

// DefaultBudget is the default run's sweep time. The README promises the
// first `go run ./cmd/lockbench run` of a fresh clone within a minute on
// 2 cores: on the quiet 2-vCPU VM the download took 1.5 s and the compile
// 28.5 s from empty caches, and the sweep ends within its budget plus
// about a second of report, so 40 s (81 s cold before the plotting stack
// went) left no room; 25 s does (see the README's measurements).
const DefaultBudget = 25 * time.Second

// DefaultTarget is the default run's target half-width of a headline's
// 95% interval: ±5%.
const DefaultTarget = 0.05

// defaultThreads is 1 and, on a machine with more, one per CPU.
func defaultThreads() []int {
	if n := runtime.NumCPU(); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// Validate checks the plan and returns the first problem as a
// *FieldError naming the field to change, or, for a model too large for
// memory, a *PlanError naming no single field. The plan's own rules are
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
	case len(p.Locks) == 0 && info.Takes(workloads.KnobLock):
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
	if err := p.validateShard(); err != nil {
		return err
	}
	switch p.timing() {
	case TimeBare, TimeInstrumented:
	default:
		return &FieldError{Field: FieldTiming, Err: fmt.Errorf("unknown timing %q (known: %s, %s)", p.Timing, TimeBare, TimeInstrumented)}
	}
	if err := p.validateAdaptive(); err != nil {
		return err
	}
	if p.Base.Bare && p.timing() == TimeInstrumented {
		// Bare would win silently (no wrapper to time): say so instead.
		return &FieldError{Field: FieldTiming, Value: string(TimeInstrumented), Err: errors.New("times instrumented locks, but the plan's base is bare (no instrumented lock at all)")}
	}
	for _, s := range p.configs(info, false) {
		if err := s.Validate(); err != nil {
			if ke, ok := errors.AsType[*workloads.KnobError](err); ok {
				return planField(ke)
			}
			return &PlanError{Err: err}
		}
	}
	return nil
}

// Cases expands the plan into the cases to run, in run order (for
// Paired, the fixed blocks before any adaptive ones, each case's Block
// numbered from 1). Each
// distinct configuration appears Count times, with Rep 0..Count-1; with
// TimeBare (and not Base.Bare) each also gets CountingReps counting
// repetitions (Case.Counting), spread among its timed ones (before timed
// round CountingRound(k, Count)), as rounds of their own when
// interleaved. Plan.Floor's cases join the timed rounds (they have
// nothing to count). A workload without modes or batches (cs) ignores
// Modes and Batches. With a Shard, only the configurations of the
// shard's comparison groups are run (the floor at one thread with the
// first 1-thread lock group: floorTie), in the same order. In the Paired
// order the floor at one thread runs in every 1-thread lock block. Call Validate first; Cases does not check its input.
func (p Plan) Cases() []Case {
	if p.Order == Paired {
		return p.blocks().fixedCases()
	}
	configs, floor := p.specs()
	counting := p.counting()
	timed := func(s workloads.Spec, r int) Case {
		s.Bare = p.Base.Bare || p.timing() == TimeBare
		return Case{Spec: s, Rep: r, Count: p.Count}
	}
	count := func(s workloads.Spec, k int) Case {
		return Case{Spec: s, Rep: k, Count: CountingReps, Counting: true}
	}
	// countsBefore returns the counting repetitions that go before timed
	// round r.
	countsBefore := func(r int) []int {
		var ks []int
		for k := range CountingReps {
			if counting && CountingRound(k, p.Count) == r {
				ks = append(ks, k)
			}
		}
		return ks
	}
	var out []Case
	if p.Order == Grouped {
		for _, s := range configs {
			for r := range p.Count {
				for _, k := range countsBefore(r) {
					out = append(out, count(s, k))
				}
				out = append(out, timed(s, r))
			}
		}
		for _, s := range floor {
			for r := range p.Count {
				out = append(out, timed(s, r))
			}
		}
		return out
	}
	for r := range p.Count {
		for _, k := range countsBefore(r) {
			for _, s := range configs {
				out = append(out, count(s, k))
			}
		}
		for _, s := range configs {
			out = append(out, timed(s, r))
		}
		for _, s := range floor {
			out = append(out, timed(s, r))
		}
	}
	return out
}

// specs returns the configurations Cases runs (configs, defaults filled)
// and the floor's, both restricted to the plan's Shard.
func (p Plan) specs() (configs, floor []workloads.Spec) {
	info, _ := workloads.Lookup(p.Base.Workload)
	configs = p.configs(info, true)
	floor = p.floorConfigs(info, configs)
	if !p.Shard.Whole() {
		of := shardOf(configs, floor, p.Shard.N)
		other := func(s workloads.Spec) bool { return of[Case{Spec: s}.Group()] != p.Shard.K }
		configs = slices.DeleteFunc(configs, other)
		floor = slices.DeleteFunc(floor, other)
	}
	return configs, floor
}

// FloorUsed reports whether the floor would feed a saving split: the
// split of a lock's saving at T threads reads the lock at one thread
// beside the floor, so a plan without 1 among its threads (--threads
// 2,4) has no use for the floor, and Floor adds none to it.
func (p Plan) FloorUsed() bool { return slices.Contains(p.Threads, 1) }

// floorConfigs are the floor cases Plan.Floor adds: each mode and batch
// of configs with FloorLock and no class overrides, unless configs have
// it already, at one thread (the per-page work floor) and at each other
// thread count of the plan, where each worker runs a private instance
// (workloads.Spec.Private) of the 1-thread floor's model (the no-lock
// scaling floor).
func (p Plan) floorConfigs(info workloads.Info, configs []workloads.Spec) []workloads.Spec {
	if !p.Floor || !info.Takes(workloads.KnobMode) || !info.Takes(workloads.KnobLock) || !p.FloorUsed() {
		return nil
	}
	have := map[string]bool{}
	for _, s := range configs {
		have[Case{Spec: s}.Name()] = true
	}
	var out []workloads.Spec
	threads := slices.Concat([]int{1}, p.Threads)
	for _, m := range p.Modes {
		for _, b := range p.Batches {
			for _, n := range threads {
				s := p.Base
				s.Lock, s.ClassLocks, s.Mode, s.Batch, s.Workers = FloorLock, nil, m, b, 1
				s = s.WithDefaults() // sized as one worker's model: each private instance is one
				if n > 1 {
					s.Workers, s.Private = n, true
				}
				if name := (Case{Spec: s}).Name(); !have[name] {
					have[name] = true
					out = append(out, s)
				}
			}
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
	lockList := p.Locks
	if !info.Takes(workloads.KnobLock) {
		lockList = []string{""} // the kernel's locks: one case, no lock key
	}
	for _, l := range lockList {
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
	// Counting marks an instrumented repetition of a TimeBare sweep,
	// run for its lock counts: its line carries its time as inst-ns/page
	// (schema.StemInstNS) beside the lock units, and no ns/page, so that
	// ns/page stays the bare locks' time. Its Rep is 0..CountingReps-1
	// and its Count CountingReps.
	Counting bool
	// Block is the number of the paired block the case runs in (1, 2,
	// ... in run order, written as the unit schema.UnitBlock); 0 outside
	// a Paired sweep and for a counting repetition, whose lines are never
	// paired. A Sweep numbers the timed blocks as it runs them.
	Block int
}

// Group names the case's comparison group: its name without the mode and
// batch keys ("PageCache/lock=mcs/threads=2"). The cases of one paired
// block share it, and a Sweep's Judge names groups by it.
func (c Case) Group() string { return c.schemaName(0).Group() }

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
	if c.Counting {
		return fmt.Sprintf("%s (instrumented repetition %d of %d, for the lock counts)", c.Name(), c.Rep+1, max(c.Count, 1))
	}
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
