package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/ab"
)

// fakeExe writes an executable shell script standing in for a lockbench
// build.
func fakeExe(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lockbench-old")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestABRefusesPeersWithoutTheProtocol(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, script, want, reason string
	}{
		{"old build", `echo 'Error: unknown command "worker" for "lockbench"' >&2; exit 2`, "does not speak lockbench's worker protocol",
			"a BASE built before ab exits with cobra's unknown-command error: one line, exit 2"},
		{"other version", `read line; echo '{"protocol":2}'; exit 2`, "speaks worker protocol version 2",
			"a build speaking another version is refused, naming both versions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envMain, "1") // the test binary is the NEW side's lockbench
			var stdout, stderr bytes.Buffer
			code := lockbench(context.Background(), []string{"ab", "--quiet", "--count", "6", "--out", t.TempDir(), fakeExe(t, tt.script), self}, &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line saying %q (%s)", code, stderr.String(), tt.want, tt.reason)
			}
		})
	}
}

// TestABAA runs a short A/A of the test binary against itself and
// checks the mechanics, not the timing: both sides' lines with side,
// proc and block, a verdict of every case, and an exit status that is a
// verdict's (0 or 1, never a failure to run).
func TestABAA(t *testing.T) {
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(envMain, "1")
	dir := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code := lockbench(context.Background(), []string{"ab", "--quiet", "--json", "--locks", "mutex", "--modes", "batch", "--threads", "1",
		"--duration", "12ms", "--warmup", "2ms", "--turn", "4ms", "--count", "6", "--seed", "7", "--new-flags", "--delay mapping=1ns", "--out", dir, self, self}, &stdout, &stderr)
	if code != exitOK && code != exitFailure {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	var v struct {
		Pass   bool
		Family int
		Checks []struct{ Name, Status string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
		t.Fatalf("stdout is not one JSON verdict: %v\n%s", err, stdout.String())
	}
	if v.Family != 1 || len(v.Checks) != 1 || v.Checks[0].Name != "PageCache/mode=batch/batch=16/lock=mutex/threads=1" || v.Pass != (code == 0) {
		t.Errorf("verdict %+v, exit %d; want the one case judged, pass exactly when exit 0", v, code)
	}
	res, err := os.ReadFile(filepath.Join(dir, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"seed: 7\n", "side: base\nproc: 1\n", "side: new\nproc: 6\n", " 6 block ", "ab-new-flags: --delay mapping=1ns", "ab-turns: 3\nrewarm: 1ms\n"} {
		if !bytes.Contains(res, []byte(want)) {
			t.Errorf("results.txt lacks %q:\n%s", want, res)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "verdict.json")); err != nil {
		t.Error(err)
	}
	// ab's own slice times go first, so that the caller's win.
	def, own := bytes.Index(res, []byte("--duration=30ms --warmup=10ms")), bytes.Index(res, []byte("--duration=12ms"))
	if def < 0 || own < def {
		t.Errorf("ab-plan-flags: want ab's slice times (--duration=30ms --warmup=10ms) before the caller's --duration=12ms:\n%s", res)
	}
}

func TestVerdictExit(t *testing.T) {
	var stderr bytes.Buffer
	reg, not := os.ErrInvalid, os.ErrClosed
	tests := []struct {
		regression, notJudged error
		allow                 bool
		want                  int
		reason                string
	}{
		{nil, nil, false, exitOK, "every case judged, none regressed"},
		{reg, not, false, exitFailure, "a regression wins over a case not judged"},
		{nil, not, false, exitUnjudged, "a case not judged is never a silent pass"},
		{nil, not, true, exitOK, "--allow-unjudged accepts it"},
	}
	for _, tt := range tests {
		if got := exitCode(verdictExit(tt.regression, tt.notJudged, tt.allow, &stderr)); got != tt.want {
			t.Errorf("exit %d, want %d (%s)", got, tt.want, tt.reason)
		}
	}
}

// TestABPlanFlagsAreRunFlags: every flag ab hands to the workers is one
// of run's (a flag renamed in run must be renamed here), and ab offers
// each with run's default, but the slice times, which are ab's own.
func TestABPlanFlagsAreRunFlags(t *testing.T) {
	rc, _ := runCommand()
	abc := newABCmd()
	own := map[string]string{"duration": ab.DefaultDuration.String(), "warmup": ab.DefaultWarmup.String()}
	for _, n := range abPlanFlags() {
		rf := rc.Flags().Lookup(n)
		if rf == nil {
			t.Errorf("ab hands --%s to the workers, but run has no such flag", n)
			continue
		}
		want, ok := own[n]
		if !ok {
			want = rf.DefValue
		}
		if af := abc.Flags().Lookup(n); af == nil || af.DefValue != want {
			t.Errorf("ab's --%s is missing or defaults otherwise than %s", n, want)
		}
	}
}

func TestABBadSideFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(envMain, "1")
	var stdout, stderr bytes.Buffer
	code := lockbench(context.Background(), []string{"ab", "--quiet", "--count", "6", "--new-flags", "--delay mapping=soon", "--out", t.TempDir(), self, self}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "the new side") || !strings.Contains(stderr.String(), "--delay") || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
		t.Errorf("exit %d, stderr %q; want exit 2 and one line naming the new side and its bad --delay", code, stderr.String())
	}
}
