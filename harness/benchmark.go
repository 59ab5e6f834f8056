package harness

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// Benchmark runs spec inside a Go benchmark with DefaultRunner's
// placement: see Runner.Benchmark.
func Benchmark(b *testing.B, spec workloads.Spec) {
	r := DefaultRunner
	r.Benchmark(b, spec)
}

// Benchmark runs spec inside a Go benchmark, so that a user's own
// `go test -bench` can run any case: b.N pages (cs: critical sections)
// are shared among spec.Workers workers, each on its own locked OS thread
// pinned as r.Affinity says, taken from a shared counter in grains as
// testing.PB does. A worker finishes the step that crosses its share, so
// batched modes may do up to a batch more pages per worker than b.N
// says: ns/op is testing's figure over b.N, ns/page the exact one over
// the pages done. Besides those it reports acq/page, contended/page,
// handoffs/acq and wait-ns/page (without spec.Bare), and fails b if the
// workload's invariants do not hold afterwards. Name the sub-benchmark
// with Case.Sub inside a BenchmarkPageCache (or BenchmarkCS) function so
// that its lines compare with lockbench run's (see ExampleBenchmark). r's
// Duration, Warmup, Counters and Probe are not used: the testing package
// decides how long to run.
func (r *Runner) Benchmark(b *testing.B, spec workloads.Spec) {
	b.Helper()
	wl, err := r.build(spec)
	if err != nil {
		b.Fatalf("building the workload: %v", err)
	}
	workers := wl.Workers()
	n := len(workers)
	if n == 0 {
		b.Fatal("the workload has no workers")
	}
	var cpus []int
	if topo, err := r.Topology(); err == nil {
		cpus, _, _ = r.Place(topo, n)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), n)))

	total := int64(b.N)
	// A grain of about 1% of a worker's share: the shared counter is
	// touched rarely enough to stay out of the measurement.
	grain := min(max(total/int64(100*n), 1), 10000)
	var claimed flag64
	slots := make([]slot, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	done.Add(n)
	for i, w := range workers {
		go func() {
			defer done.Done()
			runtime.LockOSThread() // never unlocked: the pinned thread ends with the goroutine
			if len(cpus) > 0 {
				if err := pin(cpus[i%len(cpus)]); err != nil {
					slots[i].err = err
				}
			}
			ready.Done()
			<-start
			// debt carries a batch's overshoot of one grain into the next,
			// so a worker does its claimed pages to within one step.
			var pages, debt int64
			for {
				end := claimed.Add(grain)
				todo := min(grain, total-(end-grain))
				if todo <= 0 {
					break
				}
				for debt += todo; debt > 0; {
					p := int64(w.Step())
					debt -= p
					pages += p
				}
			}
			slots[i].pages = uint64(pages)
		}()
	}
	ready.Wait()
	for _, cl := range wl.Locks() {
		if cl.Lock != nil {
			cl.Lock.Reset()
		}
	}
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	done.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	for i := range slots {
		if slots[i].err != nil {
			b.Fatalf("pinning worker %d: %v (set Affinity to None)", i, slots[i].err)
		}
	}
	if err := wl.Check(); err != nil {
		b.Fatalf("INVARIANT VIOLATED: %v", err)
	}
	res := Result{Case: Case{Spec: spec}, Wall: elapsed}
	for i := range slots {
		res.Pages += slots[i].pages
	}
	res.Classes = mergeClasses(wl.Locks())
	per := res.Case.Per()
	pages := float64(max(res.Pages, 1))
	b.ReportMetric(float64(elapsed.Nanoseconds())/pages, schema.PerUnit(schema.StemNS, per))
	if len(res.Classes) > 0 {
		t := res.Total()
		b.ReportMetric(float64(t.Acquisitions)/pages, schema.PerUnit(schema.StemAcq, per))
		b.ReportMetric(float64(t.Contended)/pages, schema.PerUnit(schema.StemContended, per))
		if t.Acquisitions > 0 {
			b.ReportMetric(float64(t.Handoffs)/float64(t.Acquisitions), schema.UnitHandoffs)
		}
		b.ReportMetric(float64(t.WaitTotal)/pages, schema.PerUnit(schema.StemWaitNS, per))
	}
}

// flag64 is a counter on its own cache line.
type flag64 struct {
	_ [128]byte
	atomic.Int64
	_ [128]byte
}
