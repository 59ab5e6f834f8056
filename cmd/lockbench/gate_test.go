package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

func TestGateGolden(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		github   bool
		wantCode int
		reason   string
	}{
		{"gate-regression", []string{"gate", "--between-process", "0", "--baseline", "testdata/run.txt", "testdata/run-slower.txt"}, false, exitFailure,
			"mode=batch lock=mcs is ~10% slower in run-slower.txt: named, with old, new, delta and p (trusting the repetitions of the one process a side)"},
		{"gate-separate-runs", []string{"gate", "--baseline", "testdata/run.txt", "testdata/run-slower.txt"}, false, exitOK,
			"at the defaults, one process a side: the between-run spread is unknown, said so, and +10% is unconfirmed within the allowance"},
		{"gate-github", []string{"gate", "--between-process", "0", "--baseline", "testdata/run.txt", "testdata/run-slower.txt"}, true, exitFailure,
			"GITHUB_ACTIONS=true adds ::error annotations"},
		{"gate-pass", []string{"gate", "--baseline", "testdata/run.txt", "--filter", "/lock:mutex", "testdata/run-slower.txt"}, false, exitOK,
			"the mutex cases did not change"},
		{"gate-gotest", []string{"gate", "--metric", "ns/op", "--between-process", "0", "--baseline", "testdata/gotest-old.txt", "testdata/gotest-new.txt"}, false, exitFailure,
			"plain go test -bench output: Repeat got 13% slower"},
		{"gate-gotest-rate", []string{"gate", "--metric", "MB/s", "--max-regress", "0.5%", "--baseline", "testdata/gotest-old.txt", "testdata/gotest-new.txt"}, false, exitOK,
			"MB/s is higher-is-better; the changes are within 0.5% or noise"},
		{"gate-ignore-procs", []string{"gate", "--metric", "ns/op", "--between-process", "0", "--ignore", "/gomaxprocs", "--baseline", "testdata/gotest-old.txt", "testdata/gotest-new-4.txt"}, false, exitFailure,
			"--ignore /gomaxprocs matches Repeat-2 with Repeat-4"},
		{"gate-insufficient-allowed", []string{"gate", "--allow-unjudged", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt"}, false, exitOK,
			"with --allow-unjudged the unjudgeable benchmark is reported, not failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.github {
				t.Setenv("GITHUB_ACTIONS", "true")
			} else {
				t.Setenv("GITHUB_ACTIONS", "")
			}
			stdout, stderr, code := execCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (%s); stderr %q", code, tt.wantCode, tt.reason, stderr)
			}
			checkGolden(t, tt.name, stdout)
		})
	}
}

func TestGateRegressionNamed(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "true")
	stdout, stderr, code := execCLI(t, "gate", "--between-process", "0", "--baseline", "testdata/run.txt", "testdata/run-slower.txt")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		// p is Holm-adjusted over the 16 judged benchmarks: 16 x 0.0022.
		"REGRESSION PageCache/mode=batch/batch=16/lock=mcs/threads=2-2: 112.2 -> 124.1 ns/page (+10.59%, p=0.035 n=6+6)",
		"::error title=lockbench gate%3A ns/page regression::PageCache/mode=batch/batch=16/lock=mcs/threads=2-2",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not contain %q", want)
		}
	}
	if !strings.Contains(stderr, "2 benchmark(s) regressed beyond 5% in ns/page") {
		t.Errorf("stderr %q does not sum up the regression", stderr)
	}
}

func TestGateInsufficient(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	// 3 against 3 samples can at best give p=0.1: a +10% change is
	// reported as unjudgeable, never as a pass.
	stdout, stderr, code := execCLI(t, "gate", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt")
	if code != exitUnjudged {
		t.Errorf("exit %d, want 3", code)
	}
	for _, want := range []string{"could not be judged", "n=3+3 can at best reach p=0.100", "at least 4 repetitions", "--allow-unjudged"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not contain %q", stderr, want)
		}
	}
	if !strings.Contains(stdout, "UNJUDGED") || strings.Contains(stdout, "PASS") {
		t.Errorf("stdout must report the benchmark as insufficient, not pass:\n%s", stdout)
	}
}

func TestGateJSON(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	stdout, _, code := execCLI(t, "gate", "--json", "--between-process", "0", "--baseline", "testdata/run.txt", "testdata/run-slower.txt")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1", code)
	}
	var v struct {
		Pass      bool
		Regressed int
		Checks    []struct {
			Name   string
			Status string
			Delta  *float64
			P      *float64
		}
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, stdout)
	}
	if v.Pass || v.Regressed != 2 || len(v.Checks) != 16 {
		t.Errorf("verdict pass=%v regressed=%d checks=%d, want false, 2, 16", v.Pass, v.Regressed, len(v.Checks))
	}
	for _, c := range v.Checks {
		if c.Status == "regressed" && (c.Delta == nil || *c.Delta < 0.05 || c.P == nil || *c.P > 0.05) {
			t.Errorf("regressed check %s has delta %v p %v", c.Name, c.Delta, c.P)
		}
	}
}

func TestGateBadInput(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	tests := []struct {
		args   []string
		want   []string
		reason string
	}{
		{[]string{"gate", "--baseline", "testdata/run.txt", "testdata/nsop.txt"},
			[]string{"testdata/nsop.txt:3: no ns/page measurements", "ns/op", "to judge one of them, pass --metric"},
			"mismatched metrics between baseline and new are named with file:line and the units present"},
		{[]string{"gate", "--metric", "ns/op", "--baseline", "testdata/nsop.txt", "testdata/run.txt"},
			[]string{"testdata/run.txt:6: no ns/op measurements", "ns/page"},
			"the other way round"},
		{[]string{"gate", "--metric", "ns/op", "--baseline", "testdata/other.txt", "testdata/nsop.txt"},
			[]string{"no benchmark is in both"}, "nothing in common"},
		{[]string{"gate", "--metric", "ns/op", "--baseline", "testdata/gotest-old.txt", "testdata/gotest-new-4.txt"},
			[]string{"no benchmark is in both", "pass --ignore /gomaxprocs"}, "runs with different CPU counts get a hint"},
		{[]string{"gate", "testdata/run.txt"}, []string{"gate needs --baseline"}, "the baseline is required"},
		{[]string{"gate", "--baseline", "testdata/run.txt"}, []string{"gate needs the new results"}, "the new results are required"},
		{[]string{"gate", "--max-regress", "five", "--baseline", "testdata/run.txt", "testdata/run.txt"}, []string{"--max-regress", "not a number"}, "thresholds are checked"},
		{[]string{"gate", "--max-regress", "5", "--baseline", "testdata/run.txt", "testdata/run.txt"}, []string{"reads as 500%"}, "5 without % is not 5%"},
		{[]string{"gate", "--better", "sideways", "--baseline", "testdata/run.txt", "testdata/run.txt"}, []string{"--better"}, "direction is checked"},
		{[]string{"gate", "--alpha", "0", "--baseline", "testdata/run.txt", "testdata/run.txt"}, []string{"alpha 0 is not between 0 and 1"}, "alpha is checked"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			wantUsageError(t, tt.args, tt.reason, tt.want...)
		})
	}
}

func TestParseFraction(t *testing.T) {
	for in, want := range map[string]float64{"5%": 0.05, "0.05": 0.05, " 2.5 % ": 0.025, "0": 0, "150%": 1.5} {
		got, err := parseFraction(in)
		if err != nil || got != want {
			t.Errorf("parseFraction(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1%", "NaN", "1", "5"} {
		if _, err := parseFraction(in); err == nil {
			t.Errorf("parseFraction(%q) accepted", in)
		}
	}
}

// TestGateAction checks the composite action other repositories use
// (actionlint lints workflows, not composite actions): its YAML parses,
// and every input it passes on is a flag of gate with the same default.
func TestGateAction(t *testing.T) {
	data, err := os.ReadFile("../../.github/actions/gate/action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Name   string
		Inputs map[string]struct {
			Required bool
			Default  string
		}
		Runs struct {
			Using string
			Steps []map[string]any
		}
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatalf("action.yml does not parse: %v", err)
	}
	if action.Runs.Using != "composite" || len(action.Runs.Steps) == 0 {
		t.Fatalf("not a composite action: %+v", action.Runs)
	}
	gate := newGateCmd()
	for name, in := range action.Inputs {
		switch name {
		case "baseline", "new", "base-lockbench", "new-lockbench":
			if in.Required || in.Default != "" {
				t.Errorf("input %s must be optional and empty by default: the action runs gate on files or ab on builds", name)
			}
			continue
		case "version", "lockbench", "ab-flags":
			continue // the action's own
		case "out":
			if newABCmd().Flags().Lookup(name) == nil {
				t.Errorf("input %s is not a flag of lockbench ab", name)
			}
			continue
		}
		f := gate.Flags().Lookup(name)
		if f == nil {
			t.Errorf("input %s is not a flag of lockbench gate", name)
			continue
		}
		want := f.DefValue
		if name == "metric" {
			want = "ns/op" // the action is for go test -bench output
		}
		if in.Default != want {
			t.Errorf("input %s defaults to %q, gate's flag to %q", name, in.Default, want)
		}
	}
	for _, name := range []string{"baseline", "new", "base-lockbench", "new-lockbench", "metric", "max-regress", "alpha", "allow-unjudged"} {
		if _, ok := action.Inputs[name]; !ok {
			t.Errorf("action lacks input %s", name)
		}
	}
}
