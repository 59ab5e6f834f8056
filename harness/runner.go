package harness

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/sys/unix"
)

// A Runner runs cases. The zero value is not useful; start from
// DefaultRunner and change fields. A Runner holds no state between runs
// and may be copied; one Runner runs one case at a time.
type Runner struct {
	Duration time.Duration // measured window per repetition
	Warmup   time.Duration // unmeasured run before it, same workload and threads
	Affinity Affinity      // worker placement
	// Grace is how long the watchdog waits, after a phase's stop flag is
	// set, for every worker to finish its step. A worker still running
	// then (a lock that never releases, a livelock) fails the case with a
	// *WatchdogError and the run ends instead of hanging.
	Grace time.Duration
	// Counters reads perf_event_open counters per worker thread where the
	// machine allows them.
	Counters bool
	// Probe is the time budget of the regime probe (xfer-ns) before each
	// repetition; negative disables it.
	Probe time.Duration
	// Labels runs the worker goroutines under pprof labels (Case.Labels)
	// so a CPU profile of the sweep can be split by lock, mode, batch and
	// threads. The profiles package starts the profile itself.
	Labels bool
	// ClassLabels (with Labels) also labels each lock class's critical
	// section class=<class>. It is off by default because it is not free:
	// a pprof.SetGoroutineLabels pair costs about 13 ns, paid on every
	// acquisition (measured: +34% ns/page in mode page, 8 acquisitions a
	// page).
	ClassLabels bool

	// NewWorkload builds the workload of a case. Nil means workloads.New;
	// tests inject fakes.
	NewWorkload func(workloads.Spec) (workloads.Workload, error)
	// PerfEventOpen opens one counter. Nil means unix.PerfEventOpen;
	// tests inject failures.
	PerfEventOpen PerfEventOpenFunc
	// Sysfs is the root of the CPU topology files; "" means "/sys".
	Sysfs string
	// Machine names the machine in the results (config key machine), so
	// that merged results of several machines can be told apart; "" means
	// the name ReadMachine derives (Machine.Name). Letters, digits, '.',
	// '_' and '-'.
	Machine string
}

// DefaultRunner is a Runner with the defaults of `lockbench run`, which
// takes its flags' defaults from it (see DefaultPlan for what they cost).
var DefaultRunner = Runner{
	// Short slices, so that the default run's budget holds many paired
	// blocks: 41 blocks of 5 slices in 40 s at 60+20 ms, 18 at 200+50 ms
	// (measured on a 2-vCPU VM under a load average of 12).
	Duration: 60 * time.Millisecond,
	Warmup:   20 * time.Millisecond,
	Affinity: Compact,
	Grace:    2 * time.Second,
	Counters: true,
	Probe:    probeBudget,
}

// MinDuration is the shortest measured window Validate accepts. The
// window is timed from the start barrier to the last worker stopped, and
// that edge work (waking the workers, the stop flag reaching every core,
// timer slack) is tens to hundreds of microseconds on a busy 2-core VM:
// below 10ms it is no longer small against the window, and at 1ns a
// repetition measures one page and the headline reports the edges, not
// the locks.
const MinDuration = 10 * time.Millisecond

// MinGrace is the shortest watchdog grace Validate accepts. A worker
// finishing its last step after the stop flag may wait for a core behind
// every other runnable thread (each a scheduler slice of a few ms); below
// 50ms that ordinary wait is reported as a hung lock.
const MinGrace = 50 * time.Millisecond

// Validate reports the first field of r that cannot run, as a
// *FieldError.
func (r *Runner) Validate() error {
	switch {
	case r.Duration <= 0:
		return &FieldError{Field: FieldDuration, Value: r.Duration.String(), Err: errors.New("must be positive")}
	case r.Duration < MinDuration:
		return &FieldError{Field: FieldDuration, Value: r.Duration.String(), Err: fmt.Errorf("too short to measure: the minimum is %v", MinDuration)}
	case r.Warmup < 0:
		return &FieldError{Field: FieldWarmup, Value: r.Warmup.String(), Err: errors.New("must not be negative")}
	case r.Grace <= 0:
		return &FieldError{Field: FieldGrace, Value: r.Grace.String(), Err: errors.New("must be positive")}
	case r.Grace < MinGrace:
		return &FieldError{Field: FieldGrace, Value: r.Grace.String(), Err: fmt.Errorf("too short to tell a hung lock from a busy machine: the minimum is %v", MinGrace)}
	}
	if _, err := ParseAffinity(string(r.Affinity)); err != nil {
		return &FieldError{Field: FieldAffinity, Err: err}
	}
	return validMachine(r.Machine)
}

func (r *Runner) open() PerfEventOpenFunc {
	if r.PerfEventOpen != nil {
		return r.PerfEventOpen
	}
	return unix.PerfEventOpen
}

func (r *Runner) build(s workloads.Spec) (workloads.Workload, error) {
	if r.NewWorkload != nil {
		return r.NewWorkload(s)
	}
	return newWorkload(s)
}

// Topology reads the machine's CPU topology from r.Sysfs (see
// hostTopology).
func (r *Runner) Topology() (Topology, error) { return hostTopology(r.Sysfs) }

// hostTopology reads the CPU topology under sysfs, "" meaning "/sys".
// With the real sysfs ("") it keeps the CPUs this process may run on
// (sched_getaffinity): in a container with a cpuset (a Kubernetes pod
// under the static CPU manager) sysfs lists the node's CPUs, and pinning
// a thread to one outside the cpuset fails. Another sysfs root describes
// another machine, which the process's mask says nothing about.
func hostTopology(sysfs string) (Topology, error) {
	if sysfs != "" {
		return ReadTopology(sysfs)
	}
	t, err := ReadTopology("/sys")
	if err != nil {
		return t, err
	}
	if allowed, err := AllowedCPUs(); err == nil {
		t = t.Restrict(allowed)
	}
	return t, nil
}

// CounterSupport reports which counter groups this machine allows, by
// opening and closing them on the calling thread. It reports none if
// r.Counters is off.
func (r *Runner) CounterSupport() CounterSupport {
	if !r.Counters {
		off := errors.New("counters turned off")
		return CounterSupport{HardwareErr: off, SoftwareErr: off}
	}
	return probeCounters(r.open())
}

// A Result is what one repetition of a case measured.
type Result struct {
	Case       Case
	GOMAXPROCS int   // during the measured window: the name's -N suffix
	CPUs       []int // CPU of each worker; nil with affinity none

	Wall        time.Duration // measured window, start barrier to last worker stopped
	CPU         time.Duration // workers' thread CPU time in the window
	Pages       uint64        // pages (cs: critical sections) of all workers
	WorkerPages []uint64      // per worker, index i is worker i
	XferNS      float64       // regime probe: one-way cache-line transfer, 0 if not probed
	XferEndNS   float64       // the probe again right after the window, 0 if not probed
	// NoProbe says the runner did not try the probe (Runner.Probe
	// negative, or fewer than two CPUs to pin its threads to): the
	// repetition has no regime, rather than an unknown one.
	NoProbe  bool
	GCCycles uint64 // Go GC cycles completed during the window

	// Classes holds each lock class's merged counts over the window (with
	// stack Samples, for the profiles package); empty when bare.
	Classes []ClassStats
	// Counters are the perf counters summed over workers and scaled, by
	// unit name (cycles, instructions, ctx-switches, ...); nil if none.
	Counters map[string]float64
	// Support is what counters the run could open.
	Support CounterSupport
}

// Regime is the machine regime of a contended repetition
// (schema.RegimeOf of XferNS), schema.RegimeSwitched when the probe after
// the window (XferEndNS) falls in another band, and "" for a repetition
// of one worker, whose cost does not depend on cache-line transfers. A
// repetition with one probe takes that probe's label; a contended one
// with none (a machine too busy to run both probe threads at once) is
// schema.RegimeUnprobed, left out of the statistics like a switched one.
// A runner that does not probe (NoProbe) leaves every repetition without
// a regime: nothing is stratified.
//
// Why 1-thread repetitions get none, measured: three default runs on a
// 2-vCPU KVM guest (llc ~26 ns, xllc ~160 ns, each seen in every run),
// 1-thread slices split by the band of their own probe: page mutex 108.2
// ns/page in llc against 109.1 and 110.4 in xllc, page mcs 101.7 and
// 103.9 against 99.9 and 99.8, batch 35.8-36.3 against 35.9-37.9; within
// 4%, no direction, while 2-thread page mcs moves 2.8x (230 against 653 in run 1).
func (r *Result) Regime() string {
	if r.Case.Spec.Workers < 2 || r.NoProbe {
		return ""
	}
	before, after := schema.RegimeOf(r.XferNS), schema.RegimeOf(r.XferEndNS)
	switch {
	case before == "" && after == "":
		return schema.RegimeUnprobed
	case before == "":
		return after
	case after != "" && after != before:
		return schema.RegimeSwitched
	}
	return before
}

// ClassStats are the merged lock counts of one class of a case: every
// instance of the class (one zone lock per zone, ...) together.
type ClassStats struct {
	Class workloads.Class
	Lock  string // registry name of the algorithm
	Stats locks.Stats
}

// Total merges the Stats of all classes.
func (r *Result) Total() locks.Stats {
	var s locks.Stats
	for i := range r.Classes {
		s.Merge(&r.Classes[i].Stats)
	}
	return s
}

// Fairness is Jain's index of WorkerPages: (sum x)^2 / (n * sum x^2), 1
// when every worker did the same work, 1/n when one did all of it; 0 when
// no page was done.
func (r *Result) Fairness() float64 {
	var sum, sq float64
	for _, p := range r.WorkerPages {
		x := float64(p)
		sum += x
		sq += x * x
	}
	if sq == 0 {
		return 0
	}
	return sum * sum / (float64(len(r.WorkerPages)) * sq)
}

// A WatchdogError reports workers that did not stop within the grace.
type WatchdogError struct {
	Case    Case
	Phase   string // "warm-up" or "measurement"
	Workers []int  // indexes of the workers still running
	Grace   time.Duration
}

func (e *WatchdogError) Error() string {
	locksUsed := e.Case.Spec.Lock
	for _, c := range e.Case.classes() {
		if l := e.Case.Spec.ClassLocks[c]; l != "" && l != e.Case.Spec.Lock {
			locksUsed += fmt.Sprintf(", %s lock %s", c, l)
		}
	}
	return fmt.Sprintf("watchdog: %s: %s still running %v after the %s stop (lock %s); a lock that never releases or a livelock: the run was stopped",
		e.Case.Name(), workerList(e.Workers, e.Case.Spec.Workers), e.Grace, e.Phase, locksUsed)
}

// maxListed is how many worker ids a WatchdogError names; beyond it the
// message says how many (a 1024-thread case once printed 900 ids, 3.4 KB
// on one line).
const maxListed = 8

// workerList says which of n workers are listed in ids: "worker 3 of 4",
// "workers [0 2] of 4", or "897 of 1024 workers (0, 1, 2, ... 1023)".
func workerList(ids []int, n int) string {
	switch {
	case len(ids) == 1:
		return fmt.Sprintf("worker %d of %d", ids[0], n)
	case len(ids) <= maxListed:
		return fmt.Sprintf("workers %v of %d", ids, n)
	}
	var b strings.Builder
	for _, id := range ids[:maxListed-1] {
		fmt.Fprintf(&b, "%d, ", id)
	}
	fmt.Fprintf(&b, "... %d", ids[len(ids)-1])
	return fmt.Sprintf("%d of %d workers (%s)", len(ids), n, b.String())
}

// An InvariantError reports a workload whose invariants failed after a
// case: the lock did not exclude, or the model is wrong.
type InvariantError struct {
	Case Case
	Err  error
}

func (e *InvariantError) Error() string {
	return fmt.Sprintf("INVARIANT VIOLATED in %s (lock %s): %v", e.Case.Name(), e.Case.Spec.Lock, e.Err)
}

func (e *InvariantError) Unwrap() error { return e.Err }

// slot is one worker's results, padded so that no two workers' slots
// share a cache line (or an adjacent-line prefetch pair).
type slot struct {
	_        [128]byte
	pages    uint64
	cpu      int64 // ns of thread CPU time in the window
	counters map[string]float64
	err      error
	done     [2]atomic.Bool // the worker finished phase i
	_        [128]byte
}

// flag is a stop flag on its own cache line: workers read it once per
// step; the coordinator writes it once.
type flag struct {
	_ [128]byte
	atomic.Bool
	_ [128]byte
}

const (
	phaseWarmup = iota
	phaseMeasure
)

var phaseNames = [2]string{"warm-up", "measurement"}

// Run runs one repetition of c: build the workload, pin one locked OS
// thread per worker, probe the regime, warm up, reset the locks' counts,
// measure for r.Duration, merge, and check the workload's invariants. A
// cancelled ctx abandons the case and returns an error wrapping ctx.Err().
// A worker that does not stop in time returns a *WatchdogError, a failed
// invariant an *InvariantError; an invalid r, Validate's *FieldError.
func (r *Runner) Run(ctx context.Context, c Case) (*Result, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r.run(ctx, c, 0)
}

// run is Run of a validated r (a Sweep validates its runner once, in
// NewSweep); a positive before is the regime probe just taken (the end
// probe of the slice before, in a paired block) and stands in for the
// probe before the repetition.
func (r *Runner) run(ctx context.Context, c Case, before float64) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name(), err)
	}
	topo, err := r.Topology()
	if err != nil {
		return nil, err
	}
	support := r.CounterSupport()

	spec := c.Spec
	labels := pprof.Labels(c.Labels()...)
	spec = withLabels(pprof.WithLabels(ctx, labels), spec, r.Labels && r.ClassLabels)
	wl, err := r.build(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: building the workload: %w", c.Name(), err)
	}
	workers := wl.Workers()
	n := len(workers)
	if n == 0 {
		return nil, fmt.Errorf("%s: the workload has no workers", c.Name())
	}

	res := &Result{Case: c, Support: support}
	order := topo.Order(r.Affinity)
	if r.Affinity != None && len(order) > 0 {
		res.CPUs = make([]int, n)
		for i := range res.CPUs {
			res.CPUs[i] = order[i%len(order)]
		}
	}

	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)

	// The probe needs two Ps to play ping-pong.
	probe := func() float64 {
		if r.Probe < 0 || len(order) < 2 {
			return 0
		}
		runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2))
		budget := r.Probe
		if budget == 0 {
			budget = probeBudget
		}
		return probeXfer(order[0], order[1], budget)
	}
	res.NoProbe = r.Probe < 0 || len(order) < 2
	if res.XferNS = before; before <= 0 {
		res.XferNS = probe()
	}
	res.GOMAXPROCS = max(prev, n)
	runtime.GOMAXPROCS(res.GOMAXPROCS)

	slots := make([]slot, n)
	var stop [2]flag
	start := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	abort := make(chan struct{})
	var ready, finished sync.WaitGroup
	ready.Add(n)
	finished.Add(n)
	var phaseDone [2]sync.WaitGroup
	phaseDone[0].Add(n)
	phaseDone[1].Add(n)

	open := r.open()
	for i := range workers {
		s := &slots[i]
		w := workers[i]
		body := func(context.Context) {
			defer finished.Done()
			// Never unlocked: when the goroutine ends its pinned thread
			// ends too, so no other goroutine inherits its affinity.
			runtime.LockOSThread()
			var tc *threadCounters
			if res.CPUs != nil {
				if err := pin(res.CPUs[i]); err != nil {
					// A FieldError: the placement cannot be had here, and
					// affinity none leaves it to the scheduler.
					s.err = &FieldError{Field: FieldAffinity, Value: string(r.Affinity),
						Err: fmt.Errorf("pinning worker %d to CPU %d: %w", i, res.CPUs[i], err)}
				}
			}
			if s.err == nil && (support.Hardware || support.Software) {
				tc, s.err = openThreadCounters(open, support)
			}
			if tc != nil {
				defer tc.close()
			}
			ready.Done()
			for phase := range 2 {
				select {
				case <-start[phase]:
				case <-abort:
					return
				}
				var cpu0 int64
				if phase == phaseMeasure {
					if tc != nil {
						if err := tc.enable(); err != nil && s.err == nil {
							s.err = err
						}
					}
					cpu0 = threadCPU()
				}
				// At least one step per phase, even if the worker's thread
				// was scheduled only after the stop (a loaded machine).
				var pages uint64
				for {
					pages += uint64(w.Step())
					if stop[phase].Load() {
						break
					}
				}
				if phase == phaseMeasure {
					s.cpu = threadCPU() - cpu0
					s.pages = pages
					if tc != nil {
						s.counters = map[string]float64{}
						if err := tc.read(s.counters); err != nil && s.err == nil {
							s.err = err
						}
					}
				}
				s.done[phase].Store(true)
				phaseDone[phase].Done()
			}
		}
		if r.Labels {
			go pprof.Do(ctx, labels, body)
		} else {
			go body(ctx)
		}
	}
	ready.Wait()
	for i := range slots {
		if err := slots[i].err; err != nil {
			close(abort)
			finished.Wait()
			return nil, fmt.Errorf("%s: %w", c.Name(), err)
		}
	}

	// runPhase releases the workers into phase p, stops them after d (or
	// when ctx ends) and waits for them with the watchdog's grace.
	runPhase := func(p int, d time.Duration) (time.Duration, error) {
		t0 := time.Now()
		close(start[p])
		timer := time.NewTimer(d)
		var cancelled error
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			cancelled = ctx.Err()
		}
		stop[p].Store(true)
		if !waitTimeout(&phaseDone[p], r.Grace) {
			// Re-check before failing: the timer and the last worker's
			// done flag can race, and an empty list is no hang.
			var stuck []int
			for i := range slots {
				if !slots[i].done[p].Load() {
					stuck = append(stuck, i)
				}
			}
			if len(stuck) > 0 {
				close(abort) // workers that do stop later leave at once
				return 0, &WatchdogError{Case: c, Phase: phaseNames[p], Workers: stuck, Grace: r.Grace}
			}
			phaseDone[p].Wait() // every worker is past its done flag
		}
		if cancelled != nil {
			close(abort)
			finished.Wait()
			return 0, fmt.Errorf("%s: abandoned: %w", c.Name(), cancelled)
		}
		return time.Since(t0), nil
	}

	if _, err := runPhase(phaseWarmup, r.Warmup); err != nil {
		return nil, err
	}
	instrumented := wl.Locks()
	for _, cl := range instrumented {
		if cl.Lock != nil {
			cl.Lock.Reset()
		}
	}
	gc0 := gcCycles()
	wall, err := runPhase(phaseMeasure, r.Duration)
	if err != nil {
		return nil, err
	}
	res.GCCycles = gcCycles() - gc0
	res.Wall = wall
	finished.Wait()
	// Probed again after the window: a regime that changed in flight
	// shows as two labels (Result.Regime).
	res.XferEndNS = probe()

	res.WorkerPages = make([]uint64, n)
	for i := range slots {
		s := &slots[i]
		if s.err != nil {
			return nil, fmt.Errorf("%s: worker %d: %w", c.Name(), i, s.err)
		}
		res.WorkerPages[i] = s.pages
		res.Pages += s.pages
		res.CPU += time.Duration(s.cpu)
		if s.counters != nil {
			if res.Counters == nil {
				res.Counters = map[string]float64{}
			}
			for k, v := range s.counters {
				res.Counters[k] += v
			}
		}
	}
	res.Classes = mergeClasses(instrumented)

	if err := wl.Check(); err != nil {
		return res, &InvariantError{Case: c, Err: err}
	}
	return res, nil
}

// mergeClasses merges the instances of each class, in first-seen order.
func mergeClasses(cls []workloads.ClassLock) []ClassStats {
	var out []ClassStats
	index := map[workloads.Class]int{}
	for _, cl := range cls {
		if cl.Lock == nil {
			continue
		}
		st := cl.Lock.Stats()
		i, ok := index[cl.Class]
		if !ok {
			i = len(out)
			index[cl.Class] = i
			out = append(out, ClassStats{Class: cl.Class, Lock: cl.Name})
		}
		out[i].Stats.Merge(&st)
		if !strings.Contains(","+out[i].Lock+",", ","+cl.Name+",") {
			names := append(strings.Split(out[i].Lock, ","), cl.Name)
			sort.Strings(names)
			out[i].Lock = strings.Join(names, ",")
		}
	}
	return out
}

// waitTimeout waits for wg at most d and reports whether it finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// threadCPU is the calling thread's CPU time in ns.
func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}

// gcCycles reads the runtime's count of completed GC cycles.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// newWorkload builds a case's workload when the Runner has no builder.
func newWorkload(s workloads.Spec) (workloads.Workload, error) { return workloads.New(s) }

// withLabels hands the workers' pprof label context down to the workload
// when labels are on, so that it can add class=<class> around each
// critical section (workloads.Spec.Labels).
func withLabels(ctx context.Context, s workloads.Spec, on bool) workloads.Spec {
	if on {
		s.Labels = ctx
	}
	return s
}
