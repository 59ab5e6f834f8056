package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestAgree: a run agrees with itself in every check; a slower run's
// rows are there beside it, and its misses are named.
func TestAgree(t *testing.T) {
	run, slower := filepath.Join("testdata", "run.txt"), filepath.Join("testdata", "run-slower.txt")
	stdout, stderr, code := execCLI(t, "agree", "--json", run, run, run)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got struct {
		Runs []string `json:"runs"`
		Rows []struct {
			Case     string `json:"case"`
			Quantity string `json:"quantity"`
			Checks   int    `json:"checks"`
			Held     int    `json:"held"`
			Runs     []struct {
				V *float64 `json:"v"`
			} `json:"runs"`
			Pooled *struct {
				Runs    int      `json:"runs"`
				V       *float64 `json:"v"`
				Between *float64 `json:"between_sd"`
			} `json:"pooled"`
		} `json:"rows"`
		Held, Checks int
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if len(got.Rows) == 0 || got.Checks == 0 || got.Held != got.Checks {
		t.Errorf("one run three times: %d rows, %d of %d checks held; want rows, and every check held", len(got.Rows), got.Held, got.Checks)
	}
	for _, r := range got.Rows {
		if r.Checks != 6 && r.Checks != 0 {
			t.Errorf("%s %s: %d checks, want 6 (three runs, each against the other two) or 0 (no interval)", r.Case, r.Quantity, r.Checks)
		}
		if p := r.Pooled; r.Checks == 6 && (p == nil || p.Runs != 3 || p.V == nil || r.Runs[0].V == nil || math.Abs(*p.V-*r.Runs[0].V) > 1e-9 || p.Between == nil || *p.Between != 0) {
			t.Errorf("%s %s: one run three times pooled as %+v, want 3 runs, the run's own estimate, no spread between", r.Case, r.Quantity, p)
		}
	}

	stdout, stderr, code = execCLI(t, "agree", run, slower)
	if code != exitOK {
		t.Fatalf("agree describes and exits 0 whatever it finds: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"run 1: " + run, "run 2: " + slower, "case", "quantity", "pooled", "between", "held", "checks held"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestAgreeUsage(t *testing.T) {
	run := filepath.Join("testdata", "run.txt")
	wantUsageError(t, []string{"agree", run}, "one run agrees with nothing", "requires at least 2 arg")
	wantUsageError(t, []string{"agree", run, filepath.Join("testdata", "empty.txt")}, "an empty file is an input error", "empty.txt")
	wantUsageError(t, []string{"agree", filepath.Join("testdata", "gotest-old.txt"), filepath.Join("testdata", "gotest-new.txt")},
		"go test output has no headline to agree on", "no headline")
	wantUsageError(t, []string{"agree", run, filepath.Join(t.TempDir(), "missing")}, "a missing file is an input error", "missing")
}
