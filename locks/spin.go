package locks

import (
	"runtime"
	"time"
)

// Waiting policy shared by the spinning locks.
//
// A spinner that only spins cannot make progress when workers outnumber
// cores: the worker it waits for (the holder, or with a FIFO lock the next
// waiter in line) may not be running, and Go preempts a spinning goroutine
// only every 10 ms. So a wait spins on the relax hint for a bounded budget,
// then yields the processor with runtime.Gosched (with a worker locked to
// its OS thread this blocks the thread and lets the scheduler run another),
// and after many yields sleeps for a short, growing time so that the OS
// can run a holder that another process has preempted.
//
// The budgets are counts, not times: reading a clock in a spin loop would
// put the vDSO on every waiter's path.
const (
	// spinBudget is the number of relax hints a wait spends before it
	// first yields: about 128 PAUSEs is what sync.Mutex spins (4 x 30)
	// before it parks, and 256 leaves room for a short critical section
	// on a remote core.
	spinBudget = 256
	// yieldBudget is the number of Gosched calls before a wait starts to
	// sleep.
	yieldBudget = 256
	// maxSleep caps the sleep of a very long wait. It bounds the latency
	// a sleeping FIFO waiter adds when its turn comes.
	maxSleep = 100 * time.Microsecond
)

// spinWait is the state of one wait; the zero value starts a new wait.
// It lives on the waiter's stack.
type spinWait struct {
	relaxes int // relax hints spent
	yields  int // yields (and sleeps) spent
}

// pause spends n relax hints while the spin budget lasts, and yields once
// the budget is spent. Callers loop: re-read the lock word, pause.
func (w *spinWait) pause(n int) {
	if w.relaxes < spinBudget {
		n = min(n, spinBudget-w.relaxes)
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
// at maxSleep.
func (w *spinWait) yield() {
	w.yields++
	if w.yields <= yieldBudget {
		runtime.Gosched()
		return
	}
	shift := min(w.yields-yieldBudget, 7) // 1 us << 7 > maxSleep
	time.Sleep(min(time.Microsecond<<shift, maxSleep))
}

// pad is the padding placed around lock words and queue nodes: 128 bytes
// covers both a 64-byte line and the adjacent line that Intel's spatial
// prefetcher pulls in with it.
type pad [128]byte
