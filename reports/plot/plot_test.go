package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

// svgTexts parses an SVG document strictly as XML and returns the text of
// its <text> elements, failing the test on malformed XML.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "script" {
				t.Fatalf("svg contains a <script> element")
			}
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		}
	}
	return texts
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestChartLabelsAndEscaping(t *testing.T) {
	const hostile = "<script>alert(1)</script> & \"q\""
	c := &Chart{
		Title:  "ns/page vs batch size, " + hostile,
		XLabel: "batch size (pages)",
		YLabel: "ns/page",
		XScale: Log2,
		Lines: []Series{
			{Label: "batch, lock=" + hostile, X: []float64{1, 2, 4, 8, 16, 64}, Y: []float64{90, 60, 45, 40, 38, 37}},
			{Label: "pcp", X: []float64{4, 16, math.NaN()}, Y: []float64{50, 42, 1}, Color: 1, Dash: Dashed},
		},
		Refs: []RefLine{
			{Label: "page", Y: 100, Color: 2, Dash: Dashed},
			{Label: "large", Y: 35, Color: 3, Dash: Dotted},
		},
	}
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte("<svg")) {
		t.Errorf("svg must start with <svg for inlining, starts with %q", out[:min(20, len(out))])
	}
	if bytes.Contains(out, []byte("<script")) {
		t.Errorf("raw <script in svg output: a label was not escaped")
	}
	if n := bytes.Count(out, []byte("<svg")); n != 1 {
		t.Errorf("%d <svg elements, want 1", n)
	}
	texts := svgTexts(t, out)
	for _, want := range []string{
		c.Title, c.XLabel, c.YLabel, // stand-alone: title and axis labels
		"batch, lock=" + hostile, "pcp", "page", "large", // legend, hostile text as text
		"1", "4", "16", "64", // log2 ticks at powers of two
	} {
		if !contains(texts, want) {
			t.Errorf("svg has no text %q; texts: %q", want, texts)
		}
	}
	if contains(texts, "3") || contains(texts, "10") {
		t.Errorf("log2 axis labels a tick that is not a power of two: %q", texts)
	}
}

func TestBars(t *testing.T) {
	for _, stacked := range []bool{false, true} {
		b := &Bars{
			Title:      "per-page time by mode",
			YLabel:     "thread-ns/page",
			Categories: []string{"page", "batch/16", "large"},
			Stacked:    stacked,
			Layers: []Layer{
				{Label: "lock acquire/release", Values: []float64{40, 3, 1}},
				{Label: "waiting", Values: []float64{20, math.NaN(), -1}, Color: 1},
				{Label: "the rest", Values: []float64{30, 30, 30}, Color: 2},
			},
		}
		var buf bytes.Buffer
		if err := b.WriteSVG(&buf); err != nil {
			t.Fatalf("stacked=%v: %v", stacked, err)
		}
		texts := svgTexts(t, buf.Bytes())
		for _, want := range []string{b.Title, b.YLabel, "page", "batch/16", "large", "lock acquire/release", "waiting", "the rest"} {
			if !contains(texts, want) {
				t.Errorf("stacked=%v: svg has no text %q", stacked, want)
			}
		}
	}
}

func TestNoData(t *testing.T) {
	tests := []struct {
		name   string
		w      interface{ WriteSVG(io.Writer) error }
		reason string
	}{
		{"empty chart", &Chart{Title: "x"}, "nothing to draw"},
		{"only NaN", &Chart{Lines: []Series{{X: []float64{1}, Y: []float64{math.NaN()}}}}, "NaN points are skipped"},
		{"log2 of zero", &Chart{XScale: Log2, Lines: []Series{{X: []float64{0}, Y: []float64{1}}}}, "x <= 0 has no place on a log axis"},
		{"no categories", &Bars{Layers: []Layer{{Label: "a"}}}, "no bars"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := tt.w.WriteSVG(&buf); !errors.Is(err, ErrNoData) {
			t.Errorf("%s: err = %v, want ErrNoData (%s)", tt.name, err, tt.reason)
		}
	}
}

func TestMismatchedLengths(t *testing.T) {
	c := &Chart{Lines: []Series{{Label: "bad", X: []float64{1, 2}, Y: []float64{1}}}}
	err := c.WriteSVG(io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("err = %v, want an error naming the series", err)
	}
	b := &Bars{Categories: []string{"a", "b"}, Layers: []Layer{{Label: "short", Values: []float64{1}}}}
	if err := b.WriteSVG(io.Discard); err == nil || !strings.Contains(err.Error(), `"short"`) {
		t.Errorf("err = %v, want an error naming the layer", err)
	}
}

func TestSinglePoint(t *testing.T) {
	// One thread count only: the x range is padded, not degenerate.
	c := &Chart{Title: "t", XLabel: "threads", YLabel: "pages/s", Lines: []Series{{Label: "page", X: []float64{2}, Y: []float64{1e7}}}}
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	svgTexts(t, buf.Bytes())
}

func TestLog2Ticks(t *testing.T) {
	ticks := log2Ticks{}.Ticks(1, 1<<20)
	labels := 0
	for _, tk := range ticks {
		if tk.Label != "" {
			labels++
		}
		if e := math.Log2(tk.Value); e != math.Trunc(e) {
			t.Errorf("tick %v is not a power of two", tk.Value)
		}
	}
	if len(ticks) != 21 || labels > 11 || labels < 5 {
		t.Errorf("%d ticks with %d labels over 1..2^20; want 21 ticks and a thinned set of labels", len(ticks), labels)
	}
	if got := (log2Ticks{}).Ticks(0.5, 2); len(got) != 3 || got[0].Label != "0.5" {
		t.Errorf("ticks 0.5..2 = %+v", got)
	}
	var narrow []string
	for _, tk := range (log2Ticks{}).Ticks(150, 400) {
		narrow = append(narrow, tk.Label)
	}
	if strings.Join(narrow, ",") != "150,200,250,300,350,400" {
		t.Errorf("ticks 150..400 = %q: with one power of two in range, want the linear axis's labels", narrow)
	}
}

func TestIntTicks(t *testing.T) {
	ticks := (intTicks{}).Ticks(0.5, 4.5)
	var labels []string
	for _, tk := range ticks {
		labels = append(labels, tk.Label)
	}
	if strings.Join(labels, ",") != "1,2,3,4" {
		t.Errorf("integer ticks over 0.5..4.5 = %q, want 1,2,3,4", labels)
	}
	if got := (intTicks{}).Ticks(1.2, 1.8); len(got) != 0 {
		t.Errorf("no integer in 1.2..1.8, got %+v", got)
	}
}

func TestPointsAreNotJoined(t *testing.T) {
	// A scatter of repetitions: the same series drawn with Points must
	// lose the line joining its points (and its legend thumbnail's line),
	// and keep the points.
	draw := func(points bool) string {
		c := &Chart{Title: "t", XLabel: "xfer-ns", YLabel: "ns/page", XScale: Log2, Points: points,
			Lines: []Series{{Label: "page", X: []float64{25, 170, 30}, Y: []float64{200, 700, 210}}}}
		var buf bytes.Buffer
		if err := c.WriteSVG(&buf); err != nil {
			t.Fatal(err)
		}
		svgTexts(t, buf.Bytes())
		return buf.String()
	}
	joined, scatter := strings.Count(draw(false), "<path"), strings.Count(draw(true), "<path")
	if scatter != joined-2 {
		t.Errorf("%d paths with Points, %d joined: want the series' line and its legend line gone (2 fewer)", scatter, joined)
	}
}

func TestEscapeUnrepresentable(t *testing.T) {
	// Lock names and labels come from input files: a control character or
	// invalid UTF-8 must not make the SVG (or the HTML it is inlined in)
	// unparsable.
	label := "lock\x00name\x1b[0m \xff\xfe end"
	c := &Chart{Title: label, XLabel: "x", YLabel: "y",
		Lines: []Series{{Label: label, X: []float64{1, 2}, Y: []float64{1, 2}}}}
	var buf bytes.Buffer
	if err := c.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	texts := svgTexts(t, buf.Bytes())
	want := "lock\ufffdname\ufffd[0m \ufffd\ufffd end"
	if !contains(texts, want) {
		t.Errorf("svg has no text %q; texts: %q", want, texts)
	}
	if got := escape(`a<b>&"c'` + "\t\n"); got != "a&lt;b&gt;&amp;&#34;c&#39;\t\n" {
		t.Errorf("escape = %q", got)
	}
}

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		want   string
		reason string
	}{
		{0, 105, "0,20,40,60,80,100", "steps of 2×10^k, labels without decimals"},
		{0, 0.37, "0,0.1,0.2,0.3", "decimals the step needs, no 0.30000000000000004"},
		{-12, 31.5, "-10,0,10,20,30", "a negative range crosses zero at a tick, not -0"},
		{0, 2.1e7, "0,5e+06,1e+07,1.5e+07,2e+07", "large values in exponent form"},
		{3, 3, "", "an empty range has no ticks"},
	}
	for _, tt := range tests {
		var labels []string
		for _, tk := range (niceTicks{}).Ticks(tt.lo, tt.hi) {
			labels = append(labels, tk.Label)
		}
		if got := strings.Join(labels, ","); got != tt.want {
			t.Errorf("ticks over %v..%v = %q, want %q (%s)", tt.lo, tt.hi, got, tt.want, tt.reason)
		}
	}
}

func TestNegativeBarsSideBySide(t *testing.T) {
	// A saving can be negative: side by side it is drawn below zero, with
	// the y axis extended to show it; stacked it is drawn as zero.
	b := &Bars{Title: "t", YLabel: "ns", Categories: []string{"a", "b"},
		Layers: []Layer{{Label: "l", Values: []float64{10, -5}}}}
	var buf bytes.Buffer
	if err := b.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	if texts := svgTexts(t, buf.Bytes()); !contains(texts, "-4") && !contains(texts, "-5") && !contains(texts, "-2") {
		t.Errorf("side-by-side bars with a negative value: no negative y tick in %q", texts)
	}
	b.Stacked = true
	buf.Reset()
	if err := b.WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range svgTexts(t, buf.Bytes()) {
		if strings.HasPrefix(s, "-") {
			t.Errorf("stacked bars draw negatives as zero, but the y axis has tick %q", s)
		}
	}
}
