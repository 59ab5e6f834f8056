package render

import (
	"slices"
	"testing"

	"github.com/lockbench/lockbench/reports/cases"
	"golang.org/x/perf/benchfmt"
)

// TestCountersTableFootprint: the report's counters table shows the cache
// footprint of 'lockbench footprint' lines next to the perf counters.
func TestCountersTableFootprint(t *testing.T) {
	m := cases.Group([]*benchfmt.Result{
		result("PageCache/mode=page/batch=16/lock=mutex/threads=1-1", 200.0, "ns/page", 1.3, "l1d-miss/page", 750.0, "l1d-ref/page", 1540.0, "instr/page"),
		result("PageCache/mode=batch/batch=16/lock=mutex/threads=1-1", 70.0, "ns/page", 1.2, "l1d-miss/page", 230.0, "l1d-ref/page", 560.0, "instr/page"),
	})
	g, note := counters(m)
	if note != "" {
		t.Fatalf("counters: %q, want a table", note)
	}
	for _, u := range []string{"l1d-miss/page", "l1d-ref/page", "instr/page"} {
		if !slices.Contains(g.Header, u) {
			t.Errorf("header %v lacks %s", g.Header, u)
		}
	}
	if len(g.Rows) != 2 {
		t.Errorf("%d rows, want one per mode", len(g.Rows))
	}
}
