package harness_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/workloads"
)

// The closing-note benchmarks. Compare them with `lockbench run` lines of
// the same name (see the package README / report for the commands).

func pageSpec(mode workloads.Mode, workers int, bare bool) workloads.Spec {
	s := workloads.DefaultSpec
	s.Mode, s.Workers, s.Bare = mode, workers, bare
	return s.WithDefaults()
}

// BenchmarkPageCache is the plain `go test -bench` loop over one worker's
// Step, mode page, mutex, 1 thread: no pinning, no barrier, no probe. Its
// name equals lockbench run's, so
//
//	benchstat plain.txt run/results.txt
//
// shows the harness overhead on ns/page.
func BenchmarkPageCache(b *testing.B) {
	spec := pageSpec(workloads.ModePage, 1, false)
	b.Run(harness.Case{Spec: spec}.Sub(), func(b *testing.B) {
		wl, err := workloads.New(spec)
		if err != nil {
			b.Fatal(err)
		}
		w := wl.Workers()[0]
		for _, cl := range wl.Locks() {
			if cl.Lock != nil {
				cl.Lock.Reset()
			}
		}
		b.ResetTimer()
		start := time.Now()
		pages := 0
		for pages < b.N {
			pages += w.Step()
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(elapsed.Nanoseconds())/float64(pages), "ns/page")
		if err := wl.Check(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkHarness runs the same case through harness.Benchmark (pinned
// thread, shared grain counter), instrumented and bare:
// `benchstat -col /bare` shows the instrumentation's cost in-process.
func BenchmarkHarness(b *testing.B) {
	for _, bare := range []bool{false, true} {
		spec := pageSpec(workloads.ModePage, 1, bare)
		b.Run(fmt.Sprintf("bare=%t", bare), func(b *testing.B) { harness.Benchmark(b, spec) })
	}
}

// BenchmarkRunnerRun measures one repetition of Runner.Run end to end
// (build, probe, warm-up, measurement, check) for a 10 ms window: the
// fixed cost per repetition that bounds the default run's wall time.
func BenchmarkRunnerRun(b *testing.B) {
	r := harness.DefaultRunner
	r.Duration, r.Warmup = 10*time.Millisecond, time.Millisecond
	c := harness.Case{Spec: pageSpec(workloads.ModeBatch, 2, false)}
	for b.Loop() {
		if _, err := r.Run(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
}
