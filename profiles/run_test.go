package profiles

import (
	"context"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lockbench/lockbench/locks"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// spinningLock returns the first registered spinning lock, preferring the
// simplest (test-and-set); "mutex" (which spins before it parks) is the
// fallback while the spinlocks are not registered.
func spinningLock(t *testing.T) (string, locks.Lock) {
	t.Helper()
	for _, name := range []string{"tas", "ttas", "ticket", "mutex"} {
		if info, err := locks.Lookup(name); err == nil {
			return name, info.New()
		}
	}
	t.Fatal("no spinning lock registered")
	return "", nil
}

// countingLock counts the failed TryLocks of its handles. The instrumented
// wrapper calls TryLock once per Lock and counts the acquisition
// contended exactly when it fails, so failed tells the test, while the
// workers run, how many contentions the wrapper has seen.
type countingLock struct {
	inner  locks.Lock
	failed *atomic.Int64
}

func (l countingLock) Handle() locks.Handle {
	return &countingHandle{Handle: l.inner.Handle(), failed: l.failed}
}

type countingHandle struct {
	locks.Handle
	failed *atomic.Int64
}

var _ locks.Handle = (*countingHandle)(nil)

func (h *countingHandle) TryLock() bool {
	ok := h.Handle.TryLock()
	if !ok {
		h.failed.Add(1)
	}
	return ok
}

// testRun is a small model of a workload: one shared "zone" lock that
// every worker takes (contended when there are two), and one private "lru"
// lock per worker (never contended).
type testRun struct {
	lock    string
	workers int
	opts    locks.Options
	// Contentions on the zone lock to wait for (workers > 1); the run
	// also lasts at least minCPU of process CPU time, so that a CPU
	// profile gets samples.
	contentions int64
	minCPU      time.Duration
	// Iterations of each worker when it runs alone.
	iters int
	ctx   context.Context // labels of the workers; nil: none
}

// run runs r and returns one Record per lock instance, labelled as
// the harness would label them.
func (r testRun) run(t *testing.T) []Record {
	t.Helper()
	name, inner := spinningLock(t)
	var failed atomic.Int64
	zone := locks.Instrument(countingLock{inner: inner, failed: &failed}, r.opts)
	lrus := make([]*locks.Instrumented, r.workers)
	for i := range lrus {
		info, err := locks.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		lrus[i] = locks.Instrument(info.New(), r.opts)
	}
	ctx := r.ctx
	if ctx == nil {
		ctx = context.Background()
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	cpu0 := processCPU(t)
	for i := range r.workers {
		zh, lh := zone.Handle(), lrus[i].Handle()
		wg.Add(1)
		go func() {
			defer wg.Done()
			contendedWorker(ctx, zh, lh, &stop, r.iters)
		}()
	}
	if r.workers > 1 {
		deadline := time.Now().Add(20 * time.Second)
		for failed.Load() < r.contentions || processCPU(t)-cpu0 < r.minCPU {
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("%d workers on %s: %d contentions in 20 s, want %d", r.workers, name, failed.Load(), r.contentions)
			}
			time.Sleep(time.Millisecond)
		}
	}
	stop.Store(true)
	wg.Wait()

	c := testCase{lock: name, mode: "page", batch: 16, threads: r.workers}
	zs := zone.Stats()
	recs := []Record{c.record("zone", name, &zs)}
	for _, l := range lrus {
		ls := l.Stats()
		recs = append(recs, c.record("lru", name, &ls))
	}
	return recs
}

// contendedWorker takes the zone lock, then its private lru lock, until
// stop (iters 0) or iters times, with each class's label around its
// critical section. Its name is the workload frame the tests look for.
//
//go:noinline
func contendedWorker(ctx context.Context, zone, lru locks.Handle, stop *atomic.Bool, iters int) {
	pprof.SetGoroutineLabels(ctx)
	zoneCtx, lruCtx := classContext(ctx, "zone"), classContext(ctx, "lru")
	var sink uint64
	for i := 0; iters == 0 || i < iters; i++ {
		if iters == 0 && stop.Load() {
			break
		}
		pprof.SetGoroutineLabels(zoneCtx)
		zone.Lock()
		sink = work(sink, 200)
		zone.Unlock()
		pprof.SetGoroutineLabels(lruCtx)
		lru.Lock()
		sink = work(sink, 20)
		lru.Unlock()
		pprof.SetGoroutineLabels(ctx)
	}
	_ = sink
}

// work stands for a critical section's work.
//
//go:noinline
func work(x uint64, n int) uint64 {
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// processCPU returns the CPU time the process has used.
func processCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
