package results_test

import (
	"bufio"
	"testing"

	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/workloads"
)

// TestLimitsFitTheFormat calibrates the limits table against what
// lockbench writes: a workload registered with more lock classes than
// results.MaxClasses would have its class lines dropped by every reader,
// and MaxLine must stay below benchfmt's own scanner limit so that a
// long line gets the format's error, not "token too long".
func TestLimitsFitTheFormat(t *testing.T) {
	for _, w := range workloads.All() {
		if len(w.Classes) > results.MaxClasses {
			t.Errorf("workload %s has %d lock classes, over results.MaxClasses (%d): raise the limit, or readers leave its classes out", w.Name, len(w.Classes), results.MaxClasses)
		}
	}
	if results.MaxLine >= bufio.MaxScanTokenSize {
		t.Errorf("results.MaxLine %d is not below benchfmt's %d", results.MaxLine, bufio.MaxScanTokenSize)
	}
	if results.MaxCases*results.MaxSamples <= 0 || results.MaxSamples < 30 {
		t.Errorf("results.MaxSamples %d: a paired run's blocks (some dozens) must fit whole", results.MaxSamples)
	}
	// The budget of kept lines must let a sweep of some hundreds of cases
	// keep whole samples, and shrink a sample no lower than a sample that
	// still gives a median's interval.
	if results.MinSamples < 10 || results.MinSamples > results.MaxSamples || results.MaxKept < 300*(results.MaxSamples+results.CaseWeight) {
		t.Errorf("results.MaxKept %d, MinSamples %d: a sweep of 300 cases must keep %d lines each, and a shrunk sample at least 10", results.MaxKept, results.MinSamples, results.MaxSamples)
	}
}
