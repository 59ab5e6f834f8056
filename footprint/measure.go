package footprint

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

// A Sample is one run of the model: the pages it ran and the process's
// counts.
type Sample struct {
	Pages  int64
	Counts Counts
}

// A Footprint is one case's cache footprint per page of steady state.
// A figure the measurement did not give (l1d-ref on hardware counters) is
// NaN and left off the results line.
type Footprint struct {
	Case Case
	// Pages is the difference of the two runs' pages: the steady-state
	// pages the figures are per.
	Pages   int64
	L1DMiss float64 // L1d misses per page, reads and writes
	L1DRef  float64 // L1d references (data reads and writes) per page
	LLMiss  float64 // last-level data misses per page, reads and writes
	Instr   float64 // instructions per page
	// NS is the native ns/page timed beside it (TimePages), NaN when the
	// timing comes from elsewhere.
	NS float64
}

// Differential is the footprint per page between two runs of one case
// with different page counts: the start-up, the build and the warm-up,
// the same in both, cancel, and what is left is b's extra pages' own.
// Cachegrind's event names are expected (Counts.check).
func Differential(c Case, a, b Sample) (Footprint, error) {
	dp := b.Pages - a.Pages
	if dp <= 0 {
		return Footprint{}, fmt.Errorf("%s: the second run has %d pages, the first %d: the difference must be positive", c, b.Pages, a.Pages)
	}
	d := func(events ...string) float64 {
		var s float64
		for _, e := range events {
			s += b.Counts[e] - a.Counts[e]
		}
		return s / float64(dp)
	}
	return Footprint{
		Case:    c,
		Pages:   dp,
		L1DMiss: d("D1mr", "D1mw"),
		L1DRef:  d("Dr", "Dw"),
		LLMiss:  d("DLmr", "DLmw"),
		Instr:   d("Ir"),
		NS:      math.NaN(),
	}, nil
}

// A Meter runs a case for a fixed page count and counts its cache events:
// the Simulator (cachegrind) or Hardware (the PMU).
type Meter interface {
	Run(ctx context.Context, c Case, pages int) (Sample, error)
}

var (
	_ Meter = (*Simulator)(nil)
	_ Meter = (*Hardware)(nil)
)

// Measure runs c twice on m, Case.Pages(measure) pages, and returns the
// differential footprint.
func Measure(ctx context.Context, m Meter, c Case, measure int) (Footprint, error) {
	first, second := c.Pages(measure)
	a, err := m.Run(ctx, c, first)
	if err != nil {
		return Footprint{}, err
	}
	b, err := m.Run(ctx, c, second)
	if err != nil {
		return Footprint{}, err
	}
	return Differential(c, a, b)
}

// Line is f as a results line in run's format, one line per repetition:
// the case's name, the steady-state pages as iterations, ns/page (when
// timed), then the footprint units (schema.FootprintUnits) it has.
func (f Footprint) Line(cfg []benchfmt.Config) *benchfmt.Result {
	var vals []benchfmt.Value
	add := func(v float64, unit string) {
		if !math.IsNaN(v) {
			vals = append(vals, benchfmt.Value{Value: round(v), Unit: unit})
		}
	}
	add(f.NS, schema.PerUnit(schema.StemNS, schema.PerPage))
	add(f.L1DMiss, schema.UnitL1DMissPage)
	add(f.L1DRef, schema.UnitL1DRefPage)
	add(f.LLMiss, schema.UnitLLMissPage)
	add(f.Instr, schema.UnitInstrPage)
	return &benchfmt.Result{Config: cfg, Name: f.Case.Name().Benchfmt(), Iters: int(f.Pages), Values: vals}
}

// median of xs, NaNs left out (NaN when none is left); xs is not
// modified.
func median(xs []float64) float64 {
	s := slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// round keeps 6 significant digits, as run's lines do.
func round(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, 5-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
