package locks

import (
	"strings"
	"testing"
)

// TestCheckWorkersSaysWorkers: the library's word is workers; threads
// are the CLI's.
func TestCheckWorkersSaysWorkers(t *testing.T) {
	err := Info{Name: "x", MaxWorkers: 1}.CheckWorkers(2)
	if err == nil || strings.Contains(err.Error(), "thread") || !strings.Contains(err.Error(), "fewer workers") {
		t.Errorf("CheckWorkers(2) = %v, want an error saying fewer workers, not threads", err)
	}
}
