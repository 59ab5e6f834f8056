package schema

import (
	"math"
	"slices"
	"testing"

	"golang.org/x/perf/benchfmt"
)

// TestIdentity: the one answer to "is this a class line", "did its
// machine switch" and "which group is it in", for every reader.
func TestIdentity(t *testing.T) {
	tests := []struct {
		name            string
		class, switched bool
		group           string
		reason          string
	}{
		{"PageCache/mode=batch/batch=16/lock=mcs/threads=2-2", false, false, "PageCache/lock=mcs/threads=2", "a case line; its group drops mode and batch"},
		{"PageCache/mode=page/batch=16/lock=mcs/threads=2/regime=llc/class=lru-2", true, false, "PageCache/lock=mcs/threads=2/class=lru", "a class line, in a regime the group drops"},
		{"PageCache/mode=page/lock=mcs/threads=2/regime=switched-2", false, true, "PageCache/lock=mcs/threads=2", "a switched line"},
		{"PageCache/mode=page/lock=mcs/threads=2/regime=unprobed-2", false, true, "PageCache/lock=mcs/threads=2", "an unprobed line is left out like a switched one"},
		{"PageCache/mode=page/lock=classy/threads=2-2", false, false, "PageCache/lock=classy/threads=2", "a value holding 'class' is no class key"},
		{"Foo/sub-8", false, false, "Foo/sub", "go test output: no keys"},
	}
	for _, tt := range tests {
		n := benchfmt.Name(tt.name)
		if got := IsClassLine(n); got != tt.class {
			t.Errorf("IsClassLine(%s) = %v (%s)", tt.name, got, tt.reason)
		}
		if got := IsSwitched(n); got != tt.switched {
			t.Errorf("IsSwitched(%s) = %v (%s)", tt.name, got, tt.reason)
		}
		if got := ParseName(n).Group(); got != tt.group {
			t.Errorf("Group(%s) = %q, want %q (%s)", tt.name, got, tt.group, tt.reason)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		vals   []float64
		want   float64
		reason string
	}{
		{[]float64{3, 1, 2}, 2, "odd: the middle value"},
		{[]float64{4, 1, 3, 2}, 2.5, "even: the mean of the two middle values, not the upper one the probe once took"},
		{[]float64{7}, 7, "one value"},
	}
	for _, tt := range tests {
		in := slices.Clone(tt.vals)
		if got := Median(in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v (%s)", tt.vals, got, tt.want, tt.reason)
		}
		if !slices.Equal(in, tt.vals) {
			t.Errorf("Median reordered its argument: %v", in)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of nothing is not NaN")
	}
}

// TestCounters: every counter is named once, hardware first.
func TestCounters(t *testing.T) {
	c := Counters()
	if !slices.Equal(c[:len(HardwareCounters())], HardwareCounters()) {
		t.Errorf("Counters %v do not begin with HardwareCounters %v", c, HardwareCounters())
	}
	seen := map[string]bool{}
	for _, n := range c {
		if seen[n] {
			t.Errorf("counter %s listed twice", n)
		}
		seen[n] = true
	}
}
