package compare

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/schema"
)

// result is a result line built in memory, as the harness makes them
// (no "Benchmark" prefix, units untidied): kv is value, unit, ...
func result(name string, kv ...any) *benchfmt.Result {
	r := &benchfmt.Result{Name: benchfmt.Name(name), Iters: 1000}
	for i := 0; i < len(kv); i += 2 {
		r.Values = append(r.Values, benchfmt.Value{Value: kv[i].(float64), Unit: kv[i+1].(string)})
	}
	return r
}

// reps returns n results of name with ns/page around ns (±1%, fixed
// pattern) and the given acq/page and xfer-ns.
func reps(name string, n int, ns, acq, xfer float64) []*benchfmt.Result {
	var out []*benchfmt.Result
	for i := range n {
		d := 1 + 0.01*float64(i%3-1)
		out = append(out, result(name, ns*d, "ns/page", acq, "acq/page", xfer, schema.UnitXfer))
	}
	return out
}

// tidyValues tidies r's units as Load does (sec/page for ns/page).
func tidyValues(r *benchfmt.Result) {
	for i := range r.Values {
		v := &r.Values[i]
		if v.OrigUnit != "" {
			continue
		}
		tv, tu := benchunit.Tidy(v.Value, v.Unit)
		if tu != v.Unit {
			*v = benchfmt.Value{Value: tv, Unit: tu, OrigValue: v.Value, OrigUnit: v.Unit}
		}
	}
}

// read reads results text named name, as Load reads a file.
func read(t *testing.T, text, name string) *reports.Set {
	t.Helper()
	set, err := reports.Read(strings.NewReader(text), name)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// FuzzCompare: whatever Load accepts, Compare and Gate take without a
// panic or a NaN in a center.
func FuzzCompare(f *testing.F) {
	for _, s := range []string{
		"BenchmarkX-2 100 10 ns/op\n",
		"goos: linux\nBenchmarkPageCache/mode=batch/batch=16/lock=mcs/threads=2-2\t4000000\t41.2 ns/page\t0.19 acq/page\t0 xfer-ns\n",
		"Unit ns/op better=higher assume=exact\nBenchmarkX 1 1 ns/op\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := reports.Read(strings.NewReader(string(data)), "fuzz.txt")
		if err != nil {
			return
		}
		cmp, err := Tables(set, DefaultOptions)
		if err != nil {
			t.Fatalf("Compare of a loaded set: %v", err)
		}
		for _, tb := range cmp.Tables {
			for _, r := range tb.Rows {
				for _, c := range r.Cells {
					if c != nil && math.IsNaN(float64(c.Center)) {
						t.Fatalf("NaN center in %s", fmt.Sprint(r.Name))
					}
				}
			}
		}
	})
}
