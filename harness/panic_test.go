package harness

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockbench/lockbench/locks"
)

// panicLock is a mutex with a bug: its nth Lock or TryLock panics before
// taking it (holding false), or its nth Unlock panics leaving it held
// (holding true), as a lock algorithm's index out of range would.
type panicLock struct {
	mu      sync.Mutex
	n       int64
	holding bool
	calls   atomic.Int64
}

type panicHandle struct{ l *panicLock }

var (
	_ locks.Lock   = (*panicLock)(nil)
	_ locks.Handle = panicHandle{}
)

func (l *panicLock) Handle() locks.Handle { return panicHandle{l} }

func (l *panicLock) maybe(at bool) {
	if at == l.holding && l.calls.Add(1) == l.n {
		panic("index out of range [3] with length 3")
	}
}

func (h panicHandle) Lock()         { h.l.maybe(false); h.l.mu.Lock() }
func (h panicHandle) TryLock() bool { h.l.maybe(false); return h.l.mu.TryLock() }
func (h panicHandle) Unlock()       { h.l.maybe(true); h.l.mu.Unlock() }

// A worker's panic ends the run with a *PanicError naming the worker and
// the case, not the process with the runtime's status 2; also when the
// worker died holding the lock and the others wait for it, where the
// panic, not the watchdog, is the cause.
func TestRunWorkerPanic(t *testing.T) {
	for _, holding := range []bool{false, true} {
		name := map[bool]string{false: "before taking the lock", true: "holding the lock"}[holding]
		t.Run(name, func(t *testing.T) {
			r := testRunner()
			r.Grace = 100 * time.Millisecond
			l := &panicLock{n: 5, holding: holding}
			r.NewWorkload = fakeBuilder(func() locks.Lock { return l }, false)
			done := make(chan error, 1)
			go func() {
				_, err := r.Run(context.Background(), testCase(2))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run hung after a worker panicked")
			}
			if holding {
				l.mu.Unlock() // the dead worker's: let the others go
			}
			var pe *PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *PanicError", err)
			}
			if !strings.Contains(err.Error(), "panicked: index out of range") || !strings.Contains(err.Error(), "threads=2") {
				t.Errorf("message %q: want the panic's value and the case", err)
			}
			if len(pe.Stack) == 0 || !strings.Contains(string(pe.Stack), "maybe") {
				t.Errorf("the stack does not show where it panicked:\n%s", pe.Stack)
			}
			waitGoroutines(t)
		})
	}
}
