package harness

import (
	"runtime"
	"testing"
	"time"
)

// TestProbeXfer checks that the probe measures something plausible and
// stays within its budget. A single probe may finish no round on a busy
// machine (it then returns 0, and the line has no xfer-ns), so it gets a
// few tries; a probe that never measures, or measures nonsense, fails.
func TestProbeXfer(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	// A one-way transfer of a cache line takes a few ns between SMT
	// siblings and a few hundred across sockets; 100 µs means the
	// partner was descheduled inside a round, which the budget must cut.
	const lo, hi = 0.5, 100e3
	measured := 0
	for try := 0; try < 5 && measured == 0; try++ {
		start := time.Now()
		x := probeXfer(0, 1, probeBudget)
		if el := time.Since(start); el > time.Second {
			t.Fatalf("probe took %v, want it bounded by its %v budget", el, probeBudget)
		}
		if x != 0 && (x < lo || x > hi) {
			t.Fatalf("xfer = %v ns, want 0 (no round finished) or between %v and %v", x, lo, hi)
		}
		if x > 0 {
			measured++
		}
		t.Logf("try %d: xfer-ns %.1f", try, x)
	}
	if measured == 0 {
		t.Error("5 probes finished no round: the probe cannot measure this machine")
	}
}
