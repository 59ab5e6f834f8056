// Package plot draws the charts of lockbench's reports as SVG.
//
// It knows nothing of benchmarks: a caller (package reports) turns results
// into plain numeric series, and this package draws them: line charts with
// optional horizontal reference lines and a log2 x axis (Chart), scatter
// plots (Chart.Points), and grouped or stacked bar charts (Bars). Every
// chart carries its title, axis labels with units, ticks and a legend, so
// that it says what it shows without the text around it.
//
// The SVG is written by hand (svg.go), with the standard library only:
// the report's charts need lines, markers, rectangles and text, and a
// plotting library with its fonts and raster, PDF and LaTeX backends
// would cost a fresh `go run ./cmd/lockbench run` much of its compile
// time. Text is measured by an estimate of its width (no font files), so
// the layout leaves room rather than fitting text exactly.
//
// The SVG is one <svg> element without an XML prolog, so that it can be
// inlined in HTML as it is, and without ids, so that several can share a
// page. Labels, titles and legend entries may come from input files:
// every text is escaped for XML, and characters XML cannot carry are
// replaced by U+FFFD; the tests check both.
package plot

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Scale is the scale of a chart's x axis.
type Scale int

// The x axis scales.
const (
	Linear  Scale = iota // linear, ticks at 1, 2 or 5 times a power of ten
	Log2                 // logarithmic, ticks at powers of two (batch sizes)
	Integer              // linear, ticks at integers only (thread counts)
)

// Dash is the stroke of a line.
type Dash int

// The strokes. Reference lines are conventionally Dashed or Dotted.
const (
	Solid Dash = iota
	Dashed
	Dotted
)

// A Series is one line of a Chart: points joined in the order given.
type Series struct {
	Label string    // legend entry; may come from input (it is escaped); empty: no legend entry
	X, Y  []float64 // same length; points with a NaN or infinite coordinate are skipped, as are x <= 0 on a Log2 axis
	Color int       // palette index: series sharing an index share a colour
	Dash  Dash
}

// A RefLine is a horizontal reference line across the whole x range of a
// Chart, e.g. the per-page and one-big-page costs that batching falls
// between.
type RefLine struct {
	Label string
	Y     float64 // skipped when NaN or infinite
	Color int
	Dash  Dash
}

// A Chart is a line chart.
type Chart struct {
	Title  string
	XLabel string // with its unit, e.g. "batch size (pages)"
	YLabel string // with its unit, e.g. "ns/page"
	XScale Scale
	Lines  []Series
	Refs   []RefLine
	// Points draws each series as its points only, not joined: a scatter
	// plot, for samples whose order along x means nothing (one point per
	// repetition).
	Points bool
	// Width and Height are the size of the chart in points (axes, title
	// and labels included), legend excluded; zero means DefaultWidth and
	// DefaultHeight.
	Width, Height float64
}

// The default chart size in points (1/72 inch).
const (
	DefaultWidth  = 460
	DefaultHeight = 280
)

// ErrNoData is returned when a chart has nothing to draw.
var ErrNoData = errors.New("plot: no data to draw")

// WriteSVG draws the chart and writes it to w as one <svg> element. The y
// axis starts at zero unless a value is negative: per-page costs read
// honestly only from zero. It returns ErrNoData when no series or
// reference line has a drawable point.
func (c *Chart) WriteSVG(w io.Writer) error {
	type line struct {
		s   Series
		pts [][2]float64
		i   int // index in c.Lines: the marker shape
	}
	var lines []line
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := 0.0, math.Inf(-1)
	for i, s := range c.Lines {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plot: series %d (%q) has %d x and %d y values", i, s.Label, len(s.X), len(s.Y))
		}
		var pts [][2]float64
		for j := range s.X {
			x, y := s.X[j], s.Y[j]
			if !finite(x) || !finite(y) || (c.XScale == Log2 && x <= 0) {
				continue
			}
			pts = append(pts, [2]float64{x, y})
			xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
		if len(pts) > 0 {
			lines = append(lines, line{s, pts, i})
		}
	}
	var refs []RefLine
	for _, r := range c.Refs {
		if finite(r.Y) {
			refs = append(refs, r)
			ymin, ymax = math.Min(ymin, r.Y), math.Max(ymax, r.Y)
		}
	}
	if len(lines) == 0 && len(refs) == 0 {
		return ErrNoData
	}
	if math.IsInf(xmin, 1) { // reference lines only
		xmin, xmax = 1, 2
	}
	if xmin == xmax {
		if c.XScale == Log2 {
			xmin, xmax = xmin/2, xmax*2
		} else {
			xmin, xmax = xmin-1, xmax+1
		}
	}
	if ymax <= ymin {
		ymax = ymin + 1
	}
	ymax += 0.05 * (ymax - ymin)

	var xt ticker = niceTicks{}
	switch c.XScale {
	case Log2:
		xt = log2Ticks{}
	case Integer:
		xt = intTicks{}
	}
	f := newFrame(c.Title, c.XLabel, c.YLabel, c.Width, c.Height)
	f.setX(xmin, xmax, c.XScale == Log2, xt.Ticks(xmin, xmax))
	f.setY(ymin, ymax, niceTicks{}.Ticks(ymin, ymax))

	var legend []legendEntry
	for _, l := range lines {
		col, shape := paletteColor(l.s.Color), l.i%5
		r := 3.0
		if c.Points {
			r = 2.5
		} else {
			xy := make([][2]float64, len(l.pts))
			for j, p := range l.pts {
				xy[j] = [2]float64{f.px(p[0]), f.py(p[1])}
			}
			f.c.polyline(xy, col, l.s.Dash)
		}
		for _, p := range l.pts {
			f.c.marker(f.px(p[0]), f.py(p[1]), r, shape, col)
		}
		if l.s.Label != "" {
			legend = append(legend, legendEntry{label: l.s.Label, color: col, line: !c.Points, dash: l.s.Dash, marker: shape, radius: r})
		}
	}
	for _, r := range refs {
		col := paletteColor(r.Color)
		y := f.py(r.Y)
		f.c.polyline([][2]float64{{f.left, y}, {f.right, y}}, col, r.Dash)
		if r.Label != "" {
			legend = append(legend, legendEntry{label: r.Label, color: col, line: true, dash: r.Dash, marker: -1})
		}
	}
	return f.finish(w, legend)
}

// Bars is a bar chart: one group of bars per category, one bar per layer,
// side by side or stacked.
type Bars struct {
	Title      string
	XLabel     string // may be empty when the categories say it all
	YLabel     string // with its unit
	Categories []string
	Layers     []Layer
	// Stacked stacks the layers (a decomposition of a total); otherwise
	// they stand side by side.
	Stacked       bool
	Width, Height float64 // chart size in points; zero means the defaults
}

// A Layer is one bar per category. NaN values draw no bar; negative values
// are drawn as zero in a stacked chart, and below the zero line side by
// side.
type Layer struct {
	Label  string
	Values []float64 // one per category
	Color  int
}

// WriteSVG draws the bar chart and writes it to w as one <svg> element. It
// returns ErrNoData when there is no category or no layer.
func (b *Bars) WriteSVG(w io.Writer) error {
	if len(b.Categories) == 0 || len(b.Layers) == 0 {
		return ErrNoData
	}
	for _, l := range b.Layers {
		if len(l.Values) != len(b.Categories) {
			return fmt.Errorf("plot: layer %q has %d values for %d categories", l.Label, len(l.Values), len(b.Categories))
		}
	}
	// The y range: the largest bar or stack, and the most negative bar
	// side by side.
	ymin, ymax := 0.0, 0.0
	for j := range b.Categories {
		sum := 0.0
		for _, l := range b.Layers {
			v := l.Values[j]
			switch {
			case !finite(v):
			case b.Stacked:
				sum += max(v, 0)
			default:
				sum = max(sum, v)
				ymin = min(ymin, v)
			}
		}
		ymax = max(ymax, sum)
	}
	if ymax == ymin {
		ymax = ymin + 1
	}
	ymax += 0.05 * (ymax - ymin)

	f := newFrame(b.Title, b.XLabel, b.YLabel, b.Width, b.Height)
	// One unit of x per category: every bar inside the plot area.
	n := float64(len(b.Categories))
	var xt []tick
	for i, c := range b.Categories {
		xt = append(xt, tick{Value: float64(i), Label: c})
	}
	f.setX(-0.5, n-0.5, false, xt)
	f.xgrid = false // categories need no vertical lines
	f.setY(ymin, ymax, niceTicks{}.Ticks(ymin, ymax))

	// Bars fill 60% of each category's slot.
	barw := 0.6
	if !b.Stacked {
		barw /= float64(len(b.Layers))
	}
	base := make([]float64, len(b.Categories)) // the top of each stack so far
	var legend []legendEntry
	for i, l := range b.Layers {
		col := paletteColor(l.Color)
		for j, v := range l.Values {
			if !finite(v) {
				continue
			}
			x0 := float64(j) - 0.3
			var y0, y1 float64
			if b.Stacked {
				y0, y1 = base[j], base[j]+max(v, 0)
				base[j] = y1
			} else {
				x0 += float64(i) * barw
				y0, y1 = 0, v
			}
			f.c.bar(f.px(x0), f.py(max(y0, y1)), f.px(x0+barw)-f.px(x0), math.Abs(f.py(y1)-f.py(y0)), col)
		}
		if l.Label != "" {
			legend = append(legend, legendEntry{label: l.Label, color: col, box: true, marker: -1})
		}
	}
	return f.finish(w, legend)
}

// A tick is one mark on an axis; only ticks with a label get a grid line.
type tick struct {
	Value float64
	Label string
}

// A ticker chooses the ticks of an axis over [min, max].
type ticker interface {
	Ticks(min, max float64) []tick
}

var (
	_ ticker = niceTicks{}
	_ ticker = log2Ticks{}
	_ ticker = intTicks{}
)

// niceTicks puts about five labelled ticks at multiples of 1, 2 or 5
// times a power of ten, labelled with just the digits the step needs.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	// The smallest of 1, 2, 5 and 10 times a power of ten that gives at
	// most six intervals.
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if (hi-lo)/(m*mag) <= 6 {
			step = m * mag
			break
		}
	}
	decimals := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	var ticks []tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0 // no "-0"
		}
		ticks = append(ticks, tick{Value: v, Label: formatTick(v, decimals)})
	}
	return ticks
}

// formatTick writes v with the given decimals, and in exponent form when
// it is too long for an axis (1e+07 rather than 10000000).
func formatTick(v float64, decimals int) string {
	if v == 0 {
		return "0"
	}
	if a := math.Abs(v); a >= 1e6 || (a != 0 && a < 1e-3) {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// log2Ticks puts ticks at the powers of two in range, labelled as
// integers (or fractions below one), the labels thinned to at most about
// eight. A range with fewer than two powers of two in it (150 to 400 ns)
// gets the linear axis's ticks instead, placed on the log scale: one
// labelled tick cannot tell a reader the scale.
type log2Ticks struct{}

func (log2Ticks) Ticks(min, max float64) []tick {
	if min <= 0 || max <= 0 || min > max {
		return nil
	}
	lo, hi := int(math.Ceil(math.Log2(min))), int(math.Floor(math.Log2(max)))
	if hi-lo < 1 {
		var ticks []tick
		for _, t := range (niceTicks{}).Ticks(min, max) {
			if t.Value > 0 {
				ticks = append(ticks, t)
			}
		}
		return ticks
	}
	step := 1
	for (hi-lo)/step > 8 {
		step *= 2
	}
	var ticks []tick
	for e := lo; e <= hi; e++ {
		v := math.Exp2(float64(e))
		t := tick{Value: v}
		if (e-lo)%step == 0 {
			t.Label = strconv.FormatFloat(v, 'g', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// intTicks puts ticks at the integers in range, the labels thinned to at
// most about ten.
type intTicks struct{}

func (intTicks) Ticks(min, max float64) []tick {
	lo, hi := int(math.Ceil(min)), int(math.Floor(max))
	if hi < lo {
		return nil
	}
	step := 1
	for (hi-lo)/step > 10 {
		step *= 2
	}
	var ticks []tick
	for v := lo; v <= hi; v++ {
		t := tick{Value: float64(v)}
		if (v-lo)%step == 0 {
			t.Label = strconv.Itoa(v)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// paletteColor is the Okabe-Ito palette, distinguishable by colour-blind
// readers, with black moved last.
func paletteColor(i int) string {
	p := [...]string{
		"#0072b2", // blue
		"#d55e00", // vermillion
		"#009e73", // bluish green
		"#cc79a7", // reddish purple
		"#e69f00", // orange
		"#56b4e9", // sky blue
		"#f0e442", // yellow
		"#333333", // near black
	}
	if i < 0 {
		i = -i
	}
	return p[i%len(p)]
}
