package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/profiles"
	"github.com/lockbench/lockbench/reports/render"
)

// Issue 13's bad inputs, each refused as the contract says: exit 2, one
// line on stderr, nothing on stdout. Every row failed on the code before
// the fix (the item number is in the reason).
func TestIssue13BadInput(t *testing.T) {
	tests := []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"gate", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt", "--alpha", "NaN"}, `"NaN" is not a finite number`, "1: a NaN alpha compares false with every bound and passed a real regression"},
		{[]string{"gate", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt", "--alpha", "+Inf"}, "not a finite number", "1: every float flag refuses ±Inf"},
		{[]string{"compare", "testdata/run.txt", "--alpha", "nan"}, "not a finite number", "1: compare's alpha too"},
		{[]string{"compare", "testdata/run.txt", "--confidence", "NaN"}, "not a finite number", "1: compare's confidence too"},
		{[]string{"report", "testdata/run.txt", "--knee", "-Inf"}, "not a finite number", "1: report's knee uses the same flag type"},
		{[]string{"gate", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt", "--max-regress", "1e400"}, `"1e400" is out of range`, "16: 1e400 is a number, just too large"},
		{[]string{"gate", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt", "--max-regress", "NaN%"}, "not a finite number", "1: NaN% is no threshold"},
		{[]string{"run", "--zones", "0"}, "--zones 0: must be at least 1", "9: zero zones silently meant one zone while results said 0"},
		{[]string{"run", "--workload", "cs", "--lines", "0"}, "--lines 0: must be at least 1", "9: zero lines silently meant one"},
		{[]string{"run", "--threads", "2,02"}, `"2" and "02" are both 2`, "10: the same thread count spelled twice ran the case twice"},
		{[]string{"run", "--batch", "16,+16"}, `"16" and "+16" are both 16`, "10: duplicates are compared as numbers"},
		{[]string{"run", "--duration", "2562047h"}, "needs --force", "11: a sweep of centuries is a typo, refused before it starts"},
		{[]string{"run", "--count", "24200", "--locks", "mcs", "--modes", "page", "--threads", "1", "--duration", "5s"}, "over 24h0m0s needs --force", "11: over a day needs --force"},
		{[]string{"run", "--duration", "1ns"}, "the minimum is 10ms", "12: a 1ns window measures one page; the message gives the minimum"},
		{[]string{"run", "--watchdog", "100us"}, "the minimum is 50ms", "8: a 100us grace reported an ordinary scheduling delay as a hang"},
		{[]string{"run", "--watchdog", "1ns"}, "the minimum is 50ms", "8: 1ns likewise"},
		{[]string{"compare", "--filter", "(((", "testdata/run.txt"}, `filter "(((": syntax error at column 4`, "14: benchproc's three-line error is one line"},
		{[]string{"compare", "--row", "/a(", "testdata/run.txt"}, "row projection", "14: bad --row is one line"},
		{[]string{"compare", "--col", "((", "testdata/run.txt"}, "column projection", "14: bad --col is one line"},
		{[]string{"gate", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt", "--filter", "((("}, "syntax error at column 4", "14: gate's filter too"},
		{[]string{"compare", "/dev/zero"}, "not a regular file", "3: /dev/zero grew to 24 GB; it is refused before it is read"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			wantUsageError(t, tt.args, tt.reason, tt.want)
		})
	}
}

// TestEstimateAnnounced: a sweep estimated over 10 minutes says so
// before it starts (item 11). The context is cancelled at once, so the
// sweep stops at its first case.
func TestEstimateAnnounced(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var so, se bytes.Buffer
	out := filepath.Join(t.TempDir(), "out")
	code := lockbench(ctx, []string{"run", "--out", out, "--locks", "mcs", "--modes", "page", "--threads", "1", "--count", "3", "--duration", "5m"}, &so, &se)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitInterrupted, se.String())
	}
	// 3 timed repetitions, 3 of the floor (none at one thread) and 3
	// counting repetitions (harness.CountingReps), 5 minutes each.
	if !strings.Contains(se.String(), "this sweep will take about 45m") {
		t.Errorf("stderr %q does not announce the 45-minute estimate", se.String())
	}
}

// failingWriter fails every write, as stdout on a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestStdoutWriteFailure: a command whose output is lost does not exit 0
// (item 15: `lb list > /dev/full` exited 0).
func TestStdoutWriteFailure(t *testing.T) {
	for _, args := range [][]string{{"list"}, {"compare", "testdata/run.txt"}, {"gate", "--baseline", "testdata/few-old.txt", "testdata/few-new.txt", "--allow-insufficient"}} {
		var se bytes.Buffer
		code := lockbench(context.Background(), args, failingWriter{}, &se)
		if code != exitFailure || strings.Count(se.String(), "\n") != 1 || !strings.Contains(se.String(), "writing to standard output") {
			t.Errorf("%v to a full stdout: exit %d, stderr %q; want exit 1 and one line saying the write failed", args, code, se.String())
		}
	}
	if _, err := os.Stat("/dev/full"); err == nil {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer full.Close()
		var se bytes.Buffer
		if code := lockbench(context.Background(), []string{"list"}, full, &se); code != exitFailure {
			t.Errorf("list > /dev/full: exit %d, stderr %q; want 1", code, se.String())
		}
	}
}

// hostile writes a results file whose names carry a window-title OSC
// sequence, a screen clear and a right-to-left override.
func hostile(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\x1b[2J\n")
	for i := range 6 {
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=page/lock=x\x1b]0;pwned\x07\u202e/threads=1-2\t1000\t%d ns/page\n", 100+i)
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=batch/batch=16/lock=x\x1b]0;pwned\x07\u202e/threads=1-2\t1000\t%d ns/page\n", 60+i)
	}
	p := filepath.Join(dir, "hostile.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestControlCharactersNeutralised: escape sequences in input names reach
// neither the terminal (compare, gate) nor report.html and report.md raw
// (item 13).
func TestControlCharactersNeutralised(t *testing.T) {
	dir := t.TempDir()
	h := hostile(t, dir)
	raw := func(what, s string) {
		t.Helper()
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("%s holds raw control characters: %q", what, s)
		}
	}
	for _, args := range [][]string{
		{"compare", h},
		{"compare", "--col", "/mode", "--format", "markdown", h},
		{"gate", "--baseline", h, h, "--allow-insufficient"},
		{"gate", "--baseline", h, h, "--json"},
		{"compare", "--filter", "\x1b[2J(", h},
	} {
		so, se, _ := execCLI(t, args...)
		raw(strings.Join(args[:1], " ")+" stdout", so)
		raw(strings.Join(args[:1], " ")+" stderr", se)
		if args[0] == "compare" && len(args) == 2 && !strings.Contains(so, `\x1b]0;pwned\a`) {
			t.Errorf("compare stdout %q does not show the escape as text", so)
		}
	}
	out := filepath.Join(dir, "r")
	if _, se, code := execCLI(t, "report", "-o", out, h); code != 0 {
		t.Fatalf("report: exit %d, %s", code, se)
	}
	for _, f := range []string{render.HTMLFile, render.MarkdownFile} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		raw(f, string(b))
	}
}

// TestReportWriteErrorClass: a folder the report cannot be written into
// exits 2 whether it is -o or the results' own (item 16); a full disk is
// a failure, exit 1. (The tests run as root, for whom no folder is
// unwritable by permission: the classification is tested directly, and
// -o under a file end to end.)
func TestReportWriteErrorClass(t *testing.T) {
	tests := []struct {
		err    error
		want   int
		reason string
	}{
		{&fs.PathError{Op: "open", Path: "d/x", Err: syscall.EACCES}, exitUsage, "permission denied: the user's folder to change"},
		{&fs.PathError{Op: "open", Path: "d/x", Err: syscall.EROFS}, exitUsage, "a read-only file system likewise"},
		{&fs.PathError{Op: "mkdir", Path: "d", Err: syscall.ENOTDIR}, exitUsage, "a folder under a file"},
		{&fs.PathError{Op: "write", Path: "d/x", Err: syscall.ENOSPC}, exitFailure, "a full disk is a failure, not bad input"},
	}
	for _, tt := range tests {
		if got := exitCode(reportWriteError("d", tt.err)); got != tt.want {
			t.Errorf("reportWriteError(%v): exit %d, want %d (%s)", tt.err, got, tt.want, tt.reason)
		}
	}
}

// TestRunReportFailureNotAnnounced: when the report cannot be written
// (here report.html is a folder), run exits 1 and does not print
// "report: …" for a file that is not there (item 6).
func TestRunReportFailureNotAnnounced(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(out, render.HTMLFile), 0o755); err != nil {
		t.Fatal(err)
	}
	so, se, code := execCLI(t, tinyRun(out, "--force", "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "1")...)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1; stderr %q", code, se)
	}
	if strings.Contains(so, "report:") {
		t.Errorf("stdout announces a report that was not written:\n%s", so)
	}
	if _, err := os.Stat(filepath.Join(out, render.MarkdownFile)); err != nil {
		t.Errorf("report.md, written before report.html failed, is missing: %v", err)
	}
}

// TestRunJSONAlwaysOneDocument: with --json, stdout is one JSON document
// with a "partial" field, or empty (item 5).
func TestRunJSONAlwaysOneDocument(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	so, se, code := execCLI(t, tinyRun(out, "--json", "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "1", "--bare", "--floor=false")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se)
	}
	var doc struct {
		Partial  *bool           `json:"partial"`
		Finished int             `json:"finished"`
		Rows     json.RawMessage `json:"rows"`
	}
	dec := json.NewDecoder(strings.NewReader(so))
	if err := dec.Decode(&doc); err != nil || doc.Partial == nil || *doc.Partial || doc.Finished != 1 || len(doc.Rows) == 0 {
		t.Fatalf("stdout is not one complete JSON summary with partial=false: %v\n%s", err, so)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("stdout holds more than one JSON document:\n%s", so)
	}
	// Interrupted before any line: nothing at all on stdout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var so2, se2 bytes.Buffer
	code = lockbench(ctx, tinyRun(filepath.Join(t.TempDir(), "out"), "--json", "--locks", "mutex"), &so2, &se2)
	if code != exitInterrupted || so2.Len() != 0 {
		t.Errorf("interrupted before any line: exit %d, stdout %q; want 130 and nothing", code, so2.String())
	}
}

// TestForceRemovesOnlyOwnFiles: --force clears what an earlier run wrote
// (profiles of other locks, old plots) and nothing else (item 7).
func TestForceRemovesOnlyOwnFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := []string{"plot-old-lock.svg", "contention.pb.gz", "summary.txt", "report.md"}
	mine := []string{"notes.txt", "plot.svg.bak", "my.pb.gz"}
	for _, f := range append(append([]string{}, stale...), mine...) {
		if err := os.WriteFile(filepath.Join(out, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, se, code := execCLI(t, tinyRun(out, "--force", "--no-report", "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "1")...); code != 0 {
		t.Fatalf("exit %d: %s", code, se)
	}
	for _, f := range stale {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err == nil && string(b) == "x" {
			t.Errorf("%s from the earlier run survived --force", f)
		}
	}
	for _, f := range mine {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("--force removed %s, which lockbench never writes: %v", f, err)
		}
	}
}

// TestOutputFilesOwned: every file a run with --profile and a report
// writes is on harness's list of lockbench's files, so --force can clear
// it; the list is repeated in harness, which cannot import reports or
// profiles (item 7).
func TestOutputFilesOwned(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, se, code := execCLI(t, tinyRun(out, "--profile", "--locks", "mutex", "--modes", "page,batch", "--threads", "1", "--count", "1")...); code != 0 {
		t.Fatalf("exit %d: %s", code, se)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	names := append(profiles.Files(), render.HTMLFile, render.MarkdownFile)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, n := range names {
		if !harness.IsOutputFile(n) {
			t.Errorf("lockbench writes %s but harness.OutputFiles does not list it: --force would leave it stale", n)
		}
	}
}

func TestCheckedWriter(t *testing.T) {
	w := &checkedWriter{w: failingWriter{}}
	if _, err := w.Write([]byte("x")); !errors.Is(err, syscall.ENOSPC) || !errors.Is(w.err, syscall.ENOSPC) {
		t.Errorf("checkedWriter kept %v, want ENOSPC", w.err)
	}
}
