package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/perfevent"
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
	// Turn, when positive, is about how long a turn of a paired block's
	// timed slices is (Plan.Order Paired, bare locks, a model workload,
	// one thread: see Sweep.inTurns):
	// the block's slices are all opened (built, probed, warmed up), then
	// measured in Duration/Turn turns each, in a rotation that reverses
	// every turn (ABC CBA ABC ...), each turn after Rewarm unmeasured,
	// and closed (Session). 0 runs them whole, back to back. See
	// DefaultRunner for why.
	Turn, Rewarm time.Duration
	Affinity     host.Affinity // whether and how workers are pinned
	// Placement picks the CPUs of pinned workers (Affinity host.Pinned) from
	// the topology; "" is host.Topology.DefaultPlacement of the largest case
	// (a Sweep's plan, or the one case Run runs). Validate refuses one set
	// with another Affinity (FieldPlacement).
	Placement host.Placement
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
	// ClassLabels (with Labels; Validate refuses it without:
	// FieldClassLabels) also labels each lock class's critical section
	// class=<class>. It is off by default because it is not free:
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
	// RunqDelay reads the calling thread's run-queue delay so far, in ns
	// (the second field of /proc/thread-self/schedstat), or -1. Nil
	// means that file; tests inject readings. Workers call it on their
	// own threads at the edges of the measured window, never inside it.
	RunqDelay func() int64
	// stateProbe, when set, stands in for the state probes (tests script
	// the machine's states with it): it is called before and after each
	// window with the workers' CPUs and count.
	stateProbe func(cpus []int, workers int) (xferNS float64, speed host.Speed)
	// Machine names the machine in the results (config key machine), so
	// that merged results of several machines can be told apart; "" means
	// the name host.ReadMachine derives (host.Machine.Name). Letters, digits, '.',
	// '_' and '-'.
	Machine string
	// RunID names the sweep this run is a part of, the same for every
	// shard on every machine: the time the sweep was submitted, or a CI
	// run's ID. The run line (schema.ConfRun) is the plan's ID, '-' and
	// RunID; "" writes no run line, and merge then cannot tell a shard
	// left from an earlier sweep of the same plan. Letters, digits, '.',
	// '_' and '-', at most 64.
	RunID string
	// Node names the host the run is on (schema.ConfNode): a Kubernetes
	// pod's spec.nodeName, which the pod's own host name is not; "" means
	// the kernel's host name (host.Machine.Node).
	Node string
	// Started is when the run started (schema.ConfStarted); zero means
	// the time NewSweep is called.
	Started time.Time
}

// DefaultRunner is a Runner with the defaults of `lockbench run`, which
// takes its flags' defaults from it (see DefaultPlan for what they cost).
var DefaultRunner = Runner{
	// Short slices, so that the default run's budget holds many paired
	// blocks: 41 blocks of 5 slices in 40 s at 60+20 ms, 18 at 200+50 ms
	// (measured on a 2-vCPU VM under a load average of 12).
	Duration: 60 * time.Millisecond,
	Warmup:   20 * time.Millisecond,
	// Turns of 5 ms after 1 ms of re-warm-up: the 1-thread state of the
	// 2-vCPU VM (the host's SMT sibling of the vCPU) moves within
	// milliseconds (a 1 ms chunk's ns/page of the model at one thread:
	// autocorrelation 0.61 at 1 ms, 0.32 at 5 ms, 0.19 at 50 ms), so two
	// whole slices back to back share little of it. In ab's A/A blocks,
	// turns cut the spread of the paired log ratios about 3x (docs/ab.md).
	Turn:     5 * time.Millisecond,
	Rewarm:   time.Millisecond,
	Affinity: host.Pinned,
	Grace:    2 * time.Second,
	Counters: true,
	Probe:    host.ProbeBudget,
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
	case r.Turn < 0 || r.Turn > 0 && r.Turn < MinTurn:
		return &FieldError{Field: FieldTurn, Value: r.Turn.String(), Err: fmt.Errorf("want 0 (whole slices) or at least %v", MinTurn)}
	case r.Rewarm < 0:
		return &FieldError{Field: FieldRewarm, Value: r.Rewarm.String(), Err: errors.New("must not be negative")}
	case r.Grace <= 0:
		return &FieldError{Field: FieldGrace, Value: r.Grace.String(), Err: errors.New("must be positive")}
	case r.Grace < MinGrace:
		return &FieldError{Field: FieldGrace, Value: r.Grace.String(), Err: fmt.Errorf("too short to tell a hung lock from a busy machine: the minimum is %v", MinGrace)}
	}
	if _, err := host.ParseAffinity(string(r.Affinity)); err != nil {
		return &FieldError{Field: FieldAffinity, Err: err}
	}
	if _, err := host.ParsePlacement(string(r.Placement)); err != nil {
		return &FieldError{Field: FieldPlacement, Err: err}
	}
	if r.Placement != "" && r.Affinity != host.Pinned {
		// Unpinned workers have no CPUs to pick: a placement would be
		// written to the results and silently not used.
		return &FieldError{Field: FieldPlacement, Value: string(r.Placement), Err: fmt.Errorf("picks the CPUs of pinned workers: it needs affinity %s, not %s", host.Pinned, r.Affinity)}
	}
	if r.ClassLabels && !r.Labels {
		return &FieldError{Field: FieldClassLabels, Err: errors.New("labels the lock classes in the CPU profile, and needs profiling")}
	}
	if err := validMachine(r.Machine); err != nil {
		return err
	}
	if err := validWord(FieldRunID, r.RunID, 64); err != nil {
		return err
	}
	return validWord(FieldNode, r.Node, 253)
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
func (r *Runner) Topology() (host.Topology, error) { return hostTopology(r.Sysfs) }

// Place returns the CPUs workers take on topo (worker i on cpus[i %
// len]), nil when they are not pinned (Affinity None), and the placement
// that picked them: r.Placement, or, when that is "", topo's default for
// threads workers, with why it was chosen. host.Compact and host.Spread keep their
// own orders and name no placement.
func (r *Runner) Place(topo host.Topology, threads int) (cpus []int, p host.Placement, why string) {
	switch r.Affinity {
	case host.None:
		return nil, "", ""
	case host.Compact, host.Spread:
		return topo.Order(r.Affinity), "", ""
	}
	p = r.Placement
	if p == "" {
		p, why = topo.DefaultPlacement(threads)
	}
	return topo.Place(p), p, why
}

// hostTopology reads the CPU topology under sysfs, "" meaning "/sys".
// With the real sysfs ("") it keeps the CPUs this process may run on
// (sched_getaffinity): in a container with a cpuset (a Kubernetes pod
// under the static CPU manager) sysfs lists the node's CPUs, and pinning
// a thread to one outside the cpuset fails. Another sysfs root describes
// another machine, which the process's mask says nothing about.
func hostTopology(sysfs string) (host.Topology, error) {
	if sysfs != "" {
		return host.ReadTopology(sysfs)
	}
	t, err := host.ReadTopology("/sys")
	if err != nil {
		return t, err
	}
	if allowed, err := host.AllowedCPUs(); err == nil {
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
	return perfevent.Probe(r.open())
}

// A Result is what one repetition of a case measured.
type Result struct {
	// Case, Classes and Support are left out of the JSON a block process
	// sends (BlockReply): the parent has the case, and bare locks on a
	// model have no classes.
	Case       Case  `json:"-"`
	GOMAXPROCS int   // during the measured window: the name's -N suffix
	CPUs       []int // CPU of each worker; nil with affinity none

	Wall        time.Duration // measured window, first worker started to last worker stopped (summed over turns)
	Turns       int           // measured turns of the window (Session): 1 for a whole slice, more in an interleaved block (ab's; run's at one thread)
	CPU         time.Duration // workers' thread CPU time in the window
	Pages       uint64        // pages (cs: critical sections) of all workers
	WorkerPages []uint64      // per worker, index i is worker i
	// XferNS is the one-way cache-line transfer between the workers' own
	// CPUs (the mean over host.ProbePairs), before the window; 0 if not probed
	// (one worker, or no round finished). XferEndNS is the same after it.
	XferNS, XferEndNS float64
	// XferPairs is how many CPU pairs the transfer probe measured: 0 for
	// one worker, or workers that share one CPU (a 1-CPU machine), whose
	// repetition then has no transfer to probe rather than an unknown one.
	XferPairs int
	// Speed and SpeedEnd time fixed single-core work on the workers' CPUs
	// before and after the window (host.SpeedProbe); zero if not probed.
	Speed, SpeedEnd host.Speed
	// NoProbe says the runner did not probe (Runner.Probe negative): the
	// repetition has no state, rather than an unknown one.
	NoProbe  bool
	GCCycles uint64 // Go GC cycles completed during the window
	// RunqNS is the time a worker's thread waited in the run queue in the
	// window, runnable but not running, averaged over workers
	// (schema.UnitRunq); -1 when the kernel does not say (no schedstat).
	// On CPUs of their own the workers wait next to nothing; another
	// process on them (a second lockbench, a CI job) shows here. See
	// Disturbed.
	RunqNS float64
	// DispatchNS is, for the lock-free floor at one thread, what one
	// lock+unlock costs through locks.Handle beyond direct calls
	// (DispatchProbe), probed on the worker's CPU after the window
	// (schema.UnitDispatch); 0 for every other case, or unprobed.
	DispatchNS float64

	// Classes holds each lock class's merged counts over the window (with
	// stack Samples, for the profiles package); empty when bare.
	Classes []ClassStats `json:"-"`
	// Counters are the perf counters summed over workers and scaled, by
	// unit name (cycles, instructions, ctx-switches, ...); nil if none.
	Counters map[string]float64
	// Support is what counters the run could open.
	Support CounterSupport `json:"-"`
	// Metrics are what a kernel workload measured of the kernel in the
	// window (workloads.Metered): folio-pages, faults/page.
	Metrics []workloads.Metric
}

// Regime is the name key schema.KeyRegime the harness writes:
// schema.RegimeSwitched when a probe moved in flight by its state factor
// (the speed of fixed work on the workers' CPUs by schema.SpeedFactor, in
// every case; the transfer between them by schema.XferMoved, in a
// contended one), schema.RegimeUnprobed for a contended repetition whose
// transfer probe never finished (a machine too busy to run both probe
// threads at once), and "" otherwise: the state of a steady repetition
// is labelled by the readers, from the clusters of every line's probes
// (schema.States), not from bands fixed here. A runner that does not
// probe (NoProbe) writes no regime.
//
// A repetition measured in turns is switched by its speed like a whole
// one, though its block's slices took turns through the same change:
// the readers cluster 1-thread lines by speed-ns (schema.States), and
// without the mark a block whose speed moved joined the other state.
// Three runs of `run --locks mutex,mcs --modes page,batch --threads 1,2`
// that kept such slices split a 1-thread headline into speed-160ns and
// speed-200ns in one run (4 blocks and none: no headline), where the
// mark loses a slice of some blocks (a lock part from 5 blocks of 6).
func (r *Result) Regime() string {
	if r.NoProbe {
		return ""
	}
	contended := r.Case.Spec.Workers >= 2
	switch {
	case schema.Moved(r.Speed.NS, r.SpeedEnd.NS, schema.SpeedFactor),
		contended && schema.Moved(r.XferNS, r.XferEndNS, schema.XferMoved):
		return schema.RegimeSwitched
	case contended && r.XferPairs > 0 && r.XferNS <= 0 && r.XferEndNS <= 0:
		return schema.RegimeUnprobed
	}
	return ""
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

// A PanicError is a worker that panicked: a bug in a lock or a workload
// (a nil map, an index out of range), not the user's input. The worker's
// goroutine recovers it, so that the run ends with this error (lockbench
// exits 70) instead of the process dying with the runtime's status 2.
type PanicError struct {
	Case   Case
	Worker int
	Value  any    // what was passed to panic
	Stack  []byte // the worker's stack where it panicked
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("%s: worker %d panicked: %v", e.Case.Name(), e.Worker, e.Value)
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
	pages    uint64 // summed over the measured turns, like cpu, runq and counters
	cpu      int64  // ns of thread CPU time in the window
	runq     int64  // ns the thread waited runnable in the window; -1 unread
	counters map[string]float64
	err      error
	phases   atomic.Int32 // phases the worker finished: it is past phase i when phases > i
	// panicked is the worker's recovered panic: set before it marks its
	// phase done, read by the watchdog, which may give up waiting.
	panicked atomic.Pointer[PanicError]
	_        [128]byte
}

// flag is a stop flag on its own cache line: workers read it once per
// step; the coordinator writes it once.
type flag struct {
	_ [128]byte
	atomic.Bool
	_ [128]byte
}

// Run runs one repetition of c: build the workload, pin one locked OS
// thread per worker, probe the machine's state, warm up, reset the locks' counts,
// measure for r.Duration, merge, and check the workload's invariants. A
// cancelled ctx abandons the case and returns an error wrapping ctx.Err().
// A worker that does not stop in time returns a *WatchdogError, a failed
// invariant an *InvariantError; an invalid r, Validate's *FieldError.
//
// Run builds a speed probe of its own for each call; a caller that runs
// many repetitions, as a sweep or a paired run's worker does, shares one
// with RunProbed, so that every probe reads its chase in the same state.
func (r *Runner) Run(ctx context.Context, c Case) (*Result, error) {
	return r.RunProbed(ctx, c, nil)
}

// RunProbed is Run with the speed probe sp shared across calls (nil: one
// of its own). sp is not safe for concurrent use.
func (r *Runner) RunProbed(ctx context.Context, c Case, sp *host.SpeedProbe) (*Result, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r.run(ctx, c, sp)
}

// run is Run of a validated r (a Sweep validates its runner once, in
// NewSweep), with the speed probe of a sweep (nil: one of its own): one
// session of one measured turn.
func (r *Runner) run(ctx context.Context, c Case, sp *host.SpeedProbe) (*Result, error) {
	s, err := r.openSession(ctx, c, sp)
	if err != nil {
		return nil, err
	}
	if err := s.turn(0, r.Duration, false); err != nil {
		return nil, err
	}
	return s.Close()
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

func (r *Runner) runqDelay() int64 {
	if r.RunqDelay != nil {
		return r.RunqDelay()
	}
	return schedstatRunq()
}

// schedstatRunq reads the calling thread's run-queue delay in ns from
// /proc/thread-self/schedstat ("cpu_ns runq_ns slices"), or -1.
func schedstatRunq() int64 {
	b, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	v, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || v < 0 {
		return -1
	}
	return v
}

// runqMean is the workers' mean run-queue delay, or -1 when a worker's
// could not be read.
func runqMean(slots []slot) float64 {
	var sum int64
	for i := range slots {
		if slots[i].runq < 0 {
			return -1
		}
		sum += slots[i].runq
	}
	return float64(sum) / float64(len(slots))
}

// Disturbed reports whether the workers waited for their CPUs over
// schema.DisturbedShare of the window (5%; pinned workers on CPUs of
// their own wait well under 1%, a second process on the same CPUs makes
// them wait tens of percent): something else ran there, and the
// repetition measured it too.
//
// Workers that outnumber their CPUs (an oversubscribed case) wait for
// each other; only the wait beyond that share counts.
func (r *Result) Disturbed() bool {
	cpus := 0 // unpinned: no CPUs to count, none oversubscribed
	if r.CPUs != nil {
		distinct := map[int]bool{}
		for _, c := range r.CPUs {
			distinct[c] = true
		}
		cpus = len(distinct)
	}
	return schema.Disturbed(r.RunqNS, r.Wall, r.Case.Spec.Workers, cpus)
}

// firstPanic is the panic of the first worker that panicked, or nil.
func firstPanic(slots []slot) *PanicError {
	for i := range slots {
		if pe := slots[i].panicked.Load(); pe != nil {
			return pe
		}
	}
	return nil
}

// probeDispatch runs DispatchProbe on a thread of its own, pinned to the
// first of cpus (nil: unpinned), so that it measures the worker's CPU; the
// thread ends with its goroutine, and nobody inherits its pinning. A pin
// that fails leaves the probe unmeasured (0).
func probeDispatch(cpus []int) float64 {
	done := make(chan float64, 1)
	go func() {
		runtime.LockOSThread()
		if len(cpus) > 0 {
			if err := host.Pin(cpus[0]); err != nil {
				done <- 0
				return
			}
		}
		done <- DispatchProbe(3)
	}()
	return <-done
}
