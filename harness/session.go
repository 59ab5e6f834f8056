package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/perfevent"
	"github.com/lockbench/lockbench/workloads"
)

// A Session is one repetition of a case held open across measured turns:
// its workload built, one pinned thread per worker, the machine probed,
// the workers warmed up (Runner.Open); then any number of turns, each an
// optional unmeasured re-warm-up and a measured window, with the workers
// parked between turns, blocked, off their CPUs (Turn); then the probe
// again, the counts merged and the invariants checked (Close). The
// Result sums the turns: Wall is their measured time, Pages their pages.
//
// Run is a session of one turn. Sessions of several turns are how `ab`
// interleaves two builds on the same CPUs within one block, turn by turn
// (package ab): the 1-thread speed state of the 2-vCPU VMs lockbench was
// built on changes within milliseconds (an L2-sized chase timed every
// 1 ms: autocorrelation 0.59 at 1 ms, 0.25 at 20 ms, 0.07 at 100 ms), so
// two whole 30 ms slices back to back share little of it, and turns of
// 5 ms share most.
//
// A Session is not safe for concurrent use. After an error, it is closed:
// every later call returns that error.
type Session struct {
	r       *Runner
	ctx     context.Context
	c       Case
	res     *Result
	wl      workloads.Workload
	metered workloads.Metered
	slots   []slot
	next    []chan *phase // per worker, the phase it runs next; closed at the end
	abort   chan struct{}
	aborted bool
	// finished counts the worker goroutines still running; stopped says
	// all of them returned: only then may a workload's memory go (a
	// worker the watchdog gave up on may still be in a step, writing to
	// it).
	finished sync.WaitGroup
	stopped  bool
	phases   int // phases started, warm-up included
	gc0      uint64
	prev     int // GOMAXPROCS before the session
	probe    func() (float64, host.Speed, host.Speed)
	err      error
}

// A phase is one run of every worker, from its start to its stop flag:
// the warm-up, a turn's re-warm-up, or a measured turn.
type phase struct {
	n        int // 0 is the warm-up
	measured bool
	start    chan struct{}
	stop     flag
	done     sync.WaitGroup
	// t0 is when the coordinator released the workers. With selfStop,
	// each worker stops itself once d has passed since t0, reading the
	// clock every selfStopSteps steps.
	t0       time.Time
	d        time.Duration
	selfStop bool
	// from and to are each worker's own start and stop, since t0: the
	// window is the first start to the last stop.
	from, to []time.Duration
}

// selfStopSteps is how many steps a worker that stops itself takes
// between two readings of the clock: about 28 ns a reading on the 2-vCPU
// VM, under 1 ns a step, against 100 ns or more for a step of the
// page-cache model; it stops within 32 steps of the deadline (tens of
// microseconds).
const selfStopSteps = 32

// phaseName names a phase in a *WatchdogError.
func (p *phase) name() string {
	switch {
	case p.measured:
		return "measurement"
	case p.n == 0:
		return "warm-up"
	}
	return "re-warm-up"
}

// MinTurn is the shortest measured turn a Session takes from ab's
// workers: each turn is timed from releasing the parked workers to the
// last one stopped, tens of microseconds of edges on the 2-vCPU VM
// (waking a parked thread), under 2% of 2 ms.
const MinTurn = 2 * time.Millisecond

// Turns is how many turns of about turn a measured window of d is cut
// into: d/turn rounded down, at least 1 (0 turn: 1, the whole window).
func Turns(d, turn time.Duration) int {
	if turn <= 0 {
		return 1
	}
	return max(1, int(d/turn))
}

// ErrTurnsNeedBare is the error of a turn with a re-warm-up in a session
// whose workload counts: instrumented locks or a kernel workload's
// metrics would count the re-warm-ups too (Case.Turnable).
var ErrTurnsNeedBare = errors.New("turns with a re-warm-up need bare locks and a model workload (instrumented locks and kernel metrics would count the re-warm-ups)")

// Turnable reports whether c can run several turns with re-warm-ups in
// one Session: bare locks, and a model rather than the running kernel.
func (c Case) Turnable() bool {
	return c.Spec.Bare && !c.info().Kernel()
}

// Open starts a Session of c: it builds the workload, pins one locked OS
// thread per worker, probes the machine's state and runs the warm-up
// (r.Warmup). sp is the speed probe shared across calls (nil: one of its
// own); it is not safe for concurrent use. The caller must Close the
// session, whatever Turn returned.
func (r *Runner) Open(ctx context.Context, c Case, sp *host.SpeedProbe) (*Session, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r.openSession(ctx, c, sp)
}

func (r *Runner) openSession(ctx context.Context, c Case, sp *host.SpeedProbe) (*Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name(), err)
	}
	topo, err := r.Topology()
	if err != nil {
		return nil, err
	}
	support := r.CounterSupport()

	spec := c.Spec
	// The spin budget depends on whether each worker has a CPU of the
	// ones this process may use (locks.Spin.Resolve).
	spec.Spin = spec.Spin.Resolve(spec.Workers, len(topo.CPUs))
	labels := pprof.Labels(c.Labels()...)
	spec = withLabels(pprof.WithLabels(ctx, labels), spec, r.Labels && r.ClassLabels)
	wl, err := r.build(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: building the workload: %w", c.Name(), err)
	}
	s := &Session{r: r, ctx: ctx, c: c, wl: wl, abort: make(chan struct{}), prev: runtime.GOMAXPROCS(0)}
	s.metered, _ = wl.(workloads.Metered)
	workers := wl.Workers()
	n := len(workers)
	if n == 0 {
		s.release()
		return nil, fmt.Errorf("%s: the workload has no workers", c.Name())
	}

	res := &Result{Case: c, Support: support}
	s.res = res
	order, _, _ := r.Place(topo, n)
	if len(order) > 0 {
		res.CPUs = make([]int, n)
		for i := range res.CPUs {
			res.CPUs[i] = order[i%len(order)]
		}
	}
	if order == nil {
		order = topo.Order(host.None) // the probe's CPUs when workers are not pinned
	}

	// The machine's state where the workers run (package host): the transfer
	// between their own CPUs, and the speed of fixed work on each. The
	// transfer probe needs two Ps to play ping-pong.
	res.NoProbe = r.Probe < 0
	pairs := host.ProbePairs(res.CPUs)
	if res.CPUs == nil && len(order) >= 2 {
		pairs = [][2]int{{order[0], order[1]}} // unpinned workers: the compact order's first two CPUs
	}
	// probe returns the transfer and, before the window, the full speed
	// probe; after it (end), the speed-ns part only, the one a state
	// moved in flight is judged on (Result.Regime): the cache and core
	// chases are records of the start, and walking them again took 5-7
	// ms a CPU on the 2-vCPU VM (their untimed laps come from memory),
	// a third of a 30 ms slice's overhead.
	s.probe = func() (float64, host.Speed, host.Speed) {
		end := s.phases > 0
		if res.NoProbe {
			return 0, host.Speed{}, host.Speed{}
		}
		if r.stateProbe != nil {
			if n >= 2 {
				res.XferPairs = max(len(pairs), 1)
			}
			x, speed := r.stateProbe(res.CPUs, n)
			return x, speed, speed
		}
		if sp == nil {
			sp = host.NewSpeedProbe(0)
		}
		var speed host.Speed
		if end {
			speed = sp.MeasureSpeed(res.CPUs)
		} else {
			speed = sp.Measure(res.CPUs)
		}
		if n < 2 || len(pairs) == 0 {
			return 0, speed, speed // one worker, or one CPU: no line moves between CPUs
		}
		res.XferPairs = len(pairs)
		runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 2))
		budget := r.Probe
		if budget == 0 {
			budget = host.ProbeBudget
		}
		return host.MeasureXfer(pairs, budget), speed, speed
	}
	res.XferNS, res.Speed, _ = s.probe()
	res.GOMAXPROCS = max(s.prev, n)
	runtime.GOMAXPROCS(res.GOMAXPROCS)

	s.slots = make([]slot, n)
	s.next = make([]chan *phase, n)
	var ready sync.WaitGroup
	ready.Add(n)
	s.finished.Add(n)
	open := r.open()
	for i := range workers {
		s.next[i] = make(chan *phase, 1)
		body := s.worker(i, workers[i], open, support, &ready)
		if r.Labels {
			go pprof.Do(ctx, labels, body)
		} else {
			go body(ctx)
		}
	}
	ready.Wait()
	if pe := firstPanic(s.slots); pe != nil {
		return nil, s.fail(pe, true)
	}
	for i := range s.slots {
		if err := s.slots[i].err; err != nil {
			return nil, s.fail(fmt.Errorf("%s: %w", c.Name(), err), true)
		}
	}

	if _, err := s.runPhase(false, r.Warmup, false); err != nil {
		return nil, err
	}
	for _, cl := range wl.Locks() {
		if cl.Lock != nil {
			cl.Lock.Reset()
		}
	}
	if s.metered != nil {
		if err := s.metered.Begin(); err != nil {
			return nil, s.fail(fmt.Errorf("%s: %w", c.Name(), err), true)
		}
	}
	s.gc0 = gcCycles()
	return s, nil
}

// worker is worker i's goroutine: pinned, with its counters open, it
// runs each phase sent to it, until its channel closes or the session
// aborts.
func (s *Session) worker(i int, w workloads.Worker, open PerfEventOpenFunc, support CounterSupport, ready *sync.WaitGroup) func(context.Context) {
	r, c, sl := s.r, s.c, &s.slots[i]
	return func(context.Context) {
		defer s.finished.Done()
		readied := false
		var cur *phase
		defer func() {
			// A panic ends this worker, not the process: it owes the
			// barrier or the phase it has not passed, and the session
			// reports it.
			p := recover()
			if p == nil {
				return
			}
			sl.panicked.Store(&PanicError{Case: c, Worker: i, Value: p, Stack: debug.Stack()})
			if !readied {
				ready.Done()
			}
			if cur != nil && int(sl.phases.Load()) <= cur.n {
				sl.phases.Store(int32(cur.n + 1))
				cur.done.Done()
			}
		}()
		// Never unlocked: when the goroutine ends its pinned thread
		// ends too, so no other goroutine inherits its affinity.
		runtime.LockOSThread()
		var tc *perfevent.Thread
		if s.res.CPUs != nil {
			if err := host.Pin(s.res.CPUs[i]); err != nil {
				// A FieldError: the placement cannot be had here, and
				// affinity none leaves it to the scheduler.
				sl.err = &FieldError{Field: FieldAffinity, Value: string(r.Affinity),
					Err: fmt.Errorf("pinning worker %d to CPU %d: %w", i, s.res.CPUs[i], err)}
			}
		}
		if sl.err == nil && (support.Hardware || support.Software) {
			tc, sl.err = perfevent.OpenThread(open, support)
		}
		if tc != nil {
			defer tc.Close()
		}
		readied = true
		ready.Done()
		for {
			var ph *phase
			select {
			case ph = <-s.next[i]:
			case <-s.abort:
				return
			}
			if ph == nil {
				return // the session closed
			}
			cur = ph
			select {
			case <-ph.start:
			case <-s.abort:
				return
			}
			var cpu0, runq0 int64
			if ph.measured {
				runq0 = r.runqDelay()
				if tc != nil {
					// Enable resets the counts: Read adds each turn's.
					if err := tc.Enable(); err != nil && sl.err == nil {
						sl.err = err
					}
				}
				cpu0 = threadCPU()
			}
			// At least one step per phase, even if the worker's thread
			// was scheduled only after the stop (a loaded machine).
			ph.from[i] = time.Since(ph.t0)
			var pages uint64
			if ph.selfStop {
				for steps := 1; ; steps++ {
					pages += uint64(w.Step())
					if ph.stop.Load() || steps%selfStopSteps == 0 && time.Since(ph.t0) >= ph.d {
						break
					}
				}
			} else {
				for {
					pages += uint64(w.Step())
					if ph.stop.Load() {
						break
					}
				}
			}
			ph.to[i] = time.Since(ph.t0)
			if ph.measured {
				sl.cpu += threadCPU() - cpu0
				if runq1 := r.runqDelay(); runq0 >= 0 && runq1 >= runq0 && sl.runq >= 0 {
					sl.runq += runq1 - runq0
				} else {
					sl.runq = -1
				}
				sl.pages += pages
				if tc != nil {
					if sl.counters == nil {
						sl.counters = map[string]float64{}
					}
					if err := tc.Read(sl.counters); err != nil && sl.err == nil {
						sl.err = err
					}
				}
			}
			sl.phases.Store(int32(ph.n + 1))
			ph.done.Done()
		}
	}
}

// Turn runs one turn: an unmeasured re-warm-up of rewarm (none for 0),
// then a measured window of d. The re-warm-up brings back into the
// caches what another process on the same CPUs took between turns; it
// needs a Turnable case (ErrTurnsNeedBare). A cancelled ctx of Open
// abandons the case.
//
// In a turn the workers stop themselves at the turn's end (see
// selfStopSteps), and do not wait for the coordinator's timer: when the
// workers hold every P (2 workers, GOMAXPROCS 2), that timer fires only
// when the runtime preempts one of them, up to 10 ms late, and 2-thread
// turns of 1 + 5 ms took 7-13 ms on the 2-vCPU VM.
func (s *Session) Turn(rewarm, d time.Duration) error {
	return s.turn(rewarm, d, true)
}

func (s *Session) turn(rewarm, d time.Duration, selfStop bool) error {
	if s.err != nil {
		return s.err
	}
	if rewarm > 0 {
		if !s.c.Turnable() {
			return s.fail(fmt.Errorf("%s: %w", s.c.Name(), ErrTurnsNeedBare), true)
		}
		if _, err := s.runPhase(false, rewarm, selfStop); err != nil {
			return err
		}
	}
	wall, err := s.runPhase(true, d, selfStop)
	if err != nil {
		return err
	}
	s.res.Wall += wall
	s.res.Turns++
	return nil
}

// runPhase releases the workers into a new phase, stops them after d (or
// when the context ends) and waits for them with the watchdog's grace.
// Every error closes the session.
func (s *Session) runPhase(measured bool, d time.Duration, selfStop bool) (time.Duration, error) {
	n := len(s.slots)
	ph := &phase{n: s.phases, measured: measured, start: make(chan struct{}), d: d, selfStop: selfStop,
		from: make([]time.Duration, n), to: make([]time.Duration, n)}
	s.phases++
	ph.done.Add(n)
	ph.t0 = time.Now()
	for _, ch := range s.next {
		ch <- ph // buffered: every worker took the last phase and finished it
	}
	close(ph.start)
	timer := time.NewTimer(d)
	var cancelled error
	select {
	case <-timer.C:
	case <-s.ctx.Done():
		timer.Stop()
		cancelled = s.ctx.Err()
	}
	ph.stop.Store(true)
	if !waitTimeout(&ph.done, s.r.Grace) {
		// Re-check before failing: the timer and the last worker's
		// done flag can race, and an empty list is no hang.
		var stuck []int
		for i := range s.slots {
			if int(s.slots[i].phases.Load()) <= ph.n {
				stuck = append(stuck, i)
			}
		}
		if pe := firstPanic(s.slots); pe != nil {
			// The panic is the cause: a worker that died holding a
			// lock leaves the others waiting for it.
			return 0, s.fail(pe, false)
		}
		if len(stuck) > 0 {
			// Workers that do stop later leave at once; the session
			// does not wait for the rest.
			return 0, s.fail(&WatchdogError{Case: s.c, Phase: ph.name(), Workers: stuck, Grace: s.r.Grace}, false)
		}
		ph.done.Wait() // every worker is past its done flag
	}
	// The workers' window: the first one's start to the last one's stop,
	// without the coordinator's own latencies around it.
	wall := slices.Max(ph.to) - slices.Min(ph.from)
	if pe := firstPanic(s.slots); pe != nil {
		return 0, s.fail(pe, true)
	}
	if cancelled != nil {
		return 0, s.fail(fmt.Errorf("%s: abandoned: %w", s.c.Name(), cancelled), true)
	}
	return wall, nil
}

// fail closes the session with err: it aborts the workers, waits for them
// when wait is set (not after the watchdog gave up on some), and returns
// err, which every later call returns too.
func (s *Session) fail(err error, wait bool) error {
	if s.err != nil {
		return s.err
	}
	s.err = err
	if !s.aborted {
		s.aborted = true
		close(s.abort)
	}
	if wait {
		s.finished.Wait()
		s.stopped = true
	}
	s.release()
	return err
}

// Abort ends a session that will not be closed (another session of its
// block failed): its workers return, and nothing is measured. It is a
// no-op on a session that failed or closed.
func (s *Session) Abort() {
	if s.err == nil {
		s.fail(errors.New("harness: session aborted"), true)
	}
}

// release gives back what the session holds: the workload's memory, once
// every worker has returned, and GOMAXPROCS.
func (s *Session) release() {
	if cl, ok := s.wl.(io.Closer); ok && (s.stopped || s.slots == nil) {
		// A kernel workload holds mappings and a file the garbage
		// collector does not free; left open after a watchdog.
		cl.Close()
	}
	runtime.GOMAXPROCS(s.prev)
}

// Close ends the session: the workers return, the machine is probed
// again, and the Result sums the turns. An InvariantError comes with the
// Result; any other error without. A session that failed returns its
// error.
func (s *Session) Close() (*Result, error) {
	if s.err != nil {
		return nil, s.err
	}
	res := s.res
	res.GCCycles = gcCycles() - s.gc0
	for _, ch := range s.next {
		close(ch)
	}
	s.finished.Wait()
	s.stopped = true
	s.err = errors.New("harness: session already closed")
	defer s.release()
	if s.metered != nil {
		var err error
		if res.Metrics, err = s.metered.End(); err != nil {
			return nil, fmt.Errorf("%s: %w", s.c.Name(), err)
		}
	}
	// Probed again after the window, once every worker's thread is gone
	// (the slice's state settled), and never reused as the next slice's
	// start: a state that changed in flight shows as two values
	// (Result.Regime).
	res.XferEndNS, _, res.SpeedEnd = s.probe()
	n := len(s.slots)
	if !res.NoProbe && n == 1 && s.c.Spec.Lock == FloorLock {
		res.DispatchNS = probeDispatch(res.CPUs)
	}

	res.WorkerPages = make([]uint64, n)
	res.RunqNS = runqMean(s.slots)
	for i := range s.slots {
		sl := &s.slots[i]
		if sl.err != nil {
			return nil, fmt.Errorf("%s: worker %d: %w", s.c.Name(), i, sl.err)
		}
		res.WorkerPages[i] = sl.pages
		res.Pages += sl.pages
		res.CPU += time.Duration(sl.cpu)
		if sl.counters != nil {
			if res.Counters == nil {
				res.Counters = map[string]float64{}
			}
			for k, v := range sl.counters {
				res.Counters[k] += v
			}
		}
	}
	res.Classes = mergeClasses(s.wl.Locks())

	if err := s.wl.Check(); err != nil {
		return res, &InvariantError{Case: s.c, Err: err}
	}
	return res, nil
}
