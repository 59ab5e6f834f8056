package plot

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Font sizes in points.
const (
	titleSize  = 13
	labelSize  = 11
	tickSize   = 9
	legendSize = 10
)

// frame lays out one chart: the plot area inside the title, the axes'
// labels and ticks, and the legend below. Data are drawn on c in pixel
// coordinates (one unit is one point) through px and py; finish writes
// the grid under them and the axes and text over them.
type frame struct {
	c                     canvas
	title, xlabel, ylabel string
	w, h                  float64 // the chart, legend excluded
	left, right           float64 // the plot area's x extent
	top, bottom           float64 // its y extent (bottom is the x axis)
	xmin, xmax            float64
	xlog                  bool
	xticks                []tick
	xgrid                 bool
	ymin, ymax            float64
	yticks                []tick
}

func newFrame(title, xlabel, ylabel string, width, height float64) *frame {
	if width == 0 {
		width = DefaultWidth
	}
	if height == 0 {
		height = DefaultHeight
	}
	f := &frame{title: title, xlabel: xlabel, ylabel: ylabel, w: width, h: height, xgrid: true}
	f.top = 10
	if title != "" {
		f.top = 30
	}
	f.bottom = height - 22
	if xlabel != "" {
		f.bottom = height - 38
	}
	f.right = width - 16
	return f
}

func (f *frame) setX(min, max float64, log bool, ticks []tick) {
	f.xmin, f.xmax, f.xlog, f.xticks = min, max, log, ticks
}

// setY sets the y range and ticks, and with them the left margin: room
// for the widest tick label and the rotated axis label.
func (f *frame) setY(min, max float64, ticks []tick) {
	f.ymin, f.ymax, f.yticks = min, max, ticks
	widest := 0.0
	for _, t := range ticks {
		widest = math.Max(widest, textWidth(t.Label, tickSize))
	}
	f.left = 8 + widest + 6
	if f.ylabel != "" {
		f.left += labelSize + 6
	}
}

// px and py map data coordinates to the canvas.
func (f *frame) px(x float64) float64 {
	lo, hi := f.xmin, f.xmax
	if f.xlog {
		x, lo, hi = math.Log2(x), math.Log2(lo), math.Log2(hi)
	}
	return f.left + (x-lo)/(hi-lo)*(f.right-f.left)
}

func (f *frame) py(y float64) float64 {
	return f.bottom - (y-f.ymin)/(f.ymax-f.ymin)*(f.bottom-f.top)
}

// A legendEntry is one line of the legend: a thumbnail and its label.
type legendEntry struct {
	label  string
	color  string
	line   bool // a stretch of line in dash
	dash   Dash
	marker int // a marker shape (glyph index), or -1 for none
	radius float64
	box    bool // a filled box, for a bar chart's layer
}

// finish writes the chart to w: background, grid, the data drawn so far,
// axes with their ticks and labels, title, and the legend in up to three
// columns below the chart (a legend inside the data area hides data, and
// labels from input can be long).
func (f *frame) finish(w io.Writer, legend []legendEntry) error {
	const rowsPerColumn = 4
	columns := min((len(legend)+rowsPerColumn-1)/rowsPerColumn, 3)
	rows := 0
	if columns > 0 {
		rows = (len(legend) + columns - 1) / columns
	}
	entryh := legendSize*1.2 + 2
	legendh := 0.0
	if rows > 0 {
		legendh = float64(rows)*entryh + 8
	}
	total := f.h + legendh

	var out canvas
	fmt.Fprintf(&out.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%spt" height="%spt" viewBox="0 0 %s %s" font-family="Liberation Sans, Arial, Helvetica, sans-serif">`+"\n",
		num(f.w), num(total), num(f.w), num(total))
	fmt.Fprintf(&out.b, `<rect width="%s" height="%s" fill="white"/>`+"\n", num(f.w), num(total))

	// Grid lines at the labelled ticks, under the data.
	for _, t := range f.yticks {
		if t.Label != "" {
			out.line(f.left, f.py(t.Value), f.right, f.py(t.Value), "#e3e3e3", 0.75)
		}
	}
	if f.xgrid {
		for _, t := range f.xticks {
			if t.Label != "" {
				out.line(f.px(t.Value), f.top, f.px(t.Value), f.bottom, "#e3e3e3", 0.75)
			}
		}
	}
	out.b.Write(f.c.b.Bytes())

	// Axes, ticks and their labels.
	out.line(f.left, f.bottom, f.right, f.bottom, "black", 1)
	out.line(f.left, f.top, f.left, f.bottom, "black", 1)
	for _, t := range f.xticks {
		x, l := f.px(t.Value), 2.0
		if t.Label != "" {
			l = 4
			out.text(x, f.bottom+4+tickSize+1, tickSize, "middle", "", t.Label)
		}
		out.line(x, f.bottom, x, f.bottom+l, "black", 0.75)
	}
	for _, t := range f.yticks {
		y := f.py(t.Value)
		out.line(f.left-4, y, f.left, y, "black", 0.75)
		out.text(f.left-6, y+tickSize*0.35, tickSize, "end", "", t.Label)
	}
	if f.xlabel != "" {
		out.text((f.left+f.right)/2, f.h-10, labelSize, "middle", "", f.xlabel)
	}
	if f.ylabel != "" {
		x, y := 8+labelSize*0.8, (f.top+f.bottom)/2
		out.text(0, 0, labelSize, "middle", fmt.Sprintf("translate(%s,%s) rotate(-90)", num(x), num(y)), f.ylabel)
	}
	if f.title != "" {
		out.text(f.w/2, 8+titleSize, titleSize, "middle", "", f.title)
	}

	// The legend.
	colw := (f.w - 20) / math.Max(1, float64(columns))
	for i, e := range legend {
		col, row := i/max(rows, 1), i%max(rows, 1)
		x := 10 + float64(col)*colw
		cy := f.h + 4 + float64(row)*entryh + entryh/2
		switch {
		case e.box:
			out.bar(x+4, cy-5, 14, 10, e.color)
		case e.line:
			out.polyline([][2]float64{{x, cy}, {x + 22, cy}}, e.color, e.dash)
		}
		if e.marker >= 0 {
			out.marker(x+11, cy, e.radius, e.marker, e.color)
		}
		out.text(x+28, cy+legendSize*0.35, legendSize, "start", "", e.label)
	}
	out.b.WriteString("</svg>\n")
	_, err := w.Write(out.b.Bytes())
	return err
}

// canvas writes SVG elements in canvas coordinates.
type canvas struct{ b bytes.Buffer }

func (c *canvas) line(x1, y1, x2, y2 float64, color string, width float64) {
	fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"/>`+"\n",
		num(x1), num(y1), num(x2), num(y2), color, num(width))
}

// polyline joins the points with a line of width 1.5 in the dash.
func (c *canvas) polyline(pts [][2]float64, color string, d Dash) {
	var p strings.Builder
	for i, pt := range pts {
		if i == 0 {
			p.WriteString("M")
		} else {
			p.WriteString(" L")
		}
		p.WriteString(num(pt[0]) + " " + num(pt[1]))
	}
	dash := ""
	switch d {
	case Dashed:
		dash = ` stroke-dasharray="6 3"`
	case Dotted:
		dash = ` stroke-dasharray="1.5 2.5"`
	}
	fmt.Fprintf(&c.b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-linejoin="round"%s/>`+"\n", p.String(), color, dash)
}

// marker draws point marker shape i (mod 5) of radius r at (x, y): a
// filled circle, a square, a triangle, a plus and a cross, so that series
// stay apart in grey.
func (c *canvas) marker(x, y, r float64, shape int, color string) {
	stroke := fmt.Sprintf(`fill="none" stroke="%s" stroke-width="1"`, color)
	switch shape % 5 {
	case 0:
		fmt.Fprintf(&c.b, `<circle cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n", num(x), num(y), num(r), color)
	case 1:
		fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" %s/>`+"\n", num(x-r), num(y-r), num(2*r), num(2*r), stroke)
	case 2:
		h := r * math.Sqrt(3) / 2
		fmt.Fprintf(&c.b, `<polygon points="%s,%s %s,%s %s,%s" %s/>`+"\n",
			num(x), num(y-r), num(x-h), num(y+r/2), num(x+h), num(y+r/2), stroke)
	case 3:
		fmt.Fprintf(&c.b, `<polyline points="%s,%s %s,%s" %s/>`, num(x-r), num(y), num(x+r), num(y), stroke)
		fmt.Fprintf(&c.b, `<polyline points="%s,%s %s,%s" %s/>`+"\n", num(x), num(y-r), num(x), num(y+r), stroke)
	default:
		d := r / math.Sqrt2 * 1.3
		fmt.Fprintf(&c.b, `<polyline points="%s,%s %s,%s" %s/>`, num(x-d), num(y-d), num(x+d), num(y+d), stroke)
		fmt.Fprintf(&c.b, `<polyline points="%s,%s %s,%s" %s/>`+"\n", num(x-d), num(y+d), num(x+d), num(y-d), stroke)
	}
}

// bar draws a filled rectangle with a thin grey outline.
func (c *canvas) bar(x, y, w, h float64, color string) {
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#3c3c3c" stroke-width="0.5"/>`+"\n",
		num(x), num(y), num(w), num(h), color)
}

// text draws s, escaped, with its baseline at (x, y).
func (c *canvas) text(x, y, size float64, anchor, transform, s string) {
	if transform != "" {
		transform = ` transform="` + transform + `"`
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" font-size="%s" text-anchor="%s"%s>%s</text>`+"\n",
		num(x), num(y), num(size), anchor, transform, escape(s))
}

// num formats a coordinate to two decimals, without trailing zeros.
func num(v float64) string {
	if !finite(v) {
		v = 0
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// textWidth estimates the width of s in points at a font size: about
// 0.55 em per character in a sans-serif font, wider than most digits and
// lower-case letters, so that the layout leaves room rather than overlaps.
func textWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.55
}

// escape makes s safe as XML character data and attribute value: the
// five special characters become references, and what XML 1.0 cannot
// carry at all (control characters, invalid UTF-8, U+FFFE and U+FFFF)
// becomes U+FFFD.
func escape(s string) string {
	var b strings.Builder
	// Ranging over invalid UTF-8 yields utf8.RuneError, written as U+FFFD.
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&#34;")
		case r == '\'':
			b.WriteString("&#39;")
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r == 0xFFFE, r == 0xFFFF:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
