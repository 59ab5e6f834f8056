package harness

import (
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func runtimeGOMAXPROCS() int { return runtime.GOMAXPROCS(0) }

// waitGoroutines waits up to 5 s for goroutines a test let go to finish.
func waitGoroutines(t *testing.T) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err = goleak.Find(); err == nil {
			return
		}
	}
	t.Fatal(err)
}
