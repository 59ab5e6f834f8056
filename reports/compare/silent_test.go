package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports"
	"golang.org/x/perf/benchfmt"
)

// setOf builds a Set from files of result lines: file name -> lines of
// (name, value) in ns/page.
type line struct {
	name string
	val  float64
}

func setOf(files map[string][]line, order ...string) *reports.Set {
	s := &reports.Set{Units: benchfmt.UnitMetadataMap{}}
	for _, f := range order {
		s.Files = append(s.Files, f)
		for _, l := range files[f] {
			r := &benchfmt.Result{Name: benchfmt.Name(l.name), Iters: 1000, Values: []benchfmt.Value{{Value: l.val, Unit: "ns/page"}}}
			r.SetConfig(".file", f)
			tidyValues(r)
			s.Results = append(s.Results, r)
		}
	}
	return s
}

func same(name string, n int, val float64) []line {
	out := make([]line, n)
	for i := range out {
		out[i] = line{name, val * (1 + 0.002*float64(i%5-2))}
	}
	return out
}

// TestGateNeverSilent: each path that used to pass silently (exit 0,
// no annotation, JSON pass true) now either judges or says it could not.
func TestGateNeverSilent(t *testing.T) {
	const page = "PageCache/mode=page/batch=16/lock=mcs/threads=2"
	const other = "PageCache/mode=batch/batch=16/lock=mcs/threads=2/regime=llc-2"
	tests := []struct {
		name       string
		base, head *reports.Set
		status     string
		annotation string
		note       string
		reason     string
	}{
		{"regimes differ",
			setOf(map[string][]line{"a": append(same(page+"/regime=llc-2", 10, 200), same(other, 10, 50)...)}, "a"),
			setOf(map[string][]line{"b": append(same(page+"/regime=xllc-2", 10, 300), same(other, 10, 50)...)}, "b"),
			"unjudged", "::error title=lockbench gate%3A not judged::" + page + "-2: regimes differ", "",
			"+50% whose sides share no regime, beside a judged case: was 'inconclusive' and PASS"},
		{"baseline without regime keys",
			setOf(map[string][]line{"a": same(page+"-2", 10, 200)}, "a"),
			setOf(map[string][]line{"b": append(same(page+"/regime=llc-2", 6, 300), same(page+"/regime=xllc-2", 4, 310)...)}, "b"),
			"regression", "::error title=lockbench gate%3A ns/page regression::" + page + "-2", "compared pooled",
			"a plain go test -bench baseline: every contended case was only-in-baseline/only-in-new and the rest PASSed"},
		{"insufficient beside a judged case",
			setOf(map[string][]line{"a": append(same(page+"-2", 3, 200), same(other, 10, 50)...)}, "a"),
			setOf(map[string][]line{"b": append(same(page+"-2", 3, 300), same(other, 10, 50)...)}, "b"),
			"unjudged", "::error title=lockbench gate%3A not judged::" + page + "-2: n=3+3", "",
			"InsufficientError returned nil once another benchmark was judged"},
		{"unconfirmed",
			setOf(map[string][]line{"a": same(page+"-2", 10, 200)}, "a"),
			setOf(map[string][]line{"b": same(page+"-2", 10, 224)}, "b"),
			"pass", "::warning title=lockbench gate%3A unconfirmed ns/page regression::" + page + "-2", "",
			"a +12% regression of one process a side is unconfirmed: listed, and now annotated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Gate(tt.base, tt.head, quietGate)
			if err != nil {
				t.Fatal(err)
			}
			var gh strings.Builder
			v.WriteGitHub(&gh, false)
			if v.Status != tt.status || !strings.Contains(gh.String(), tt.annotation) {
				t.Errorf("%s: status %s, annotations\n%s\nwant status %s and %q", tt.reason, v.Status, gh.String(), tt.status, tt.annotation)
			}
			if tt.status != "pass" && (v.Pass || (v.Err() == nil && v.UnjudgedError() == nil)) {
				t.Errorf("%s: pass %t, no error: a silent pass", tt.reason, v.Pass)
			}
			var txt strings.Builder
			v.WriteText(&txt)
			if tt.note != "" && !strings.Contains(txt.String(), tt.note) {
				t.Errorf("%s: the text does not say %q:\n%s", tt.reason, tt.note, txt.String())
			}
		})
	}
}

// TestGateFalseFailUnderProcessEffect simulates A/A gates between
// separate runs of one binary: each run is one process (or two, as CI's
// fallback concatenates two halves a side) whose offset from the truth
// is log-normal with a 5% spread, the between-process effect measured
// on the VMs lockbench runs on, and whose repetitions add 1% noise. At
// the defaults the gate must fail (exit 1) at most 5% of such pairs,
// over 8 benchmarks a run; repetitions treated as replications failed
// 11-17%.
func TestGateFalseFailUnderProcessEffect(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	const runs = 200
	for _, tt := range []struct {
		procs, n1, n2 int
	}{{1, 10, 10}, {1, 50, 12}, {2, 5, 5}} {
		fails, trustFails := 0, 0
		rng := rand.New(rand.NewPCG(uint64(tt.procs*100+tt.n1), 5))
		for range runs {
			side := func(prefix string, n int) *reports.Set {
				files := map[string][]line{}
				var order []string
				for p := range tt.procs {
					f := fmt.Sprintf("%s%d.txt", prefix, p)
					order = append(order, f)
					for b := range 8 {
						off := 100 * math.Exp(0.05*rng.NormFloat64())
						for range n {
							files[f] = append(files[f], line{fmt.Sprintf("Bench%d-2", b), off * (1 + 0.01*rng.NormFloat64())})
						}
					}
				}
				return setOf(files, order...)
			}
			base, head := side("base", tt.n1), side("head", tt.n2)
			v, err := Gate(base, head, quietGate)
			if err != nil {
				t.Fatal(err)
			}
			if v.Regressed > 0 {
				fails++
			}
			if tt.procs == 1 && tt.n1 == 10 {
				trust := quietGate
				trust.BetweenProcess = 0
				if v, _ := Gate(base, head, trust); v.Regressed > 0 {
					trustFails++
				}
			}
		}
		if rate := float64(fails) / runs; rate > 0.05 {
			t.Errorf("%d process(es) a side, n=%d+%d: false fail in %.1f%% of %d A/A pairs, want at most 5%%", tt.procs, tt.n1, tt.n2, 100*rate, runs)
		}
		t.Logf("%d process(es) a side, n=%d+%d: false fail %.1f%% at the defaults (%.1f%% trusting repetitions, where computed)", tt.procs, tt.n1, tt.n2, 100*float64(fails)/runs, 100*float64(trustFails)/runs)
	}
}

// TestGateProcessesAsReplications: with enough processes a side (as in
// lockbench ab's results, or many runs concatenated), their medians are
// the samples, and no allowance is needed to find a +10% change.
func TestGateProcessesAsReplications(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	side := func(prefix string, mean float64) *reports.Set {
		files := map[string][]line{}
		var order []string
		for p := range 8 {
			f := fmt.Sprintf("%s%d.txt", prefix, p)
			order = append(order, f)
			off := mean * math.Exp(0.02*rng.NormFloat64())
			for range 5 {
				files[f] = append(files[f], line{"X-2", off * (1 + 0.01*rng.NormFloat64())})
			}
		}
		return setOf(files, order...)
	}
	v, err := Gate(side("a", 100), side("b", 112), quietGate)
	if err != nil {
		t.Fatal(err)
	}
	c := v.Checks[0]
	if c.Status != StatusRegressed || c.OldProcs != 8 || c.NewProcs != 8 {
		t.Errorf("check %+v; want regressed, judged on 8+8 processes", c)
	}
	for _, w := range v.Warnings {
		if strings.Contains(w, "between-run spread is unknown") {
			t.Errorf("warning %q with 8 processes a side", w)
		}
	}
}
