// Package plot draws the charts of lockbench's reports as SVG, with
// gonum.org/v1/plot.
//
// It knows nothing of benchmarks: a caller (package reports) turns results
// into plain numeric series, and this package draws them: line charts with
// optional horizontal reference lines and a log2 x axis (Chart), and
// grouped or stacked bar charts (Bars). Every chart carries its title, axis
// labels with units and a legend, so that it says what it shows without the
// text around it.
//
// The SVG is written without an XML prolog so that it can be inlined in
// HTML as it is. Labels, titles and legend entries may come from input
// files: gonum's SVG backend escapes all text it draws
// (html.EscapeString), and this package relies on that; its tests check it.
package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Scale is the scale of a chart's x axis.
type Scale int

// The x axis scales.
const (
	Linear  Scale = iota // linear, ticks chosen by gonum
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
	Label string    // legend entry; may come from input (it is escaped)
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
	// Width and Height are the size of the plot area in points, legend
	// excluded; zero means DefaultWidth and DefaultHeight.
	Width, Height float64
}

// The default plot size in points (1/72 inch).
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
	p := newPlot(c.Title, c.XLabel, c.YLabel)
	var legend []legendEntry
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymin, ymax := 0.0, math.Inf(-1)
	for i, s := range c.Lines {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plot: series %d (%q) has %d x and %d y values", i, s.Label, len(s.X), len(s.Y))
		}
		var pts plotter.XYs
		for j := range s.X {
			x, y := s.X[j], s.Y[j]
			if !finite(x) || !finite(y) || (c.XScale == Log2 && x <= 0) {
				continue
			}
			pts = append(pts, plotter.XY{X: x, Y: y})
			xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
		if len(pts) == 0 {
			continue
		}
		if c.Points {
			points, err := plotter.NewScatter(pts)
			if err != nil {
				return fmt.Errorf("plot: series %q: %w", s.Label, err)
			}
			points.Color = paletteColor(s.Color)
			points.Shape = glyphShape(i)
			points.Radius = vg.Points(2.5)
			p.Add(points)
			legend = append(legend, legendEntry{s.Label, []gplot.Thumbnailer{points}})
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("plot: series %q: %w", s.Label, err)
		}
		line.LineStyle = lineStyle(s.Color, s.Dash)
		points.Color = paletteColor(s.Color)
		points.Shape = glyphShape(i)
		points.Radius = vg.Points(3)
		p.Add(line, points)
		legend = append(legend, legendEntry{s.Label, []gplot.Thumbnailer{line, points}})
	}
	var refs []RefLine
	for _, r := range c.Refs {
		if finite(r.Y) {
			refs = append(refs, r)
			ymin, ymax = math.Min(ymin, r.Y), math.Max(ymax, r.Y)
		}
	}
	if len(legend) == 0 && len(refs) == 0 {
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
	for _, r := range refs {
		line, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: r.Y}, {X: xmax, Y: r.Y}})
		if err != nil {
			return fmt.Errorf("plot: reference line %q: %w", r.Label, err)
		}
		line.LineStyle = lineStyle(r.Color, r.Dash)
		p.Add(line)
		legend = append(legend, legendEntry{r.Label, []gplot.Thumbnailer{line}})
	}
	if ymax <= ymin {
		ymax = ymin + 1
	}
	p.X.Min, p.X.Max = xmin, xmax
	p.Y.Min, p.Y.Max = ymin, ymax*1.05
	switch c.XScale {
	case Log2:
		p.X.Scale = gplot.LogScale{}
		p.X.Tick.Marker = log2Ticks{}
	case Integer:
		p.X.Tick.Marker = intTicks{}
	}
	p.Add(plotter.NewGrid())
	return render(w, p, legend, c.Width, c.Height)
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
	Width, Height float64 // plot area in points; zero means the defaults
}

// A Layer is one bar per category. NaN values draw no bar; negative values
// are drawn as zero in a stacked chart.
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
	p := newPlot(b.Title, b.XLabel, b.YLabel)
	width := b.Width
	if width == 0 {
		width = DefaultWidth
	}
	// Bars fill about 60% of each category's slot.
	slot := vg.Points(width * 0.8 / float64(len(b.Categories)))
	barw := slot * 0.6
	if !b.Stacked {
		barw /= vg.Length(len(b.Layers))
	}
	var legend []legendEntry
	var below *plotter.BarChart
	ymax := 0.0
	for i, l := range b.Layers {
		if len(l.Values) != len(b.Categories) {
			return fmt.Errorf("plot: layer %q has %d values for %d categories", l.Label, len(l.Values), len(b.Categories))
		}
		vals := make(plotter.Values, len(l.Values))
		for j, v := range l.Values {
			if !finite(v) || (b.Stacked && v < 0) {
				v = 0
			}
			vals[j] = v
		}
		bc, err := plotter.NewBarChart(vals, barw)
		if err != nil {
			return fmt.Errorf("plot: layer %q: %w", l.Label, err)
		}
		bc.Color = paletteColor(l.Color)
		bc.LineStyle.Width = vg.Points(0.5)
		bc.LineStyle.Color = color.Gray{Y: 60}
		if b.Stacked {
			if below != nil {
				bc.StackOn(below)
			}
			below = bc
		} else {
			bc.Offset = barw * (vg.Length(i) - vg.Length(len(b.Layers)-1)/2)
		}
		p.Add(bc)
		legend = append(legend, legendEntry{l.Label, []gplot.Thumbnailer{bc}})
	}
	// The top of the chart: the largest bar or stack.
	for j := range b.Categories {
		sum := 0.0
		for _, l := range b.Layers {
			v := l.Values[j]
			if !finite(v) || v < 0 {
				continue
			}
			if b.Stacked {
				sum += v
			} else {
				sum = math.Max(sum, v)
			}
		}
		ymax = math.Max(ymax, sum)
	}
	if ymax == 0 {
		ymax = 1
	}
	p.Y.Min, p.Y.Max = 0, ymax*1.05
	p.NominalX(b.Categories...)
	// One unit of x per category: every bar inside the plot area.
	p.X.Min, p.X.Max = -0.5, float64(len(b.Categories))-0.5
	p.Add(plotter.NewGrid())
	return render(w, p, legend, b.Width, b.Height)
}

type legendEntry struct {
	label  string
	thumbs []gplot.Thumbnailer
}

// newPlot returns a plot with the house fonts and labels.
func newPlot(title, xlabel, ylabel string) *gplot.Plot {
	p := gplot.New()
	sans := func(size float64) font.Font {
		f := font.From(gplot.DefaultFont, font.Length(size))
		f.Variant = "Sans"
		return f
	}
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(13)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Label.TextStyle.Font = sans(11)
	p.Y.Label.TextStyle.Font = sans(11)
	p.X.Tick.Label.Font = sans(9)
	p.Y.Tick.Label.Font = sans(9)
	p.Legend.TextStyle.Font = sans(10)
	return p
}

// render draws p with its legend in columns below the plot area: a legend
// inside the data area hides data, and labels from input can be long.
func render(w io.Writer, p *gplot.Plot, entries []legendEntry, width, height float64) error {
	if width == 0 {
		width = DefaultWidth
	}
	if height == 0 {
		height = DefaultHeight
	}
	const rowsPerColumn = 4
	columns := (len(entries) + rowsPerColumn - 1) / rowsPerColumn
	if columns > 3 {
		columns = 3
	}
	rows := 0
	if columns > 0 {
		rows = (len(entries) + columns - 1) / columns
	}
	legendFont := p.Legend.TextStyle
	entryh := legendFont.Rectangle("Xg").Max.Y.Points() + 2
	legendh := float64(rows)*entryh + 8
	canvas := vgsvg.New(vg.Points(width), vg.Points(height+legendh))
	dc := draw.New(canvas)
	plotArea := draw.Crop(dc, 0, 0, vg.Points(legendh), 0)
	p.Draw(plotArea)
	colw := (width - 20) / math.Max(1, float64(columns))
	for col := 0; col < columns; col++ {
		lg := gplot.NewLegend()
		lg.TextStyle = legendFont
		lg.Top, lg.Left = true, true
		lg.Padding = vg.Points(2)
		for i := col * rows; i < (col+1)*rows && i < len(entries); i++ {
			lg.Add(entries[i].label, entries[i].thumbs...)
		}
		area := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: vg.Points(10 + float64(col)*colw), Y: 0},
			Max: vg.Point{X: vg.Points(10 + float64(col+1)*colw), Y: vg.Points(legendh - 4)},
		}}
		lg.Draw(area)
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return fmt.Errorf("plot: writing svg: %w", err)
	}
	// Drop the XML prolog and comment: an inline <svg> in HTML must not
	// carry them, and a standalone .svg file does not need them.
	out := buf.Bytes()
	if i := bytes.Index(out, []byte("<svg")); i > 0 {
		out = out[i:]
	}
	_, err := w.Write(out)
	return err
}

// log2Ticks puts major ticks at the powers of two in range, labelled as
// integers (or fractions below one), thinned to at most about eight labels.
type log2Ticks struct{}

var _ gplot.Ticker = log2Ticks{}

func (log2Ticks) Ticks(min, max float64) []gplot.Tick {
	if min <= 0 || max <= 0 || min > max {
		return nil
	}
	lo, hi := int(math.Ceil(math.Log2(min))), int(math.Floor(math.Log2(max)))
	step := 1
	for (hi-lo)/step > 8 {
		step *= 2
	}
	var ticks []gplot.Tick
	for e := lo; e <= hi; e++ {
		v := math.Exp2(float64(e))
		t := gplot.Tick{Value: v}
		if (e-lo)%step == 0 {
			t.Label = strconv.FormatFloat(v, 'g', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// intTicks puts ticks at the integers in range, thinned to at most about
// ten labels.
type intTicks struct{}

var _ gplot.Ticker = intTicks{}

func (intTicks) Ticks(min, max float64) []gplot.Tick {
	lo, hi := int(math.Ceil(min)), int(math.Floor(max))
	if hi < lo {
		return nil
	}
	step := 1
	for (hi-lo)/step > 10 {
		step *= 2
	}
	var ticks []gplot.Tick
	for v := lo; v <= hi; v++ {
		t := gplot.Tick{Value: float64(v)}
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
func paletteColor(i int) color.Color {
	p := [...]color.RGBA{
		{0x00, 0x72, 0xB2, 0xff}, // blue
		{0xD5, 0x5E, 0x00, 0xff}, // vermillion
		{0x00, 0x9E, 0x73, 0xff}, // bluish green
		{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
		{0xE6, 0x9F, 0x00, 0xff}, // orange
		{0x56, 0xB4, 0xE9, 0xff}, // sky blue
		{0xF0, 0xE4, 0x42, 0xff}, // yellow
		{0x33, 0x33, 0x33, 0xff}, // near black
	}
	if i < 0 {
		i = -i
	}
	return p[i%len(p)]
}

// glyphShape varies the point markers so that series stay apart in grey.
func glyphShape(i int) draw.GlyphDrawer {
	switch i % 5 {
	case 0:
		return draw.CircleGlyph{}
	case 1:
		return draw.SquareGlyph{}
	case 2:
		return draw.TriangleGlyph{}
	case 3:
		return draw.PlusGlyph{}
	default:
		return draw.CrossGlyph{}
	}
}

func lineStyle(c int, d Dash) draw.LineStyle {
	ls := draw.LineStyle{Color: paletteColor(c), Width: vg.Points(1.5)}
	switch d {
	case Dashed:
		ls.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	case Dotted:
		ls.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	}
	return ls
}
