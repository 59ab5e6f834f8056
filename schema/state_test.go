package schema

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// series draws n probe values: each from mode modes[i] with probability
// shares[i], times a normal noise of relative sd spread.
func series(seed uint64, n int, spread float64, modes, shares []float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 20))
	out := make([]float64, n)
	for i := range out {
		u, m := rng.Float64(), modes[len(modes)-1]
		for j, s := range shares {
			if u < s {
				m = modes[j]
				break
			}
			u -= s
		}
		out[i] = m * (1 + spread*rng.NormFloat64())
	}
	return out
}

func labels(vals []float64, factor float64, name string) []string {
	_, med := States(vals, factor)
	var out []string
	for _, m := range med {
		out = append(out, StateLabel(name, m, factor))
	}
	return out
}

// TestStatesSimulated checks States on the simulated probe
// series, over many seeds: a state is a cluster of the data, not a band.
func TestStatesSimulated(t *testing.T) {
	for _, tt := range []struct {
		name   string
		gen    func(seed uint64) []float64
		factor float64
		want   []string // the labels, when more than one state
		states int
		reason string
	}{
		{"one mode at 68 ns +-5%", func(s uint64) []float64 { return series(s, 200, 0.05, []float64{68}, []float64{1}) },
			XferFactor, nil, 1, "one cluster is one state, even next to the old 70 ns band edge"},
		{"modes at 25 and 160 ns", func(s uint64) []float64 {
			return series(s, 200, 0.08, []float64{25, 160}, []float64{0.6, 0.4})
		}, XferFactor, []string{"xfer-25ns", "xfer-160ns"}, 2, "two clusters 6.4x apart, labelled by their values in every run"},
		{"rare second mode", func(s uint64) []float64 {
			return series(s, 200, 0.08, []float64{25, 160}, []float64{0.9, 0.1})
		}, XferFactor, []string{"xfer-25ns", "xfer-160ns"}, 2, "a state seen in 10% of slices is still a state"},
		{"slow drift 62 to 75 ns", func(s uint64) []float64 {
			rng := rand.New(rand.NewPCG(s, 3))
			out := make([]float64, 200)
			for i := range out {
				out[i] = (62 + 13*float64(i)/200) * (1 + 0.04*rng.NormFloat64())
			}
			return out
		}, XferFactor, nil, 1, "a drift of 1.2x over the run has no gap of the factor: one state"},
		{"outliers", func(s uint64) []float64 {
			return append(series(s, 100, 0.05, []float64{68}, []float64{1}), 400, 420)
		}, XferFactor, nil, 1, "two probes of a descheduled thread are fewer than a state holds"},
		{"speed states 150 and 200 ns", func(s uint64) []float64 {
			return series(s, 120, 0.03, []float64{150, 200}, []float64{0.5, 0.5})
		}, SpeedFactor, []string{"speed-160ns", "speed-200ns"}, 2, "1.33x apart, above the speed factor"},
		{"one speed state 150 ns +-4%", func(s uint64) []float64 { return series(s, 120, 0.04, []float64{150}, []float64{1}) },
			SpeedFactor, nil, 1, "the speed probe's own spread is no state"},
	} {
		for seed := uint64(1); seed <= 20; seed++ {
			vals := tt.gen(seed)
			st, med := States(vals, tt.factor)
			if len(med) != tt.states {
				t.Errorf("%s, seed %d: %d states %v, want %d: %s", tt.name, seed, len(med), med, tt.states, tt.reason)
				continue
			}
			if tt.want != nil {
				name := "xfer"
				if tt.factor == SpeedFactor {
					name = "speed"
				}
				if got := labels(vals, tt.factor, name); !slices.Equal(got, tt.want) {
					t.Errorf("%s, seed %d: labels %v, want %v: %s", tt.name, seed, got, tt.want, tt.reason)
				}
			}
			for i, s := range st {
				if s < 0 || s >= len(med) {
					t.Fatalf("%s: value %d (%v) in state %d of %d", tt.name, i, vals[i], s, len(med))
				}
			}
		}
	}
}

func TestStatesEdges(t *testing.T) {
	st, med := States([]float64{0, -1, math.NaN()}, XferFactor)
	if med != nil || !slices.Equal(st, []int{-1, -1, -1}) {
		t.Errorf("States of no probe = %v %v, want every value -1 and no state", st, med)
	}
	st, med = States([]float64{5, 5, 5, 0}, XferFactor)
	if len(med) != 1 || !slices.Equal(st, []int{0, 0, 0, -1}) {
		t.Errorf("States of equal values = %v %v, want one state, the 0 unassigned", st, med)
	}
}

func TestStateLabel(t *testing.T) {
	for _, tt := range []struct {
		median, factor float64
		want           string
	}{
		{25.3, XferFactor, "xfer-25ns"},
		{171, XferFactor, "xfer-160ns"},
		{48, XferFactor, "xfer-40ns"},
		{240, XferFactor, "xfer-250ns"},
		{7, XferFactor, "xfer-6.3ns"},
		{138, SpeedFactor, "xfer-125ns"},
		{150, SpeedFactor, "xfer-160ns"},
	} {
		if got := StateLabel("xfer", tt.median, tt.factor); got != tt.want {
			t.Errorf("StateLabel(xfer, %v, %v) = %q, want %q", tt.median, tt.factor, got, tt.want)
		}
	}
}

func TestMoved(t *testing.T) {
	for _, tt := range []struct {
		a, b float64
		want bool
	}{
		{25, 160, true}, {160, 25, true}, {68, 72, false}, {0, 160, false}, {100, 160, true}, {100, 159, false},
	} {
		if got := Moved(tt.a, tt.b, XferFactor); got != tt.want {
			t.Errorf("Moved(%v, %v) = %t, want %t", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRegimeBeforeStates(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"xfer-25ns", "xfer-160ns", true},
		{"xfer-160ns", "xfer-25ns", false},
		{"xfer-25ns+speed-160ns", "xfer-25ns+speed-200ns", true},
		{"llc", "xllc", true},
	} {
		if got := RegimeBefore(tt.a, tt.b); got != tt.want {
			t.Errorf("RegimeBefore(%s, %s) = %t, want %t", tt.a, tt.b, got, tt.want)
		}
	}
}
