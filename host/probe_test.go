package host

import (
	"math"
	"runtime"
	"testing"
	"time"
)

// TestProbeXfer checks the probe's contract: each try returns 0 (no
// round finished: a busy machine never ran both threads at once) or a
// positive, finite time per transfer, and some try of five measures; a
// probe that never measures fails. What it measures and how long it took
// depend on the machine, so they are logged, not asserted: a one-way
// transfer takes a few ns between SMT siblings and a few hundred across
// sockets, and the watchdog cuts a try at about its budget once both
// threads are pinned.
func TestProbeXfer(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	measured := 0
	for try := 0; try < 5 && measured == 0; try++ {
		start := time.Now()
		x := probeXfer(0, 1, ProbeBudget)
		el := time.Since(start)
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("xfer = %v ns, want 0 (no round finished) or a positive time", x)
		}
		if x > 0 {
			measured++
		}
		t.Logf("try %d: xfer-ns %.1f in %v (budget %v)", try, x, el, ProbeBudget)
	}
	if measured == 0 {
		t.Error("5 probes finished no round: the probe cannot measure this machine")
	}
}
