package footprint

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/reports/plot"
)

// PlotFile is the name of a lock's batch-size curve in the output
// folder: plot-footprint-LOCK.svg (one of harness.OutputFiles' plot-*.svg).
func PlotFile(lock string) string { return "plot-footprint-" + lock + ".svg" }

// WritePlots writes the batch-size curve of every lock measured at three
// batch sizes or more in mode batch (Curve): l1d-miss/page, and ns/page
// when timed, against the batch size, with a vertical line where the
// batch's working set reaches the simulated L1d.
func (s *Summary) WritePlots(dir string) error {
	var errs []error
	for _, l := range s.Locks() {
		rows, crosses := s.Curve(l)
		if len(rows) < 3 {
			continue
		}
		c := s.curveChart(l, rows, crosses)
		err := safefile.WriteFile(filepath.Join(dir, PlotFile(l)), 0o644, func(w io.Writer) error {
			var errs []error
			for _, ch := range c {
				errs = append(errs, ch.WriteSVG(w))
			}
			return errors.Join(errs...)
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// curveChart is the one or two charts of a lock's curve.
func (s *Summary) curveChart(lock string, rows []Row, crosses int) []*plot.Chart {
	var xs, miss, ns []float64
	timed := false
	for _, r := range rows {
		xs = append(xs, float64(r.batch()))
		miss = append(miss, r.L1DMiss)
		ns = append(ns, r.NS)
		timed = timed || r.timed()
	}
	mark := func(ys []float64) []plot.Series {
		if crosses == 0 {
			return nil
		}
		top := 0.0
		for _, y := range ys {
			if !math.IsNaN(y) {
				top = math.Max(top, y)
			}
		}
		return []plot.Series{{Label: fmt.Sprintf("working set reaches L1d (%d KiB)", s.Geometry.D1.Size>>10),
			X: []float64{float64(crosses), float64(crosses)}, Y: []float64{0, top}, Color: 1, Dash: plot.Dashed}}
	}
	title := fmt.Sprintf("lock %s, mode batch, 1 thread (%s)", lock, strings.Fields(s.Meter)[0])
	out := []*plot.Chart{{
		Title: "L1d misses per page: " + title, XLabel: "batch size (pages)", YLabel: "l1d-miss/page", XScale: plot.Log2,
		Lines: append([]plot.Series{{Label: "l1d-miss/page", X: xs, Y: miss}}, mark(miss)...),
	}}
	if timed {
		out = append(out, &plot.Chart{
			Title: "time per page: " + title, XLabel: "batch size (pages)", YLabel: "ns/page", XScale: plot.Log2,
			Lines: append([]plot.Series{{Label: "ns/page", X: xs, Y: ns, Color: 2}}, mark(ns)...),
		})
	}
	return out
}
