package schema

import (
	"testing"
	"time"
)

func TestDisturbed(t *testing.T) {
	ms := float64(time.Millisecond)
	tests := []struct {
		runq          float64
		threads, cpus int
		want          bool
		reason        string
	}{
		{0, 2, 2, false, "CPUs of their own"},
		{2 * ms, 2, 2, false, "2% of the window: ticks and kernel threads"},
		{10 * ms, 2, 2, true, "10%: another process on the CPUs"},
		{-1, 2, 2, false, "not measured"},
		{50 * ms, 2, 1, false, "two workers on one CPU wait half the window for each other"},
		{60 * ms, 2, 1, true, "and another 10% for something else"},
		{10 * ms, 2, 0, true, "unpinned: no CPU count, nothing expected"},
	}
	for _, tt := range tests {
		if got := Disturbed(tt.runq, 100*time.Millisecond, tt.threads, tt.cpus); got != tt.want {
			t.Errorf("Disturbed(%v ns of 100ms, %d threads on %d CPUs) = %v, want %v (%s)", tt.runq, tt.threads, tt.cpus, got, tt.want, tt.reason)
		}
	}
}
