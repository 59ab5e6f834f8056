package compare

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/reports"
)

const tornHead = "goos: linux\n" +
	"BenchmarkPageCache/mode=page/lock=mcs/threads=2-2\t1000\t41.2 ns/page\t4.0 acq/page\t900 wait-p99-ns\n"

func TestGateRegimes(t *testing.T) {
	const p = "PageCache/mode=page/batch=16/lock=mcs/threads=2/regime=%s-2"
	mk := func(reg string, n int, ns, xfer float64) []*benchfmt.Result {
		return reps(fmt.Sprintf(p, reg), n, ns, 8, xfer)
	}
	cat := func(rs ...[]*benchfmt.Result) *reports.Set {
		s := &reports.Set{Files: []string{"x"}, Units: benchfmt.UnitMetadataMap{}}
		for _, r := range rs {
			for _, x := range r {
				tidyValues(x)
				s.Results = append(s.Results, x)
			}
		}
		return s
	}
	tests := []struct {
		name               string
		base, head         *reports.Set
		status             string
		pass, err          bool
		regressed, inconcl int
		reason             string
	}{
		{"same regime", cat(mk("llc", 8, 200, 25)), cat(mk("llc", 8, 201, 25)), "pass", true, false, 0, 0,
			"A/A in one regime passes"},
		{"regime missing on one side", cat(mk("llc", 8, 200, 25)), cat(mk("xllc", 8, 680, 170)), "", false, true, 0, 1,
			"nothing in common but the case in another regime: nothing could be compared, exit 2"},
		{"one regime shared, one not", cat(mk("llc", 8, 200, 25), reps("PageCache/mode=batch/batch=16/lock=mcs/threads=2/regime=llc-2", 8, 50, 0.5, 25)),
			cat(mk("llc", 8, 200, 25), reps("PageCache/mode=batch/batch=16/lock=mcs/threads=2/regime=xllc-2", 8, 170, 0.5, 170)),
			"unjudged", false, false, 0, 1, "the batch case ran in different regimes: inconclusive (25 ns against 170 ns), not judged, and so not a pass (exit 3)"},
		{"slow regime not pooled", cat(mk("llc", 8, 200, 25), mk("xllc", 3, 680, 170)), cat(mk("llc", 6, 200, 25), mk("xllc", 8, 680, 170)), "pass", true, false, 0, 0,
			"more slow-regime repetitions in the new run do not read as a regression"},
		{"real regression", cat(mk("llc", 8, 200, 25)), cat(mk("llc", 8, 260, 25)), "regression", false, false, 1, 0,
			"a 30% slowdown within one regime is caught"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Gate(tt.base, tt.head, quietGate)
			if (err != nil) != tt.err {
				t.Fatalf("%s: err %v", tt.reason, err)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "regimes differ: llc 25 ns against xllc 170 ns") {
					t.Errorf("%s: error %q does not name both regimes", tt.reason, err)
				}
				return
			}
			if v.Pass != tt.pass || v.Regressed != tt.regressed || v.Inconclusive != tt.inconcl {
				t.Errorf("%s: pass %v regressed %d inconclusive %d; want %v %d %d", tt.reason, v.Pass, v.Regressed, v.Inconclusive, tt.pass, tt.regressed, tt.inconcl)
			}
			if (v.UnjudgedError() != nil) != (tt.inconcl > 0) || v.Status != tt.status {
				t.Errorf("%s: status %s, unjudged error %v; want %s, an error exactly when a case was not judged", tt.reason, v.Status, v.UnjudgedError(), tt.status)
			}
			var b strings.Builder
			v.WriteText(&b)
			if tt.inconcl > 0 && !strings.Contains(b.String(), "inconclusive") {
				t.Errorf("%s: text lacks the inconclusive case:\n%s", tt.reason, b.String())
			}
		})
	}
}

// TestNaNThresholds: the library refuses NaN alpha and confidence too
// (item 1), not only the flags.
func TestNaNThresholds(t *testing.T) {
	set, err := reports.Read(strings.NewReader(tornHead), "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	g := quietGate
	g.Alpha = math.NaN()
	if _, err := Gate(set, set, g); err == nil {
		t.Error("Gate with alpha NaN passed")
	}
	o := DefaultOptions
	o.Alpha = math.NaN()
	if _, err := Tables(set, o); err == nil {
		t.Error("Compare with alpha NaN passed")
	}
	o = DefaultOptions
	o.Confidence = math.NaN()
	if _, err := Tables(set, o); err == nil {
		t.Error("Compare with confidence NaN passed")
	}
}

// TestQueryErrorOneLine: a bad filter or projection is one line with its
// column (item 14).
func TestQueryErrorOneLine(t *testing.T) {
	set, err := reports.Read(strings.NewReader(tornHead), "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions
	o.Filter = "((("
	_, err = Tables(set, o)
	qe, ok := errors.AsType[*QueryError](err)
	if !ok || strings.Contains(err.Error(), "\n") || qe.Column != 4 {
		t.Errorf("Tables(filter '(((') = %q, want one-line *QueryError at column 4", err)
	}
}
