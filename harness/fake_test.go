package harness

import (
	"errors"
	"fmt"
	"sync"

	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/workloads"
)

// fakeWorkload is a tiny stand-in for the page-cache model: every step
// takes one lock per page of a batch and increments a shared counter; its
// invariant is that the shared counter equals the sum of the workers'
// private ones, which only holds if the lock excludes.
type fakeWorkload struct {
	lock    *locks.Instrumented
	name    string
	shared  int64
	workers []*fakeWorker
	broken  bool // Check always fails
}

type fakeWorker struct {
	_     [128]byte
	w     *fakeWorkload
	h     locks.Handle
	batch int
	mine  int64
	_     [128]byte
}

func (w *fakeWorker) Step() int {
	w.h.Lock()
	for range w.batch {
		w.w.shared++
	}
	w.h.Unlock()
	w.mine += int64(w.batch)
	return w.batch
}

func (f *fakeWorkload) Workers() []workloads.Worker {
	out := make([]workloads.Worker, len(f.workers))
	for i, w := range f.workers {
		out[i] = w
	}
	return out
}

func (f *fakeWorkload) Locks() []workloads.ClassLock {
	if f.lock == nil {
		return nil
	}
	return []workloads.ClassLock{{Class: workloads.ClassCS, Name: f.name, Lock: f.lock}}
}

func (f *fakeWorkload) Check() error {
	if f.broken {
		return errors.New("page 7 is on two lists")
	}
	var sum int64
	for _, w := range f.workers {
		sum += w.mine
	}
	if sum != f.shared {
		return fmt.Errorf("shared counter %d, workers counted %d", f.shared, sum)
	}
	return nil
}

// fakeBuilder returns a Runner.NewWorkload that builds fake workloads
// whose lock comes from mk (nil: the registry's lock of the spec).
func fakeBuilder(mk func() locks.Lock, broken bool) func(workloads.Spec) (workloads.Workload, error) {
	return func(s workloads.Spec) (workloads.Workload, error) {
		var l locks.Lock
		if mk != nil {
			l = mk()
		} else {
			info, err := locks.Lookup(s.Lock)
			if err != nil {
				return nil, err
			}
			l = info.New()
		}
		f := &fakeWorkload{name: s.Lock, broken: broken}
		var h func() locks.Handle
		if s.Bare {
			h = l.Handle
		} else {
			f.lock = locks.Instrument(l, locks.DefaultOptions)
			h = f.lock.Handle
		}
		b := max(s.Batch, 1)
		if s.Mode == workloads.ModePage {
			b = 1
		}
		for range s.Workers {
			f.workers = append(f.workers, &fakeWorker{w: f, h: h(), batch: b})
		}
		return f, nil
	}
}

// stuckLock never grants the lock to anyone until release is closed: the
// watchdog's test subject. After release it is a plain mutex, so that the
// workers it let go still exclude each other.
type stuckLock struct {
	release chan struct{}
	mu      sync.Mutex
}

type stuckHandle struct{ l *stuckLock }

var (
	_ locks.Lock   = (*stuckLock)(nil)
	_ locks.Handle = stuckHandle{}
)

func (l *stuckLock) Handle() locks.Handle { return stuckHandle{l} }
func (h stuckHandle) Lock()               { <-h.l.release; h.l.mu.Lock() }
func (h stuckHandle) TryLock() bool       { return false }
func (h stuckHandle) Unlock()             { h.l.mu.Unlock() }
