package harness

import (
	"testing"

	"github.com/lockbench/lockbench/workloads"
)

func TestBenchmarkFake(t *testing.T) {
	r := DefaultRunner
	r.NewWorkload = fakeBuilder(nil, false)
	spec := workloads.Spec{Workload: workloads.PageCache, Lock: "mutex", Mode: workloads.ModeBatch, Batch: 4, Workers: 2}
	res := testing.Benchmark(func(b *testing.B) { r.Benchmark(b, spec) })
	if res.N == 0 {
		t.Fatal("benchmark did not run")
	}
	for _, u := range []string{"ns/page", "acq/page", "contended/page", "handoffs/acq", "wait-ns/page"} {
		if _, ok := res.Extra[u]; !ok {
			t.Errorf("no %s in %v", u, res.Extra)
		}
	}
	if got := res.Extra["acq/page"]; got < 0.24 || got > 0.26 {
		t.Errorf("acq/page = %v, want 0.25 (one acquisition per 4-page batch)", got)
	}
}
