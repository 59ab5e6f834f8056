package workloads

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mustNew builds s or fails the test.
func mustNew(t testing.TB, s Spec) Workload {
	t.Helper()
	wl, err := New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return wl
}

// runWorkers runs every worker of wl on its own goroutine locked to an OS
// thread, each taking steps steps after a common start, and returns the
// pages processed. A panicking worker (possible only with a lock that does
// not exclude) is reported as an error rather than crashing the test.
func runWorkers(wl Workload, steps int) (pages int, err error) {
	return runWorkersOpt(wl, steps, true)
}

// runWorkersOpt is runWorkers with a choice of locking each worker to
// its OS thread.
func runWorkersOpt(wl Workload, steps int, lockThread bool) (pages int, err error) {
	ws := wl.Workers()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		errs  []error
	)
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if lockThread {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
			}
			n := 0
			defer func() {
				r := recover()
				mu.Lock()
				defer mu.Unlock()
				pages += n
				if r != nil {
					errs = append(errs, fmt.Errorf("worker %d panicked: %v", i, r))
				}
			}()
			<-start
			for range steps {
				n += w.Step()
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		return pages, errs[0]
	}
	return pages, nil
}

// classAcquisitions sums the acquisitions of every lock of class c.
func classAcquisitions(wl Workload, c Class) uint64 {
	var n uint64
	for _, l := range wl.Locks() {
		if l.Class == c {
			n += l.Lock.Stats().Acquisitions
		}
	}
	return n
}

func resetLocks(wl Workload) {
	for _, l := range wl.Locks() {
		l.Lock.Reset()
	}
}
