package harness

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lockbench/lockbench/locks"
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
)

// A Plan is a sweep: every combination of Locks, Modes, Batches and
// Threads, repeated Count times. Base carries the knobs every case shares
// (files, zones, touch, delays, cs lines and think, bare, instrumentation
// options); its Lock, Mode, Batch and Workers are set per case.
type Plan struct {
	Base    workloads.Spec // Base.Workload picks pagecache or cs
	Locks   []string
	Modes   []workloads.Mode // ignored by the cs workload
	Batches []int            // ignored by the cs workload
	Threads []int
	Count   int
	Order   Order
}

// Validate checks every value of the plan and returns the first problem
// as one line saying what to change. It does not build any workload.
func (p Plan) Validate() error {
	switch p.Base.Workload {
	case workloads.PageCache, workloads.CS:
	default:
		return fmt.Errorf("unknown workload %q (known: %s)", p.Base.Workload, strings.Join(workloads.Names(), ", "))
	}
	if len(p.Locks) == 0 {
		return errors.New("no lock to run: give at least one with --locks")
	}
	if len(p.Threads) == 0 {
		return errors.New("no thread count to run: give at least one with --threads")
	}
	for _, n := range p.Threads {
		if n <= 0 {
			return fmt.Errorf("thread count %d: must be at least 1", n)
		}
	}
	if p.Count <= 0 {
		return fmt.Errorf("count %d: must be at least 1", p.Count)
	}
	switch p.Order {
	case Interleaved, Grouped:
	default:
		return fmt.Errorf("unknown order %q (known: %s, %s)", p.Order, Interleaved, Grouped)
	}
	if p.Base.Workload == workloads.PageCache {
		if len(p.Modes) == 0 {
			return errors.New("no mode to run: give at least one with --modes")
		}
		for _, m := range p.Modes {
			if !validMode(m) {
				return fmt.Errorf("unknown mode %q (known: %s)", m, modeNames())
			}
		}
		if len(p.Batches) == 0 {
			return errors.New("no batch size to run: give at least one with --batch")
		}
		for _, b := range p.Batches {
			if b <= 0 {
				return fmt.Errorf("batch size %d: must be at least 1", b)
			}
		}
	}
	maxThreads := 0
	for _, n := range p.Threads {
		maxThreads = max(maxThreads, n)
	}
	check := func(name string) error {
		info, err := locks.Lookup(name)
		if err != nil {
			return err
		}
		return info.CheckWorkers(maxThreads)
	}
	for _, l := range p.Locks {
		if err := check(l); err != nil {
			return err
		}
	}
	for c, l := range p.Base.ClassLocks {
		if l == "" {
			continue
		}
		if !validClass(p.Base.Workload, c) {
			return fmt.Errorf("lock override for class %q: the %s workload has no such lock class", c, p.Base.Workload)
		}
		if err := check(l); err != nil {
			return fmt.Errorf("%s lock: %w", c, err)
		}
	}
	for c, d := range p.Base.Delay {
		if !validClass(p.Base.Workload, c) {
			return fmt.Errorf("delay for class %q: the %s workload has no such lock class", c, p.Base.Workload)
		}
		if d < 0 {
			return fmt.Errorf("delay for class %s is %v: must not be negative", c, d)
		}
	}
	// The workload's own limits (file sizes, memory, ...), per configuration.
	for _, s := range p.configs() {
		if err := s.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func validMode(m workloads.Mode) bool {
	for _, k := range workloads.Modes() {
		if m == k {
			return true
		}
	}
	return false
}

func modeNames() string {
	var s []string
	for _, m := range workloads.Modes() {
		s = append(s, string(m))
	}
	return strings.Join(s, ", ")
}

func validClass(workload string, c workloads.Class) bool {
	if workload == workloads.CS {
		return c == workloads.ClassCS
	}
	for _, k := range workloads.PageCacheClasses() {
		if c == k {
			return true
		}
	}
	return false
}

// Cases expands the plan into the cases to run, in run order. Each
// distinct configuration appears Count times, with Rep 0..Count-1. The cs
// workload ignores Modes and Batches. Call Validate first; Cases does not
// check its input.
func (p Plan) Cases() []Case {
	configs := p.configs()
	var out []Case
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
// (Spec.WithDefaults: FilePages 0 is sized for each batch and thread count).
func (p Plan) configs() []workloads.Spec {
	var configs []workloads.Spec
	modes, batches := p.Modes, p.Batches
	if p.Base.Workload == workloads.CS {
		modes, batches = []workloads.Mode{""}, []int{0}
	}
	for _, l := range p.Locks {
		for _, m := range modes {
			for _, b := range batches {
				for _, n := range p.Threads {
					s := p.Base
					s.Lock, s.Mode, s.Batch, s.Workers = l, m, b, n
					configs = append(configs, s.WithDefaults())
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
}

// Name returns the case's benchmark name in key=value form, without the
// "Benchmark" prefix and the -GOMAXPROCS suffix (see the package doc):
// "PageCache/mode=batch/batch=16/lock=mcs/threads=2" or
// "CS/lock=mcs/lines=1/think=0/threads=2". Repetitions share a name.
func (c Case) Name() string {
	var b strings.Builder
	s := c.Spec
	if s.Workload == workloads.CS {
		b.WriteString("CS")
	} else {
		b.WriteString("PageCache")
		fmt.Fprintf(&b, "/mode=%s/batch=%d", s.Mode, s.Batch)
	}
	fmt.Fprintf(&b, "/lock=%s", s.Lock)
	for _, cl := range c.classes() {
		if l := s.ClassLocks[cl]; l != "" && l != s.Lock {
			fmt.Fprintf(&b, "/%s-lock=%s", cl, l)
		}
	}
	if s.Workload == workloads.CS {
		fmt.Fprintf(&b, "/lines=%d/think=%d", s.Lines, s.Think)
	}
	fmt.Fprintf(&b, "/threads=%d", s.Workers)
	return b.String()
}

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

func (c Case) classes() []workloads.Class {
	if c.Spec.Workload == workloads.CS {
		return []workloads.Class{workloads.ClassCS}
	}
	return workloads.PageCacheClasses()
}

// Per is the denominator of the case's units: "page" for the page-cache
// workload, "op" (one critical section) for cs.
func (c Case) Per() string {
	if c.Spec.Workload == workloads.CS {
		return "op"
	}
	return "page"
}

// Labels returns the case's pprof label pairs (key, value, key, value,
// ...): lock, mode, batch and threads (mode and batch only for
// pagecache), for pprof.Labels.
func (c Case) Labels() []string {
	s := c.Spec
	l := []string{"lock", s.Lock}
	if s.Workload != workloads.CS {
		l = append(l, "mode", string(s.Mode), "batch", strconv.Itoa(s.Batch))
	}
	return append(l, "threads", strconv.Itoa(s.Workers))
}

// Oversubscribed reports whether the case runs more workers than the
// machine has CPUs.
func (c Case) Oversubscribed(cpus int) bool { return c.Spec.Workers > cpus }

// fmtDur formats a duration for a config line ("250ms").
func fmtDur(d time.Duration) string { return d.String() }
