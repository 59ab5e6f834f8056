package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const racers = 8

// TestClaimDirGoroutines races 8 goroutines for one folder, several
// rounds: exactly one claim must win each round. The winner holds on
// until every racer has answered.
func TestClaimDirGoroutines(t *testing.T) {
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "out")
		var (
			wg       sync.WaitGroup
			answered sync.WaitGroup
			start    = make(chan struct{})
			mu       sync.Mutex
			won      int
			lost     []error
		)
		answered.Add(racers)
		for range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				release, err := ClaimDir(dir)
				mu.Lock()
				if err == nil {
					won++
				} else {
					lost = append(lost, err)
				}
				mu.Unlock()
				answered.Done()
				if err == nil {
					answered.Wait()
					if err := release(); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		if won != 1 {
			t.Fatalf("round %d: %d of %d concurrent claims won, want exactly 1 (lost: %v)", round, won, racers, lost)
		}
		for _, err := range lost {
			if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), dir) {
				t.Errorf("losing claim: %v; want an error wrapping ErrBusy that names the folder", err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, ClaimFile)); !os.IsNotExist(err) {
			t.Errorf("round %d: the lock file outlived the release (%v)", round, err)
		}
	}
}

// TestClaimDirProcesses races 8 processes (the test binary, re-executed)
// for one folder: exactly one must win, and the others must name the
// winner.
func TestClaimDirProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var ps []*helperProc
	for range racers {
		ps = append(ps, startHelper(t, "claim", dir))
	}
	var won []int
	for i, p := range ps {
		ans := p.line(t)
		switch {
		case ans == "won":
			won = append(won, p.cmd.Process.Pid)
		case strings.HasPrefix(ans, "lost ") && strings.Contains(ans, ErrBusy.Error()):
		default:
			t.Errorf("racer %d answered %q; want won, or lost with %q", i, ans, ErrBusy)
		}
	}
	for _, p := range ps {
		p.finish(t)
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d concurrent processes claimed %s (pids %v), want exactly 1", len(won), racers, dir, won)
	}
	// Every racer is gone: the folder is free again.
	release, err := ClaimDir(dir)
	if err != nil {
		t.Fatalf("claim after every racer exited: %v", err)
	}
	release()
}

func TestClaimDir(t *testing.T) {
	t.Run("release then claim", func(t *testing.T) {
		dir := t.TempDir()
		r1, err := ClaimDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ClaimDir(dir); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "this process") {
			t.Errorf("second claim while held: %v; want ErrBusy naming this process as the holder", err)
		}
		if err := r1(); err != nil {
			t.Fatal(err)
		}
		if err := r1(); err != nil {
			t.Errorf("second release: %v; want nil", err)
		}
		r2, err := ClaimDir(dir)
		if err != nil {
			t.Fatalf("claim after release: %v", err)
		}
		r2()
	})
	t.Run("stale lock file", func(t *testing.T) {
		// A crashed owner leaves its lock file, but the kernel dropped
		// its lock: the folder must be claimable.
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ClaimFile), []byte("999999\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		release, err := ClaimDir(dir)
		if err != nil {
			t.Fatalf("claim over a stale lock file: %v", err)
		}
		release()
	})
	t.Run("killed owner", func(t *testing.T) {
		dir := t.TempDir()
		p := startHelper(t, "claim", dir)
		if ans := p.line(t); ans != "won" {
			t.Fatalf("helper answered %q, want won", ans)
		}
		if _, err := ClaimDir(dir); !errors.Is(err, ErrBusy) {
			t.Fatalf("claim while a live process holds it: %v; want ErrBusy", err)
		}
		p.cmd.Process.Signal(syscall.SIGKILL)
		p.cmd.Wait()
		release, err := ClaimDir(dir)
		if err != nil {
			t.Fatalf("claim after the owner was killed: %v; a dead owner must leave no claim", err)
		}
		release()
	})
	t.Run("creates parents", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		release, err := ClaimDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("ClaimDir did not create %s: %v", dir, err)
		}
	})
	t.Run("a file in the way", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "f")
		os.WriteFile(dir, nil, 0o644)
		if _, err := ClaimDir(dir); err == nil || errors.Is(err, ErrBusy) {
			t.Errorf("claim of a plain file: %v; want an error other than ErrBusy", err)
		}
	})
}

// TestUniqueDir creates folders for one second from 8 goroutines and 8
// processes at once: every caller must get a folder of its own.
func TestUniqueDir(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "results")
	var (
		mu   sync.Mutex
		dirs []string
		wg   sync.WaitGroup
	)
	start := make(chan struct{})
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			d, err := UniqueDir(parent, fixedTime)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			dirs = append(dirs, d)
			mu.Unlock()
		}()
	}
	var ps []*helperProc
	for range racers {
		ps = append(ps, startHelper(t, "unique", parent))
	}
	close(start)
	wg.Wait()
	for _, p := range ps {
		dirs = append(dirs, p.line(t))
		p.finish(t)
	}
	slices.Sort(dirs)
	if n := len(slices.Compact(slices.Clone(dirs))); n != 2*racers {
		t.Fatalf("%d callers got %d distinct folders: %v", 2*racers, n, dirs)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2*racers {
		t.Errorf("%s holds %d entries, want the %d folders returned", parent, len(entries), 2*racers)
	}
	base := filepath.Join(parent, "20260509-073030")
	for i, d := range dirs {
		if !strings.HasPrefix(d, base) {
			t.Errorf("folder %d is %s, want it named for the start second (%s...)", i, d, base)
		}
	}
	if !slices.Contains(dirs, base) || !slices.Contains(dirs, base+"-2") {
		t.Errorf("folders %v; want the bare timestamp first, then -2, -3, ...", dirs)
	}
}

func TestUniqueDirErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := UniqueDir(f, time.Now()); err == nil || !strings.Contains(err.Error(), f) {
		t.Errorf("UniqueDir under a plain file: %v; want an error naming it", err)
	}
}

// TestClaimReleaseRace plays, in order, the race that ClaimDir's
// isFileAt check closes: a claimer opens the lock file, the owner
// releases (removing it), the claimer's flock then succeeds on a file no
// longer in the folder. It must not count as a claim.
func TestClaimReleaseRace(t *testing.T) {
	dir := t.TempDir()
	release, err := ClaimDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ClaimFile)
	late, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	release()
	if ok, err := tryLock(late); !ok || err != nil {
		t.Fatalf("flock on the released file = %t, %v; the race needs it to succeed", ok, err)
	}
	if same, _ := isFileAt(late, path); same {
		t.Error("isFileAt says the removed lock file is still at its path")
	}
	release2, err := ClaimDir(dir)
	if err != nil {
		t.Fatalf("a new claim while only an orphaned file is locked: %v", err)
	}
	release2()
}
