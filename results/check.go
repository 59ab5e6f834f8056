package results

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"

	"github.com/lockbench/lockbench/internal/printable"
	"github.com/lockbench/lockbench/schema"
)

// Check says why a result line benchfmt accepts is no measurement, ""
// when it is one: a value that is NaN or infinite; a unit that is not
// unit text (a number, a control character: a garbled line); a negative
// value of a unit that cannot be negative (a time, a count per page); a
// unit given twice on one line (it would count as two samples); fewer
// than one iteration. Every reader (reports' Load) and merge apply it, so
// that merge never writes a line a reader refuses.
func Check(r *benchfmt.Result) string {
	name := printable.String(string(r.Name))
	for i, v := range r.Values {
		unit := v.Unit
		if v.OrigUnit != "" {
			unit = v.OrigUnit
		}
		if msg := checkUnit(unit); msg != "" {
			return fmt.Sprintf("benchmark %s: %s", name, msg)
		}
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			return fmt.Sprintf("benchmark %s: value %v %s is not a finite number", name, v.Value, unit)
		}
		if v.Value < 0 && nonNegative(unit) {
			return fmt.Sprintf("benchmark %s: value %v %s is negative: no time or count can be", name, v.Value, unit)
		}
		for _, w := range r.Values[:i] {
			// As written: benchfmt tidies some values of a unit and not
			// others (0 xfer-ns stays, 1 xfer-ns becomes 1e-09 xfer-sec).
			if cmp.Or(w.OrigUnit, w.Unit) == unit {
				return fmt.Sprintf("benchmark %s: unit %s given twice on one line: one line is one sample of each unit", name, unit)
			}
		}
	}
	if r.Iters < 1 {
		return fmt.Sprintf("benchmark %s: iteration count %d: a result measures at least one iteration", name, r.Iters)
	}
	return ""
}

// nonNegative reports whether no value of unit can be negative: every
// unit lockbench writes (schema), and times, bytes and allocations per
// operation as `go test` writes them. Custom metrics of other benchmarks
// may be negative (a drift, a delta) and are left alone.
func nonNegative(unit string) bool {
	if _, ok := schema.Lookup(unit); ok {
		return true
	}
	_, tidied := benchunit.Tidy(1, unit)
	for _, p := range []string{"sec/", "B/", "allocs/"} {
		if strings.HasPrefix(tidied, p) {
			return true
		}
	}
	return false
}

// checkUnit returns why unit is not unit text, or "" if it is.
func checkUnit(unit string) string {
	if _, err := strconv.ParseFloat(unit, 64); err == nil {
		return fmt.Sprintf("unit %q is a number: two values in a row, or a value missing its unit (a truncated or garbled line)", unit)
	}
	first, _ := utf8.DecodeRuneInString(unit)
	if !(unicode.IsLetter(first) || first == '%') {
		return fmt.Sprintf("unknown unit text %q: a unit begins with a letter or %%, like ns/op or acq/page", unit)
	}
	for _, c := range unit {
		if unicode.IsControl(c) || c == utf8.RuneError {
			return fmt.Sprintf("unknown unit text %q: control characters in a unit", unit)
		}
	}
	return ""
}
