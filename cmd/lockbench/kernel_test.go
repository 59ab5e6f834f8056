package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lockbench/lockbench/internal/testtree"
	"time"

	"github.com/lockbench/lockbench/internal/mthp"
)

// fakeTHP builds a THP settings tree as Linux 6.18 shows it by default
// (64K never, 2M inheriting the top level's madvise) and returns its root.
func fakeTHP(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write := func(file, content string) { testtree.Write(t, root, file, content) }
	write("enabled", "always [madvise] never\n")
	write("shmem_enabled", "always within_size advise [never] deny force\n")
	write("hugepages-64kB/enabled", "always inherit madvise [never]\n")
	write("hugepages-64kB/shmem_enabled", "always inherit within_size advise [never]\n")
	write("hugepages-2048kB/enabled", "always [inherit] madvise never\n")
	write("hugepages-2048kB/shmem_enabled", "always [inherit] within_size advise never\n")
	return root
}

// thpValue is a fake file's selected value.
func thpValue(t *testing.T, root, file string) string {
	t.Helper()
	v, err := (mthp.Dir{Root: root}).Get(file)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestKernelUsageErrors(t *testing.T) {
	tests := []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"run", "--workload", "fault", "--locks", "mcs"}, "--locks applies to --workload pagecache or cs only", "the kernel workloads take the kernel's locks (the workload descriptor has no lock classes)"},
		{[]string{"run", "--workload", "shmem", "--delay", "zone=1us"}, "--delay applies to --workload pagecache or cs only", "no class to delay"},
		{[]string{"run", "--kernel-setup"}, "--kernel-setup applies to --workload fault or shmem only", "the model changes no kernel setting"},
		{[]string{"run", "--workload", "fault", "--modes", "pcp"}, `runs modes page, batch, large, not "pcp"`, "the model's other modes have no kernel counterpart"},
		{[]string{"run", "--workload", "fault", "--modes", "large", "--batch", "16,32", "--thp-sysfs", "/nonexistent"}, "one folio size per run", "the settings for one size turn the larger ones off"},
		{[]string{"run", "--workload", "fault", "--modes", "large", "--batch", "16", "--thp-sysfs", "FAKE"}, "--kernel-setup", "large alone, skipped, leaves nothing to run: say how to enable it"},
		{[]string{"kernel-restore"}, "kernel-restore takes one results folder", ""},
		{[]string{"kernel-restore", "EMPTY"}, mthp.SaveFile, "a folder without saved settings is bad input"},
	}
	fake, empty := fakeTHP(t), t.TempDir()
	for _, tt := range tests {
		args := strings.Join(tt.args, " ")
		args = strings.ReplaceAll(strings.ReplaceAll(args, "FAKE", fake), "EMPTY", empty)
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			wantUsageError(t, strings.Fields(args), tt.reason, tt.want)
		})
	}
}

// TestKernelLargeSkipped: without --kernel-setup, mode large is dropped
// with one line giving the command that runs it, the rest runs, and the
// exit status says something asked for was not measured.
func TestKernelLargeSkipped(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep")
	}
	fake := fakeTHP(t)
	out := filepath.Join(t.TempDir(), "out")
	_, stderr, code := execCLI(t, "run", "--workload", "fault", "--modes", "page,large", "--batch", "16", "--threads", "1",
		"--count", "1", "--duration", "10ms", "--warmup", "1ms", "--order", "grouped", "--quiet", "--no-report", "--out", out, "--thp-sysfs", fake)
	if code != exitFailure {
		t.Errorf("exit %d, want %d: a skipped mode is not a clean run; stderr %q", code, exitFailure, stderr)
	}
	for _, w := range []string{"mode large skipped", "hugepages-64kB/enabled never->madvise", "--kernel-setup"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "mode=large") || !strings.Contains(string(b), "BenchmarkFault/mode=page") {
		t.Errorf("results.txt should hold page and no large line:\n%s", b)
	}
	if thpValue(t, fake, "hugepages-64kB/enabled") != "never" {
		t.Error("a run without --kernel-setup changed a setting")
	}
}

// startKernelSetup starts a run with --kernel-setup on a fake settings
// tree, long enough to be signalled, and waits until it has saved the
// originals and changed the settings.
func startKernelSetup(t *testing.T) (fake, out string, cmd interface{ Signal(os.Signal) error }, wait func() int) {
	t.Helper()
	fake = fakeTHP(t)
	out = filepath.Join(t.TempDir(), "out")
	c, _, stderr := proc(t, t.TempDir(), "run", "--workload", "fault", "--modes", "page,large", "--batch", "16", "--threads", "1",
		"--count", "100", "--duration", "100ms", "--order", "grouped", "--no-report", "--out", out, "--thp-sysfs", fake, "--kernel-setup")
	deadline := time.Now().Add(20 * time.Second)
	// The fake tree is regular files, written by truncating: a read may
	// find one empty mid-write (sysfs itself has no such window).
	for v, _ := (mthp.Dir{Root: fake}).Get("hugepages-64kB/enabled"); v != "madvise"; v, _ = (mthp.Dir{Root: fake}).Get("hugepages-64kB/enabled") {
		if time.Now().After(deadline) {
			c.Process.Kill()
			c.Wait()
			t.Fatalf("the run did not change the settings: %s", stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(out, mthp.SaveFile)); err != nil {
		t.Errorf("settings changed before the originals were saved: %v", err)
	}
	return fake, out, c.Process, func() int { return waitExit(t, c, 10*time.Second) }
}

// checkFound asserts the fake tree holds its values as fakeTHP made them.
func checkFound(t *testing.T, fake, when string) {
	t.Helper()
	for file, want := range map[string]string{"hugepages-64kB/enabled": "never", "hugepages-2048kB/enabled": "inherit", "enabled": "madvise"} {
		if got := thpValue(t, fake, file); got != want {
			t.Errorf("%s: %s holds %s, want %s as found", when, file, got, want)
		}
	}
}

// TestKernelSetupRestoresOnSignal: SIGINT and SIGTERM put every changed
// setting back before the process exits.
func TestKernelSetupRestoresOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			fake, out, p, wait := startKernelSetup(t)
			p.Signal(sig)
			want := exitInterrupted
			if sig == syscall.SIGTERM {
				want = exitTerminated
			}
			if code := wait(); code != want {
				t.Errorf("exit %d, want %d", code, want)
			}
			checkFound(t, fake, "after "+sig.String())
			if _, err := os.Stat(filepath.Join(out, mthp.RestoredFile)); err != nil {
				t.Errorf("no %s after the restore: %v", mthp.RestoredFile, err)
			}
		})
	}
}

// TestKernelRestoreAfterKill: a killed run leaves the settings changed
// and the originals saved; kernel-restore puts them back, once.
func TestKernelRestoreAfterKill(t *testing.T) {
	fake, out, p, wait := startKernelSetup(t)
	p.Signal(syscall.SIGKILL)
	wait()
	// A kill in the middle of a write leaves the fake file empty; either
	// way the original (never) is not back.
	if b, err := os.ReadFile(filepath.Join(fake, "hugepages-64kB/enabled")); err != nil || strings.Contains(string(b), "[never]") {
		t.Fatalf("after SIGKILL 64K holds %q (%v): the run restored what it cannot have (the test is broken)", b, err)
	}
	stdout, stderr, code := execCLI(t, "kernel-restore", out)
	if code != exitOK {
		t.Fatalf("kernel-restore: exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "restored") {
		t.Errorf("kernel-restore said %q", stdout)
	}
	checkFound(t, fake, "after kernel-restore")
	wantUsageError(t, []string{"kernel-restore", out}, "restored once, nothing is left to restore", "put back already")
}

// TestKernelPlanDryRun: the decision about mode large is made before the
// sweep, from the settings: ready settings keep it without a word,
// settings that are not keep it only with --kernel-setup, and --kernel-setup
// with ready settings changes nothing.
func TestKernelPlanDryRun(t *testing.T) {
	ready := fakeTHP(t)
	d := mthp.Dir{Root: ready}
	d.Set("hugepages-64kB/enabled", "madvise")
	d.Set("hugepages-2048kB/enabled", "never")
	tests := []struct {
		root      string
		setup     bool
		wantLarge bool
		wantSkip  bool
		reason    string
	}{
		{ready, false, true, false, "the settings already give 64K folios: nothing to change, nothing to say"},
		{ready, true, true, false, "--kernel-setup with nothing to change changes nothing"},
		{fakeTHP(t), false, false, true, "64K is off: large is skipped with the command that runs it"},
		{fakeTHP(t), true, true, false, "--kernel-setup as root will change the settings"},
	}
	for _, tt := range tests {
		args := []string{"run", "--workload", "fault", "--batch", "16", "--threads", "1", "--dry-run", "--thp-sysfs", tt.root}
		if tt.setup {
			args = append(args, "--kernel-setup")
		}
		stdout, stderr, code := execCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%v: exit %d, stderr %q (%s)", args, code, stderr, tt.reason)
		}
		if got := strings.Contains(stdout, "mode=large"); got != tt.wantLarge {
			t.Errorf("setup %v: large in the dry run = %v, want %v (%s)\n%s", tt.setup, got, tt.wantLarge, tt.reason, stdout)
		}
		if got := strings.Contains(stderr, "mode large skipped"); got != tt.wantSkip {
			t.Errorf("setup %v: skip line = %v, want %v (%s): %q", tt.setup, got, tt.wantSkip, tt.reason, stderr)
		}
		if !strings.Contains(stdout, "mode=page") || strings.Contains(stdout, "lock=") {
			t.Errorf("the dry run should list page cases with no lock key:\n%s", stdout)
		}
	}
	if thpValue(t, ready, "hugepages-64kB/enabled") != "madvise" || thpValue(t, ready, "hugepages-2048kB/enabled") != "never" {
		t.Error("a dry run changed a setting")
	}
}
