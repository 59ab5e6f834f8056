package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/harness"
)

// TestClassesEndToEnd runs a tiny pagevec sweep at two batch sizes and
// reads its class lines three ways: `run --verbose`, `lockbench
// classes`, and the real `go tool benchstat -filter /class:lru -col
// /batch`, which must read the file as it is.
func TestClassesEndToEnd(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := execCLI(t, tinyRun(out, "--locks", "mutex", "--modes", "pagevec", "--batch", "15,31",
		"--threads", "2", "--count", "2", "--verbose", "--no-report")...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "lock classes, per case") || !strings.Contains(stdout, "total wait ns/page") {
		t.Errorf("run --verbose did not print the lock-class table:\n%s", stdout)
	}

	stdout, stderr, code = execCLI(t, "classes", out)
	if code != 0 {
		t.Fatalf("classes: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"contended/page", "total wait ns/page", "max wait ns", "avg wait ns", "acquisitions/page", "avg hold ns",
		"PageCache/mode=pagevec/batch=15/lock=mutex/threads=2", "PageCache/mode=pagevec/batch=31/lock=mutex/threads=2",
		"zone", "mapping", "lru", "queue"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("classes output lacks %q:\n%s", want, stdout)
		}
	}

	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run benchstat with")
	}
	cmd := exec.Command(goBin, "tool", "benchstat", "-filter", "/class:lru", "-col", "/batch", filepath.Join(out, harness.ResultsFile))
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool benchstat: %v\n%s", err, b)
	}
	got := string(b)
	// benchstat tidies ns to sec: wait-ns/page is its wait-sec/page.
	for _, want := range []string{"contended/page", "wait-sec/page", "acq/page", "15", "31", "class=lru"} {
		if !strings.Contains(got, want) {
			t.Errorf("benchstat output lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"class=zone", "class=mapping", "class=queue", "threads=2-2"} {
		if strings.Contains(got, not) {
			t.Errorf("benchstat -filter /class:lru shows %q:\n%s", not, got)
		}
	}
	// Class lines carry no time of their own: no ns/page (sec/page) table.
	if regexp.MustCompile(`(^|[\s│])sec/page`).MatchString(got) {
		t.Errorf("benchstat shows a sec/page table for class lines:\n%s", got)
	}
}

func TestClassesBadInput(t *testing.T) {
	wantUsageError(t, []string{"classes", "testdata/gotest-old.txt"}, "go test output has no class lines", "no lock-class lines")
	wantUsageError(t, []string{"classes", "testdata/nosuch.txt"}, "a missing file is bad input", "testdata/nosuch.txt")
	wantUsageError(t, []string{"classes"}, "classes needs a results file", "requires at least 1 arg")
}

// TestClassLinesLeaveReadersAlone checks that class lines change nothing
// for compare and gate unless asked for, and that the gate judges a
// class metric when its filter names the class.
func TestClassLinesLeaveReadersAlone(t *testing.T) {
	t.Setenv("GITHUB_ACTIONS", "")
	golden, err := os.ReadFile(filepath.Join("testdata", "compare-modes.stdout"))
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, code := execCLI(t, "compare", "--col", "/mode", "--row", "/lock,/threads", "--filter", ".unit:ns/page", "testdata/classes.txt")
	if code != 0 || stdout != string(golden) {
		t.Errorf("compare of the same results with class lines (exit %d) differs from compare-modes.stdout:\n%s", code, stdout)
	}
	tests := []struct {
		args   []string
		code   int
		want   string
		reason string
	}{
		{[]string{"gate", "--baseline", "testdata/classes.txt", "testdata/classes-lru.txt"}, exitOK, "",
			"only the LRU class line's wait changed; the cases' ns/page did not, and class lines are not gated unasked"},
		{[]string{"gate", "--metric", "wait-ns/page", "--baseline", "testdata/classes.txt", "testdata/classes-lru.txt"}, exitOK, "",
			"the case lines' wait-ns/page did not change either"},
		{[]string{"gate", "--metric", "wait-ns/page", "--filter", "/class:lru", "--baseline", "testdata/classes.txt", "testdata/classes-lru.txt"}, exitFailure,
			"PageCache/mode=pagevec/batch=16/lock=mcs/threads=2/class=lru-2",
			"asked for the LRU class, the gate finds its wait 50% higher"},
	}
	for _, tt := range tests {
		stdout, stderr, code := execCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.want) {
			t.Errorf("%v: exit %d, want %d (%s); stdout:\n%s\nstderr %q", tt.args, code, tt.code, tt.reason, stdout, stderr)
		}
	}
}
