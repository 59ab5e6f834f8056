package harness_test

import (
	"fmt"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/workloads"
)

// A user's own benchmark runs any lockbench case with harness.Benchmark;
// naming it with Case.Sub inside a BenchmarkPageCache function gives the
// name `lockbench run` writes, so benchstat compares the two directly:
//
//	func BenchmarkPageCache(b *testing.B) {
//		for _, mode := range []workloads.Mode{workloads.ModePage, workloads.ModeBatch} {
//			spec := workloads.DefaultSpec
//			spec.Mode, spec.Workers = mode, 2
//			spec = spec.WithDefaults()
//			b.Run(harness.Case{Spec: spec}.Sub(), func(b *testing.B) { harness.Benchmark(b, spec) })
//		}
//	}
func ExampleBenchmark() {
	spec := workloads.DefaultSpec // mode batch, 16-page batches, mutex
	spec.Workers = 1
	spec = spec.WithDefaults()
	res := testing.Benchmark(func(b *testing.B) { harness.Benchmark(b, spec) })
	fmt.Println(harness.Case{Spec: spec}.Sub())
	fmt.Println("ran:", res.N > 0, "acquisitions per page below 1:", res.Extra["acq/page"] < 1)
	// Output:
	// mode=batch/batch=16/lock=mutex/threads=1
	// ran: true acquisitions per page below 1: true
}
