package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchFile writes a results file of n lines per (name, ns/page).
func benchFile(t *testing.T, dir, file string, n int, rows ...any) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i+1 < len(rows); i += 2 {
		for k := range n {
			fmt.Fprintf(&b, "Benchmark%s 1000 %.3f ns/page\n", rows[i], rows[i+1].(float64)*(1+0.002*float64(k%5-2)))
		}
	}
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGateSilentPathsDoNotExit0 runs lockbench gate on the four inputs
// that used to pass with exit 0, no annotation and JSON pass true.
func TestGateSilentPathsDoNotExit0(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "true")
	const page = "PageCache/mode=page/batch=16/lock=mcs/threads=2"
	const other = "PageCache/mode=batch/batch=16/lock=mcs/threads=2/regime=llc-2"
	dir := t.TempDir()
	tests := []struct {
		name       string
		base, head string
		code       int
		annotation string
		reason     string
	}{
		{"regimes differ",
			benchFile(t, dir, "rd-a.txt", 10, page+"/regime=llc-2", 200.0, other, 50.0),
			benchFile(t, dir, "rd-b.txt", 10, page+"/regime=xllc-2", 300.0, other, 50.0),
			exitUnjudged, "::error title=lockbench gate%3A not judged::" + page + "-2: regimes differ",
			"a +50% regression whose sides share no regime was 'inconclusive' and passed"},
		{"baseline without regime keys",
			benchFile(t, dir, "nr-a.txt", 10, page+"-2", 200.0),
			benchFile(t, dir, "nr-b.txt", 10, page+"/regime=llc-2", 300.0),
			exitFailure, "::error title=lockbench gate%3A ns/page regression::" + page + "-2",
			"a go test -bench baseline: the contended case was on one side only each, and the gate passed"},
		{"not judged beside a judged case",
			benchFile(t, dir, "ni-a.txt", 3, page+"-2", 200.0, other, 50.0),
			benchFile(t, dir, "ni-b.txt", 3, page+"-2", 300.0, other, 50.0),
			exitUnjudged, "::error title=lockbench gate%3A not judged::" + page + "-2: n=3+3",
			"InsufficientError returned nil once another benchmark was judged"},
		{"unconfirmed",
			benchFile(t, dir, "un-a.txt", 10, page+"-2", 200.0),
			benchFile(t, dir, "un-b.txt", 10, page+"-2", 224.0),
			exitOK, "::warning title=lockbench gate%3A unconfirmed ns/page regression::" + page + "-2",
			"an unconfirmed regression passes, but is no longer silent: it is annotated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := execCLI(t, "gate", "--baseline", tt.base, tt.head)
			if code != tt.code || !strings.Contains(stdout, tt.annotation) {
				t.Errorf("exit %d, want %d, and an annotation %q (%s)\nstdout:\n%s\nstderr: %s", code, tt.code, tt.annotation, tt.reason, stdout, stderr)
			}
			js, _, jcode := execCLI(t, "gate", "--json", "--baseline", tt.base, tt.head)
			var v struct{ Pass bool }
			if err := json.Unmarshal([]byte(js), &v); err != nil {
				t.Fatalf("--json: %v\n%s", err, js)
			}
			if v.Pass != (jcode == exitOK) {
				t.Errorf("JSON pass %t with exit %d: pass must be true exactly for exit 0", v.Pass, jcode)
			}
		})
	}
	// --allow-unjudged: exit 0, the reason still printed, as a warning.
	stdout, _, code := execCLI(t, "gate", "--allow-unjudged", "--baseline", tests[0].base, tests[0].head)
	if code != exitOK || !strings.Contains(stdout, "::warning title=lockbench gate%3A not judged::") || !strings.Contains(stdout, "UNJUDGED") {
		t.Errorf("--allow-unjudged: exit %d, stdout\n%s\nwant 0 with the reason as a warning", code, stdout)
	}
}
