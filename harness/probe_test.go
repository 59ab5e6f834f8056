package harness

import (
	"runtime"
	"testing"
	"time"
)

func TestProbeXfer(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	start := time.Now()
	x := probeXfer(0, 1, probeBudget)
	if x < 0 {
		t.Fatalf("xfer = %v, want >= 0", x)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("probe took %v, want it bounded by its budget", el)
	}
	t.Logf("xfer-ns %.1f", x)
}
