package harness

import (
	"testing"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// TestCachePerPage: the l1d-misses and llc-misses of a group read are
// written per page, next to cycles and instructions.
func TestCachePerPage(t *testing.T) {
	// A group read scaled as perfevent decodes it (TestDecodeGroupRead):
	// the counts of 4000 pages.
	counters := map[string]float64{schema.CounterCycles: 4e8, schema.CounterInstructions: 8e8, schema.CounterL1DMisses: 4e5, schema.CounterLLCMisses: 4e4, schema.CounterBranchMisses: 4e3}
	res := &Result{Case: Case{Spec: workloads.DefaultSpec}, Pages: 4000, WorkerPages: []uint64{4000}, Counters: counters}
	want := map[string]float64{"cycles/page": 1e5, "instructions/page": 2e5, "l1d-misses/page": 100, "llc-misses/page": 10, "branch-misses/page": 1}
	got := map[string]float64{}
	for _, val := range res.Benchfmt(nil).Values {
		got[val.Unit] = val.Value
	}
	for u, w := range want {
		if got[u] != w {
			t.Errorf("%s = %v, want %v (the scaled count over 4000 pages)", u, got[u], w)
		}
	}
}
