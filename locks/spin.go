package locks

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"time"
)

// Waiting policy shared by the spinning locks.
//
// A spinner that only spins cannot make progress when workers outnumber
// cores: the worker it waits for (the holder, or with a FIFO lock the next
// waiter in line) may not be running, and Go preempts a spinning goroutine
// only every 10 ms. So a wait spins on the relax hint for a bounded budget
// (the lock's Spin), then yields the processor with runtime.Gosched (with
// a worker locked to its OS thread this blocks the thread and lets the
// scheduler run another), and after many yields sleeps for a short,
// growing time so that the OS can run a holder that another process has
// preempted.
//
// A wait that yields or sleeps is no longer the algorithm the lock is
// named after: a FIFO spinlock whose waiter sleeps lets the holder re-take
// the lock, and its result is that of a spin-then-sleep lock. The budget
// therefore depends on whether each worker has a CPU (Spin.Resolve), and
// the instrumented wrapper counts the yields and sleeps (Stats.Yields,
// Stats.Sleeps) so that a result can say when it happened.
//
// The budgets are counts, not times: reading a clock in a spin loop would
// put the vDSO on every waiter's path.
const (
	// yieldBudget is the number of Gosched calls before a wait starts to
	// sleep.
	yieldBudget = 256
	// maxSleep caps the sleep of a very long wait. It bounds the latency
	// a sleeping FIFO waiter adds when its turn comes.
	maxSleep = 100 * time.Microsecond
)

// Spin is a spinning lock's relax budget: the number of relax hints a wait
// spends before it first yields the processor. The zero value is SpinAuto.
type Spin int

// Spin budgets.
const (
	// SpinAuto asks the caller to Resolve the budget from the workers and
	// the CPUs. A lock given SpinAuto unresolved uses SharedSpin.
	SpinAuto Spin = 0
	// SpinForever never yields: pure spinning, the algorithm as written.
	// With more workers than CPUs a waiter may spin for a whole
	// scheduler time slice while the worker it waits for is not running.
	SpinForever Spin = -1
	// SharedSpin is the budget when workers outnumber CPUs: about 128
	// PAUSEs is what sync.Mutex spins (4 x 30) before it parks, and 256
	// leaves room for a short critical section on a remote core.
	SharedSpin Spin = 256
	// DedicatedSpin is the budget when every worker has a CPU of its own.
	// A waiter then never needs the processor back for another worker of
	// the run, so it spins as the algorithm does; the budget only bounds
	// the wait for a holder that another process or the hypervisor has
	// preempted. 65536 PAUSEs take 0.3 to 5 ms (PAUSE costs 5 to 80 ns
	// from one x86 core to another), longer than any critical section of
	// these workloads and about one scheduler time slice.
	DedicatedSpin Spin = 1 << 16
)

// Resolve returns s, or for SpinAuto the budget for workers threads on
// cpus allowed CPUs: DedicatedSpin when workers <= cpus, SharedSpin when
// they are oversubscribed (or cpus is unknown, <= 0).
func (s Spin) Resolve(workers, cpus int) Spin {
	if s != SpinAuto {
		return s
	}
	if cpus > 0 && workers <= cpus {
		return DedicatedSpin
	}
	return SharedSpin
}

// String is the knob's value: "auto", "forever" or the budget.
func (s Spin) String() string {
	switch {
	case s == SpinAuto:
		return "auto"
	case s < 0:
		return "forever"
	}
	return strconv.Itoa(int(s))
}

// MaxSpin is the largest finite budget ParseSpin takes.
const MaxSpin = 1 << 30

// ParseSpin parses a Spin as String writes it: "auto", "forever", or a
// budget between 1 and MaxSpin relax hints.
func ParseSpin(v string) (Spin, error) {
	switch v {
	case "auto":
		return SpinAuto, nil
	case "forever":
		return SpinForever, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxSpin {
		return 0, fmt.Errorf("%q is not a spin budget: want auto, forever or a number of relax hints between 1 and %d", v, MaxSpin)
	}
	return Spin(n), nil
}

// budget is the relax hints a wait may spend before it yields.
func (s Spin) budget() int {
	switch {
	case s < 0:
		return math.MaxInt
	case s == SpinAuto:
		return int(SharedSpin)
	}
	return int(s)
}

// WaitCounts are the times the waits of one worker gave up the processor:
// Yields counts runtime.Gosched calls, Sleeps counts sleeps (and parks, for
// locks that park). A wait that never ran out of its spin budget adds
// nothing.
type WaitCounts struct {
	Yields uint64
	Sleeps uint64
}

// spinner is implemented by the locks whose waits follow the Spin policy.
// setSpin is called at setup, before any Handle is taken.
type spinner interface{ setSpin(Spin) }

// spinPolicy is embedded in the spinning locks, after the lock word's
// padding: it is read only on the slow path, and never written after
// setup, so it may share a line with anything.
type spinPolicy struct{ spin Spin }

func (p *spinPolicy) setSpin(s Spin) { p.spin = s }

// SpinBudget returns the lock's Spin, as NewSpin set it.
func (p *spinPolicy) SpinBudget() Spin { return p.spin }

// wait starts a wait whose yields and sleeps go to c (nil: not counted).
func (p *spinPolicy) wait(c *WaitCounts) spinWait {
	return spinWait{budget: p.spin.budget(), counts: c}
}

// waitCounter is implemented by the Handles of this package that count
// their waits: lockCounted is Lock, with the yields and sleeps of the wait
// added to c, and q.enqueued called exactly once, as soon as the waiter
// holds its place in the lock's order and before it waits: its ticket
// taken (ticket), its node linked behind its predecessor (mcs, clh, the
// queue of qspin), the pending bit set (qspin), or the lock found free. A
// lock with no order (tas, ttas, spinpark) calls it first. Lock itself
// passes a nil c, so a bare lock counts nothing and pays only a nil check
// on the yield path.
//
// The instrumented wrapper does its slow bookkeeping of a contended
// acquisition in enqueued (a stack sample, the wait's start time). Done
// before the waiter has its place, that bookkeeping is a window in which
// the holder releases and re-takes a FIFO lock ahead of the waiter, again
// and again, since the holder's uncontended path reads no clock: the cs
// workload's FIFO locks at 2 threads then handed off on well under half of
// their acquisitions. The order of a FIFO lock must be its arrivals', not
// its instrumentation's.
type waitCounter interface {
	lockCounted(c *WaitCounts, q enqueuer)
}

// An enqueuer is told when a counted wait has its place in the lock's
// order (see waitCounter).
type enqueuer interface{ enqueued() }

// notify calls q.enqueued, if there is a q: the slow paths that a bare
// Lock shares with lockCounted pass nil.
func notify(q enqueuer) {
	if q != nil {
		q.enqueued()
	}
}

// spinWait is the state of one wait, made by spinPolicy.wait. It lives on
// the waiter's stack.
type spinWait struct {
	budget  int         // relax hints before the first yield
	relaxes int         // relax hints spent
	yields  int         // yields (and sleeps) spent
	counts  *WaitCounts // where yields and sleeps are counted; nil for none
}

// pause spends n relax hints while the spin budget lasts, and yields once
// the budget is spent. Callers loop: re-read the lock word, pause.
func (w *spinWait) pause(n int) {
	if w.relaxes < w.budget {
		n = min(n, w.budget-w.relaxes)
		for range n {
			relax()
		}
		w.relaxes += max(n, 1)
		return
	}
	w.yield()
}

// spin is pause(1): one relax hint, or a yield once the budget is spent.
func (w *spinWait) spin() { w.pause(1) }

// yield gives up the processor: Gosched first, then growing sleeps capped
// at maxSleep. It is reached only once the spin budget is spent, so the
// count it keeps costs the spinning path nothing.
func (w *spinWait) yield() {
	w.yields++
	if w.yields <= yieldBudget {
		if w.counts != nil {
			w.counts.Yields++
		}
		runtime.Gosched()
		return
	}
	if w.counts != nil {
		w.counts.Sleeps++
	}
	shift := min(w.yields-yieldBudget, 7) // 1 us << 7 > maxSleep
	time.Sleep(min(time.Microsecond<<shift, maxSleep))
}

// pad is the padding placed around lock words and queue nodes: 128 bytes
// covers both a 64-byte line and the adjacent line that Intel's spatial
// prefetcher pulls in with it.
type pad [128]byte
