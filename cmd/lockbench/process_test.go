package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lockbench/lockbench/harness"
)

// proc starts the test binary as the lockbench command.
func proc(t *testing.T, dir string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs subprocesses")
	}
	cmd := lockbenchCmd(t, args...)
	cmd.Dir = dir
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &so, &se
}

// waitExit waits at most d for cmd and returns its exit status.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not end within %v", cmd.Args[1:], d)
		return -1
	}
}

// TestSignals: every command stops promptly on SIGINT (130) and SIGTERM
// (143), keeping what is complete (item 4; item 5 for run --json).
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	// A large input: report on it takes seconds, long enough to signal.
	big := filepath.Join(dir, "big.txt")
	var b strings.Builder
	b.WriteString("goos: linux\n")
	for i := range 96000 {
		fmt.Fprintf(&b, "BenchmarkPageCache/mode=%s/batch=16/lock=l%d/threads=%d-2\t1000\t%d ns/page\t%d.5 acq/page\n",
			[]string{"page", "batch", "large"}[i%3], i%40, 1+i%4, 100+i%17, i%5)
	}
	if err := os.WriteFile(big, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		sig    syscall.Signal
		after  time.Duration
		want   int
		reason string
	}{
		{"report SIGINT", []string{"report", "-o", filepath.Join(dir, "r1"), big}, syscall.SIGINT, 300 * time.Millisecond, exitInterrupted, "report on 96k lines ran to the end and exited 0"},
		{"report SIGTERM", []string{"report", "-o", filepath.Join(dir, "r2"), big}, syscall.SIGTERM, 300 * time.Millisecond, exitTerminated, "SIGTERM is 143, not 130"},
		{"compare SIGTERM", []string{"compare", "--col", "/mode", big, big}, syscall.SIGTERM, 300 * time.Millisecond, exitTerminated, "compare of large inputs stops too"},
		{"gate SIGINT", []string{"gate", "--baseline", big, big}, syscall.SIGINT, 300 * time.Millisecond, exitInterrupted, "gate ignored signals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, _, se := proc(t, dir, tt.args...)
			time.Sleep(tt.after)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			code := waitExit(t, cmd, 15*time.Second)
			if code == 0 {
				t.Skipf("finished before the signal (%s)", se.String())
			}
			if code != tt.want {
				t.Errorf("exit %d, want %d (%s); stderr %q", code, tt.want, tt.reason, se.String())
			}
			if el := time.Since(t0); el > stopGrace+2*time.Second {
				t.Errorf("took %v after the signal; want at most the %v grace", el, stopGrace)
			}
			// Warnings may come first (a long input is sampled); the
			// stop itself is one line.
			var errs int
			for _, l := range strings.Split(strings.TrimSuffix(se.String(), "\n"), "\n") {
				if !strings.HasPrefix(l, "lockbench: warning: ") {
					errs++
				}
			}
			if errs != 1 || !strings.HasSuffix(se.String(), "\n") {
				t.Errorf("stderr is not one line after its warnings: %q", se.String())
			}
		})
	}
}

// TestRunSIGTERMJSON: run --json stopped by SIGTERM mid-sweep exits 143
// and prints one JSON document marked partial, the finished lines kept.
func TestRunSIGTERMJSON(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	cmd, so, se := proc(t, dir, "run", "--out", out, "--duration", "15ms", "--warmup", "2ms", "--json",
		"--locks", "mutex", "--modes", "page,batch", "--threads", "1", "--count", "1000", "--bare", "--floor=false") // one line a repetition
	results := filepath.Join(out, harness.ResultsFile)
	deadline := time.Now().Add(20 * time.Second)
	for countResultLines(results) < 2 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no 2 lines within 20 s; stderr %q", se.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd, 20*time.Second); code != exitTerminated {
		t.Fatalf("exit %d, want 143; stderr %q", code, se.String())
	}
	var doc struct {
		Partial  bool `json:"partial"`
		Finished int  `json:"finished"`
		Cases    int  `json:"cases"`
	}
	if err := json.Unmarshal(so.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, so.String())
	}
	if !doc.Partial || doc.Finished < 2 || doc.Cases != 2000 {
		t.Errorf("JSON says partial=%v finished=%d cases=%d; want partial, at least 2 of 2000", doc.Partial, doc.Finished, doc.Cases)
	}
	if n, _ := splitClasses(readLines(t, results)); len(n) != doc.Finished {
		t.Errorf("results.txt holds %d case lines, the summary %d", len(n), doc.Finished)
	}
}

// TestCompareFIFO: a FIFO with no writer is refused at once instead of
// blocking forever (item 3).
func TestCompareFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cmd, so, se := proc(t, dir, "compare", fifo)
	if code := waitExit(t, cmd, 10*time.Second); code != exitUsage {
		t.Errorf("exit %d, want 2; stderr %q", code, se.String())
	}
	if so.Len() != 0 || !strings.Contains(se.String(), "not a regular file") {
		t.Errorf("stdout %q, stderr %q: want nothing and a refusal of the FIFO", so.String(), se.String())
	}
}

// TestListDevFull: `lockbench list > /dev/full` exits non-zero with one
// line (item 15), in a real process whose stdout is the device.
func TestListDevFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	c := lockbenchCmd(t, "list")
	var se bytes.Buffer
	c.Stdout, c.Stderr = full, &se
	err = c.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure || strings.Count(se.String(), "\n") != 1 {
		t.Errorf("list > /dev/full: %v, stderr %q; want exit 1 and one line", err, se.String())
	}
}

// TestConcurrentRuns starts 8 runs on one --out and 8 on the default
// folder at once: each run owns its folder and completes, or is refused
// with exit 2; no torn line, no lost line (item 2).
func TestConcurrentRuns(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared")
	type run struct {
		cmd *exec.Cmd
		se  *bytes.Buffer
		out string
	}
	var runs []run
	for i := range 16 {
		args := []string{"run", "--duration", "10ms", "--warmup", "1ms", "--locks", "mutex", "--modes", "page", "--threads", "1", "--count", "2", "--no-report", "--bare", "--floor=false", "--order", "interleaved"} // one line a repetition: no switched slice run again
		out := ""
		if i%2 == 0 {
			out = shared
			args = append(args, "--out", shared)
		}
		cmd, _, se := proc(t, dir, args...)
		runs = append(runs, run{cmd, se, out})
	}
	sharedWins := 0
	for _, r := range runs {
		switch code := waitExit(t, r.cmd, 60*time.Second); {
		case code == 0 && r.out == shared:
			sharedWins++
		case code == 0:
		case code == exitUsage && r.out == shared:
			if !strings.Contains(r.se.String(), "another lockbench run") && !strings.Contains(r.se.String(), "not empty") {
				t.Errorf("refused with an unexpected reason: %q", r.se.String())
			}
		default:
			t.Errorf("exit %d (out %q): %q", code, r.out, r.se.String())
		}
	}
	if sharedWins != 1 {
		t.Errorf("%d runs completed on one --out; want exactly 1 (the rest refused)", sharedWins)
	}
	folders := []string{shared}
	defaults, _ := filepath.Glob(filepath.Join(dir, harness.DefaultOutParent, "*"))
	if len(defaults) != 8 {
		t.Errorf("%d default folders for 8 runs: %v", len(defaults), defaults)
	}
	folders = append(folders, defaults...)
	for _, f := range folders {
		lines, _ := splitClasses(readLines(t, filepath.Join(f, harness.ResultsFile)))
		if len(lines) != 2 {
			t.Errorf("%s holds %d lines, want the 2 of its one run", f, len(lines))
		}
		data, _ := os.ReadFile(filepath.Join(f, harness.ResultsFile))
		if strings.Count(string(data), "\nBenchmark") != 2 || !strings.HasSuffix(string(data), "\n") {
			t.Errorf("%s has a torn or interleaved line:\n%s", f, data)
		}
	}
}

// TestRefusedRunLeavesNoFolder: a plan refused before it measures (an
// unknown lock, a thread count out of range) leaves no empty default
// results folder behind. Each refused run in a working tree used to
// leave one, and the test runs of cmd/lockbench had left 168.
func TestRefusedRunLeavesNoFolder(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"run", "--locks", "bogus"}, {"run", "--threads", "0"}} {
		cmd, _, se := proc(t, dir, args...)
		if code := waitExit(t, cmd, 30*time.Second); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %q", args, code, exitUsage, se.String())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, harness.DefaultOutParent, "*")); len(left) != 0 {
		t.Errorf("refused runs left folders behind: %v", left)
	}
}
