package stats

import (
	"math"
	"strconv"
)

// None stands for a value that is missing or undefined (NaN) in every
// table and sentence of reports.
const None = "—"

// Short is Format(v, 3): the three significant digits of the report's
// tables and the saving texts.
func Short(v float64) string { return Format(v, 3) }

// Format formats v for reading with digits significant digits, without
// an exponent from 1 up to a million: Format(120.83, 4) is "120.8",
// Format(4, 3) is "4.00", Format(0.0625, 3) is "0.0625", Format(1.5e7, 3)
// is "1.5e+07". NaN is None; infinities are "∞" and "-∞". It is the one
// number formatter of reports' text, Markdown and HTML (the CSV output,
// which is data rather than text, writes shortest %g).
func Format(v float64, digits int) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return None
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	case a == 0:
		return "0"
	case a >= 1e6 || a < 1:
		return strconv.FormatFloat(v, 'g', digits, 64)
	}
	decimals := digits - 1
	for t := 10.0; a >= t && decimals > 0; t *= 10 {
		decimals--
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// Pct formats the fraction f as a percentage with decimals decimals,
// '+' before a positive value when signed: Pct(-0.4123, 0, true) is
// "-41%", Pct(0.1319, 2, true) is "+13.19%" (benchstat's change),
// Pct(0.95, 0, false) is "95%". NaN and infinities are None. It is the
// one percentage formatter of reports.
func Pct(f float64, decimals int, signed bool) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return None
	}
	s := strconv.FormatFloat(100*f, 'f', decimals, 64)
	if signed && s[0] != '-' {
		s = "+" + s
	}
	return s + "%"
}

// Plural is "1 block", "2 blocks": n and the noun, in the plural unless
// n is 1.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Holds reports whether an estimate v with interval [lo, hi] is worth
// printing as a number: it has an interval and the interval keeps the
// sign of v. A part whose interval spans zero is "≈0" to a reader.
func Holds(v, lo, hi Float) bool {
	if math.IsNaN(float64(v)) || math.IsNaN(float64(lo)) || math.IsNaN(float64(hi)) {
		return false
	}
	return (lo > 0 && v > 0) || (hi < 0 && v < 0)
}
