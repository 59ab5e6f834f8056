package render

import (
	"strings"

	"golang.org/x/perf/benchfmt"
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

// notFloor drops the warning that no floor case was run.
func notFloor(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !strings.HasPrefix(w, "no lock=none case at 1 thread") && !strings.HasPrefix(w, "no 1-thread case: the savings are not split") {
			out = append(out, w)
		}
	}
	return out
}
