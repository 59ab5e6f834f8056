package locks

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stressLimit bounds every concurrent test; a lock that does not finish in
// time fails the test instead of hanging the binary.
func stressLimit() time.Duration {
	if raceEnabled {
		return 120 * time.Second
	}
	return 30 * time.Second
}

// scaled shrinks iteration counts under -race and -short.
func scaled(n int) int {
	if raceEnabled {
		n /= 4
	}
	if testing.Short() {
		n /= 2
	}
	return max(n, 10)
}

// checker is the critical section of the mutual exclusion tests: a
// non-atomic counter and a holder check. A lock that lets two workers in
// together shows up as a holder seen on entry or changed before exit, or
// as a lost counter update. It is padded so that its line moves only with
// the lock.
type checker struct {
	_      pad
	holder int32
	count  int
	_      pad
}

// enter runs the critical section for worker id (from 1) and returns the
// number of violations it saw. With yield it also gives up the processor
// inside the section, as a preempted holder would: that makes overlapping
// holders overlap in time even on one core, and it tests that waiters
// still progress behind a descheduled holder. It is not inlined and calls
// csWork between the accesses, so the compiler must reload the fields it
// checks.
//
//go:noinline
func (c *checker) enter(id int32, yield bool) (bad int) {
	if c.holder != 0 {
		bad++
	}
	c.holder = id
	v := c.count
	csWork()
	if yield {
		runtime.Gosched()
	}
	c.count = v + 1
	if c.holder != id {
		bad++
	}
	c.holder = 0
	return bad
}

// csWork widens the critical section a little.
//
//go:noinline
func csWork() {
	for range 4 {
		relax()
	}
}

// runWorkers runs one worker per handle, each on its own OS thread, each
// doing iters acquisitions of cs. It fails t if the workers do not finish
// within limit, and then returns without waiting for stuck workers.
func runWorkers(t *testing.T, hs []Handle, iters int, limit time.Duration, cs func(worker int)) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		stop  atomic.Bool
		ready atomic.Int32
		start = make(chan struct{})
	)
	for i, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-start
			// Start together: a worker that ran its whole share before
			// the others' threads woke up would test nothing.
			ready.Add(1)
			for ready.Load() < int32(len(hs)) && !stop.Load() {
				runtime.Gosched()
			}
			for range iters {
				if stop.Load() {
					return
				}
				h.Lock()
				cs(i)
				h.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	close(start)
	select {
	case <-done:
	case <-time.After(limit):
		stop.Store(true)
		t.Errorf("%d workers x %d acquisitions did not finish within %v", len(hs), iters, limit)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("workers still stuck 5s after the stop flag: the lock hangs")
		}
	}
}

// yieldEvery: one critical section in yieldEvery yields (see enter).
const yieldEvery = 16

// handles returns n handles of l.
func handles(l Lock, n int) []Handle {
	hs := make([]Handle, n)
	for i := range hs {
		hs[i] = l.Handle()
	}
	return hs
}

// exclusion runs the checker with n workers on l and returns the
// violations seen and the final count.
func exclusion(t *testing.T, l Lock, n, iters int) (bad, count int) {
	t.Helper()
	var c checker
	type slot struct {
		_   pad
		bad int
		n   int
	}
	slots := make([]slot, n)
	runWorkers(t, handles(l, n), iters, stressLimit(), func(w int) {
		s := &slots[w]
		s.n++
		s.bad += c.enter(int32(w+1), s.n%yieldEvery == 0)
	})
	for _, s := range slots {
		bad += s.bad
	}
	return bad, c.count
}

// waitUntil polls cond until it holds or the limit passes.
func waitUntil(t *testing.T, what string, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(stressLimit())
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting until %s", what)
			return false
		}
		time.Sleep(50 * time.Microsecond)
	}
	return true
}
