package footprint

import (
	"context"
	"fmt"
	"math"

	"github.com/lockbench/lockbench/perfevent"
)

// Hardware counts a case's cache misses with the machine's PMU
// (perfevent.CountHardware), in this process, where the machine has one.
// It gives L1d and last-level read misses and instructions; the PMU's
// generic events have no L1d reference count here, so l1d-ref/page is
// left off its lines.
type Hardware struct {
	// Open is perf_event_open; nil is the system call. Tests replace it.
	Open perfevent.OpenFunc
}

// Run builds c and counts its first pages pages (the build is not
// counted; the warm-up is, and Measure's difference removes it).
func (h *Hardware) Run(ctx context.Context, c Case, pages int) (Sample, error) {
	if err := ctx.Err(); err != nil {
		return Sample{}, context.Cause(ctx)
	}
	m, err := NewModel(c)
	if err != nil {
		return Sample{}, err
	}
	var ran int64
	v, err := perfevent.CountHardware(h.Open, func() { ran = m.Run(pages) })
	if err != nil {
		return Sample{}, fmt.Errorf("hardware counters: %w", err)
	}
	if err := m.Check(); err != nil {
		return Sample{}, fmt.Errorf("%s: %w", c, err)
	}
	return Sample{Pages: ran, Counts: hardwareCounts(v)}, nil
}

// hardwareCounts names the PMU's counts as cachegrind's events, so that
// Differential treats both alike: the generic cache events count read
// misses (D1mr, DLmr); writes' misses and references are not counted
// (0 and NaN).
func hardwareCounts(v map[string]float64) Counts {
	nan := math.NaN()
	return Counts{
		"Ir": v["instructions"], "D1mr": v["l1d-misses"], "D1mw": 0,
		"DLmr": v["llc-misses"], "DLmw": 0, "Dr": nan, "Dw": nan,
	}
}
