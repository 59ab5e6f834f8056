package stats

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

func TestNoFunctionReordersItsArgument(t *testing.T) {
	in := []float64{5, 1, 4, 2, 3, 9, 0}
	want := slices.Clone(in)
	other := []float64{50, 10, 40, 20, 30, 90, 1}
	otherWant := slices.Clone(other)
	calls := []struct {
		name string
		call func()
	}{
		{"Median", func() { Median(in) }},
		{"MedianCI", func() { MedianCI(in, 0.95) }},
		{"Compare", func() { Compare(in, other, 0.05) }},
		{"Lower", func() { Lower(other, in, 0.05) }},
		{"RatioCI", func() { RatioCI(in, other, 0.95) }},
		{"NewSpread", func() { NewSpread(in) }},
	}
	for _, c := range calls {
		c.call()
		if !slices.Equal(in, want) || !slices.Equal(other, otherWant) {
			t.Fatalf("%s reordered its argument: %v, %v; want %v, %v (a report model's samples must stay in file order)",
				c.name, in, other, want, otherWant)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in     []float64
		want   float64
		reason string
	}{
		{[]float64{3, 1, 2}, 2, "odd count: the middle value"},
		{[]float64{4, 1, 3, 2}, 2.5, "even count: the mean of the middle two"},
		{[]float64{7}, 7, "one value"},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v (%s)", tt.in, got, tt.want, tt.reason)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is not NaN")
	}
}

func TestMedianCI(t *testing.T) {
	e := MedianCI([]float64{100, 102, 98, 101, 99, 103}, 0.95)
	if e.N != 6 || e.Median != 100.5 || !(e.Lo <= 99 && e.Hi >= 102) {
		t.Errorf("MedianCI = %+v; want n=6, median 100.5, an interval around it", e)
	}
	if got := e.PlusMinus(4); got != "100.5 ± 2%" {
		t.Errorf("PlusMinus = %q", got)
	}
	few := MedianCI([]float64{3, 1, 2}, 0.95)
	if !math.IsInf(float64(few.Lo), -1) || few.PctRange() != "∞" || few.Interval(3) != "2.00 (n=3, no CI)" {
		t.Errorf("3 samples: %+v %q %q; want an unbounded interval, said so", few, few.PctRange(), few.Interval(3))
	}
	if _, err := json.Marshal(few); err != nil {
		t.Errorf("an unbounded Estimate does not marshal: %v", err)
	}
	if none := MedianCI(nil, 0.95); !math.IsNaN(float64(none.Median)) || none.N != 0 {
		t.Errorf("MedianCI(nil) = %+v", none)
	}
}

func TestRatioCIDeterministic(t *testing.T) {
	a := []float64{100, 101, 99, 102, 98, 100}
	b := []float64{60, 61, 59, 60, 62, 58}
	lo1, hi1 := RatioCI(a, b, 0.95)
	lo2, hi2 := RatioCI(a, b, 0.95)
	if lo1 != lo2 || hi1 != hi2 {
		t.Errorf("bootstrap not deterministic: %v..%v vs %v..%v", lo1, hi1, lo2, hi2)
	}
	if !(lo1 <= 0.6 && 0.6 <= hi1) || lo1 < 0.55 || hi1 > 0.65 {
		t.Errorf("ratio CI %v..%v does not hold the ratio of medians 0.6 tightly", lo1, hi1)
	}
	shuffled := []float64{98, 102, 100, 99, 101, 100}
	if lo, hi := RatioCI(shuffled, b, 0.95); lo != lo1 || hi != hi1 {
		t.Errorf("reordered repetitions gave %v..%v, want %v..%v: the interval must depend on the values only", lo, hi, lo1, hi1)
	}
	if lo, hi := RatioCI([]float64{0, 0}, b, 0.95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("a zero baseline gave %v..%v, want NaN (the ratio is undefined)", lo, hi)
	}
}

func TestLower(t *testing.T) {
	tests := []struct {
		base, x []float64
		want    bool
		reason  string
	}{
		{[]float64{100, 101, 102, 103, 104}, []float64{50, 51, 52, 53, 54}, true, "a clear gap, n=5+5 can reach p<=0.05"},
		{[]float64{100, 101, 102, 103, 104}, []float64{99, 100, 101, 102, 105}, false, "overlapping samples: the gap is noise"},
		{[]float64{50, 51, 52, 53, 54}, []float64{100, 101, 102, 103, 104}, false, "x higher than base"},
		{[]float64{100, 101, 102}, []float64{50, 51, 52}, false, "n=3+3 can never be significant at 0.05"},
		{nil, []float64{50}, false, "no base samples"},
	}
	for _, tt := range tests {
		if got := Lower(tt.base, tt.x, 0.05); got != tt.want {
			t.Errorf("Lower(%v, %v) = %t, want %t (%s)", tt.base, tt.x, got, tt.want, tt.reason)
		}
	}
}

func TestMinP(t *testing.T) {
	tests := []struct {
		n1, n2 int
		want   float64
	}{
		{3, 3, 0.1}, {4, 4, 0.0286}, {5, 5, 0.0079}, {1, 10, 0.1818}, {0, 5, 1},
	}
	for _, tt := range tests {
		if got := MinP(tt.n1, tt.n2); math.Abs(got-tt.want) > 1e-3 {
			t.Errorf("MinP(%d, %d) = %.4f, want %.4f", tt.n1, tt.n2, got, tt.want)
		}
	}
}

func TestMinRepetitions(t *testing.T) {
	tests := []struct {
		alpha  float64
		want   int
		reason string
	}{
		{0.05, 4, "3 a side reach p=0.1 at best, 4 reach 0.029"},
		{0.2, 3, "3 a side reach p=0.1"},
		{0.01, 5, "4 a side reach 0.029, 5 reach 0.008"},
	}
	for _, tt := range tests {
		if got := MinRepetitions(tt.alpha); got != tt.want {
			t.Errorf("MinRepetitions(%v) = %d, want %d (%s)", tt.alpha, got, tt.want, tt.reason)
		}
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		in      []float64
		bimodal bool
		reason  string
	}{
		{[]float64{30, 31, 29, 30, 32, 30}, false, "one regime"},
		{[]float64{30, 31, 29, 160, 158, 161}, true, "half the probes in another regime"},
		{[]float64{30, 31, 29, 30, 32, 160}, false, "one outlier is not a cluster"},
		{[]float64{30, 31, 29, 45, 46, 47}, false, "a 1.5x gap but a range under 2x: not a regime change"},
	}
	for _, tt := range tests {
		if got := NewSpread(tt.in); got.Bimodal != tt.bimodal {
			t.Errorf("NewSpread(%v).Bimodal = %t, want %t (%s)", tt.in, got.Bimodal, tt.bimodal, tt.reason)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v      float64
		digits int
		want   string
		reason string
	}{
		{120.83, 4, "120.8", "four significant digits"},
		{1512.4, 4, "1512", "no decimals from 1000 up"},
		{4, 4, "4.000", "trailing zeros show the precision"},
		{30.05, 4, "30.05", ""},
		{0.25, 4, "0.25", "below 1: significant digits, no padding"},
		{0.0625, 3, "0.0625", "3 significant digits keep 0.0625 whole"},
		{96.6, 3, "96.6", "the report's three digits"},
		{111.2, 3, "111", ""},
		{4, 2, "4.0", "acquisitions per page in a headline"},
		{0.0625, 2, "0.062", ""},
		{1.5e7, 3, "1.5e+07", "an exponent from a million"},
		{0, 4, "0", "zero is plain"},
		{-12.5, 3, "-12.5", "negative"},
		{math.NaN(), 4, None, "undefined"},
		{math.Inf(1), 4, "∞", ""},
	}
	for _, tt := range tests {
		if got := Format(tt.v, tt.digits); got != tt.want {
			t.Errorf("Format(%v, %d) = %q, want %q (%s)", tt.v, tt.digits, got, tt.want, tt.reason)
		}
	}
}

func TestPct(t *testing.T) {
	tests := []struct {
		f        float64
		decimals int
		signed   bool
		want     string
		reason   string
	}{
		{-0.4123, 0, true, "-41%", "a headline change"},
		{0.1319, 2, true, "+13.19%", "benchstat's change cell"},
		{0, 2, true, "+0.00%", "benchstat prints a zero change signed"},
		{0.95, 0, false, "95%", "an efficiency"},
		{0.05, 0, false, "5%", "a threshold"},
		{math.NaN(), 0, true, None, "undefined"},
	}
	for _, tt := range tests {
		if got := Pct(tt.f, tt.decimals, tt.signed); got != tt.want {
			t.Errorf("Pct(%v, %d, %t) = %q, want %q (%s)", tt.f, tt.decimals, tt.signed, got, tt.want, tt.reason)
		}
	}
}
