package profiles

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/lockbench/lockbench/locks"
)

// cpuProfileRunning reports whether a CPU profile is running, leaving none
// running that was not.
func cpuProfileRunning() bool {
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		return true
	}
	pprof.StopCPUProfile()
	return false
}

// needCPUProfiler skips a test that starts sessions when the CPU profiler
// is taken (go test -cpuprofile).
func needCPUProfiler(t *testing.T) {
	t.Helper()
	if cpuProfileRunning() {
		t.Skip("a CPU profile is running (go test -cpuprofile?)")
	}
}

func TestSession(t *testing.T) {
	needCPUProfiler(t)
	const mutexBefore = 7
	defer runtime.SetMutexProfileFraction(runtime.SetMutexProfileFraction(mutexBefore))
	dir := filepath.Join(t.TempDir(), "new", "profiles") // Start creates it
	sess, err := Start(dir, Options{MutexFraction: 1, BlockRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.SetMutexProfileFraction(-1); got != 1 {
		t.Errorf("mutex profile fraction during the session %d, want 1", got)
	}
	c := testCase{lock: "x", mode: "batch", batch: 16, threads: 2}
	recs := testRun{
		workers: 2, opts: stacksEvery1, contentions: 50, minCPU: 200 * time.Millisecond,
		ctx: c.context(context.Background()),
	}.run(t)
	if err := sess.Stop(recs); err != nil {
		t.Fatal(err)
	}
	if got := runtime.SetMutexProfileFraction(-1); got != mutexBefore {
		t.Errorf("mutex profile fraction after the session %d, want %d as before", got, mutexBefore)
	}
	if cpuProfileRunning() {
		t.Error("CPU profile still running after Stop")
	}
	if err := sess.Stop(recs); err == nil || !strings.Contains(err.Error(), "already stopped") {
		t.Errorf("second Stop: got %v, want an error saying it already stopped", err)
	}

	ps := map[string]*profile.Profile{}
	for _, name := range Files() {
		p := readProfile(t, filepath.Join(dir, name))
		if p.DurationNanos <= 0 {
			t.Errorf("%s: duration %d, want the session's", name, p.DurationNanos)
		}
		ps[name] = p
	}
	if zone := totals(ps[ContentionFile], LabelClass, "zone"); zone[1] <= 0 {
		t.Errorf("contention profile: zone delay %d, want > 0", zone[1])
	}
	// The workers ran under the case's labels (the test's Case names the
	// lock "x"; the records name the real one), switching class labels
	// around their critical sections.
	var labelled, classed int
	for _, s := range ps[CPUFile].Sample {
		if slices.Equal(s.Label[LabelLock], []string{"x"}) && slices.Equal(s.Label[LabelMode], []string{"batch"}) &&
			slices.Equal(s.Label[LabelThreads], []string{"2"}) && slices.Equal(s.Label[LabelBatch], []string{"16"}) {
			labelled++
			if len(s.Label[LabelClass]) == 1 {
				classed++
			}
		}
	}
	if labelled == 0 {
		t.Errorf("CPU profile: none of %d samples carries the case's labels", len(ps[CPUFile].Sample))
	}
	t.Logf("CPU profile: %d samples, %d with the case's labels, %d of them with a class", len(ps[CPUFile].Sample), labelled, classed)

	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("sh is not on PATH")
	}
	// Every printed command runs as printed.
	for _, cmd := range Commands(dir, recs...) {
		out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", cmd, err, out)
		}
	}
}

func TestStartUnwritable(t *testing.T) {
	needCPUProfiler(t)
	for _, x := range []struct {
		name   string
		setup  func(t *testing.T, base string) string // returns the profile dir
		want   string
		reason string
	}{
		{
			name: "parent is a file",
			setup: func(t *testing.T, base string) string {
				file := filepath.Join(base, "results.txt")
				if err := os.WriteFile(file, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(file, "profiles")
			},
			want:   "creating profile directory: mkdir " + "%BASE%/results.txt: not a directory",
			reason: "root can write anywhere, but no one can make a directory under a regular file",
		},
		{
			name: "dir is a file",
			setup: func(t *testing.T, base string) string {
				file := filepath.Join(base, "profiles")
				if err := os.WriteFile(file, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return file
			},
			want:   "creating profile directory: mkdir %BASE%/profiles: not a directory",
			reason: "the path names a file where the directory should be",
		},
		{
			name: "a profile file is a directory",
			setup: func(t *testing.T, base string) string {
				if err := os.MkdirAll(filepath.Join(base, ContentionFile), 0o755); err != nil {
					t.Fatal(err)
				}
				return base
			},
			want:   "creating profile file: open %BASE%/contention.pb.gz: is a directory",
			reason: "the last file fails after the first three were created; they must be removed",
		},
	} {
		t.Run(x.name, func(t *testing.T) {
			base := t.TempDir()
			dir := x.setup(t, base)
			before := runtime.SetMutexProfileFraction(-1)
			sess, err := Start(dir, Options{MutexFraction: before + 3, BlockRate: 1})
			if err == nil {
				sess.Stop(nil)
				t.Fatalf("Start(%s) succeeded, want an error (%s)", dir, x.reason)
			}
			if want := strings.ReplaceAll(x.want, "%BASE%", base); err.Error() != want {
				t.Errorf("Start error\n got %q\nwant %q", err, want)
			}
			if got := runtime.SetMutexProfileFraction(-1); got != before {
				t.Errorf("failed Start changed the mutex profile fraction to %d", got)
			}
			if cpuProfileRunning() {
				t.Error("failed Start left a CPU profile running")
			}
			for _, name := range Files() {
				if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
					t.Errorf("failed Start left %s behind", name)
				} else if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
					t.Errorf("stat %s: %v", name, err)
				}
			}
		})
	}
}

func TestStartWhileProfiling(t *testing.T) {
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Skipf("a CPU profile is already running: %v", err)
	}
	defer pprof.StopCPUProfile()
	dir := t.TempDir()
	sess, err := Start(dir, DefaultOptions)
	if err == nil {
		sess.Stop(nil)
		t.Fatal("Start succeeded while a CPU profile was running")
	}
	if !strings.HasPrefix(err.Error(), "starting CPU profile: ") {
		t.Errorf("got %q, want it to say the CPU profile could not start", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("failed Start left files behind: %v", left)
	}
}

func TestStartNegativeRate(t *testing.T) {
	_, err := Start(t.TempDir(), Options{MutexFraction: -1})
	if err == nil || !strings.Contains(err.Error(), "negative profile rate") {
		t.Errorf("got %v, want an error about the negative rate", err)
	}
}

// mutexEvents returns the contention events in contendSyncMutex that the
// runtime's mutex profile holds. (The runtime's own lock contention is in
// the profile too.)
func mutexEvents() int64 {
	n, _ := runtime.MutexProfile(nil)
	for {
		rs := make([]runtime.BlockProfileRecord, n+10)
		n2, ok := runtime.MutexProfile(rs)
		if ok {
			var sum int64
			for _, r := range rs[:n2] {
				frames := runtime.CallersFrames(r.Stack())
				for {
					f, more := frames.Next()
					if strings.Contains(f.Function, "contendSyncMutex") {
						sum += r.Count
						break
					}
					if !more {
						break
					}
				}
			}
			return sum
		}
		n = n2
	}
}

// contendSyncMutex makes two goroutines contend a sync.Mutex until the
// runtime's mutex profile has recorded more than n events.
func contendSyncMutex(t *testing.T, n int64) {
	t.Helper()
	var mu sync.Mutex
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var x uint64
			for !stop.Load() {
				mu.Lock()
				x = work(x, 5000) // long enough that the other parks
				mu.Unlock()
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for mutexEvents() <= n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if mutexEvents() <= n {
		t.Fatal("no sync.Mutex contention recorded in 10 s")
	}
}

// TestSessionRuntimeProfiles checks that mutex.pb.gz holds the session's
// contention only: what the runtime recorded before Start is subtracted.
func TestSessionRuntimeProfiles(t *testing.T) {
	needCPUProfiler(t)
	defer runtime.SetMutexProfileFraction(runtime.SetMutexProfileFraction(1))
	contendSyncMutex(t, 0)

	read := func(dir string) *profile.Profile { return readProfile(t, filepath.Join(dir, MutexFile)) }
	quiet := t.TempDir()
	sess, err := Start(quiet, Options{MutexFraction: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Stop(nil); err != nil {
		t.Fatal(err)
	}
	if n := inContendSyncMutex(read(quiet)); n != 0 {
		t.Errorf("session without contention: mutex profile has %d samples in contendSyncMutex, want 0 (the earlier contention subtracted)", n)
	}

	busy := t.TempDir()
	if sess, err = Start(busy, Options{MutexFraction: 1}); err != nil {
		t.Fatal(err)
	}
	contendSyncMutex(t, mutexEvents())
	if err := sess.Stop(nil); err != nil {
		t.Fatal(err)
	}
	if inContendSyncMutex(read(busy)) == 0 {
		t.Error("session with sync.Mutex contention: no mutex profile sample in contendSyncMutex")
	}
}

// inContendSyncMutex counts the samples of p with contendSyncMutex on
// their stack. (The runtime's own lock contention may appear anywhere.)
func inContendSyncMutex(p *profile.Profile) (n int) {
	for _, s := range p.Sample {
		if slices.ContainsFunc(s.Location, func(l *profile.Location) bool {
			return slices.ContainsFunc(l.Line, func(ln profile.Line) bool {
				return strings.Contains(ln.Function.Name, "contendSyncMutex")
			})
		}) {
			n++
		}
	}
	return n
}

// TestSessionAdd checks that records added case by case and records given
// to Stop end up in one contention profile.
func TestSessionAdd(t *testing.T) {
	needCPUProfiler(t)
	dir := t.TempDir()
	sess, err := Start(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := func(n uint64) *locks.Stats { return &locks.Stats{Contended: n, WaitTotal: int64(n) * 100} }
	c := testCase{lock: "mcs", mode: "page", batch: 16, threads: 2}
	if err := sess.Add(c.record("zone", "", st(3))); err != nil {
		t.Fatal(err)
	}
	if err := sess.Add(Record{}); err == nil {
		t.Error("Add of a record without stats succeeded")
	}
	if err := sess.Stop([]Record{c.record("zone", "", st(4)), c.record("lru", "", st(1))}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Add(c.record("zone", "", st(1))); err == nil {
		t.Error("Add after Stop succeeded")
	}
	p := readProfile(t, filepath.Join(dir, ContentionFile))
	if zone, lru := totals(p, LabelClass, "zone"), totals(p, LabelClass, "lru"); zone[0] != 7 || zone[1] != 700 || lru[0] != 1 {
		t.Errorf("zone %v, lru %v; want 7 contentions and 700 ns (3+4, added and at Stop), and 1", zone, lru)
	}
	if got := sess.Commands(); !slices.Contains(got, "go tool pprof -top '-tagfocus=class=^lru$' "+filepath.Join(dir, ContentionFile)) {
		t.Errorf("Session.Commands lacks the lru class:\n%s", strings.Join(got, "\n"))
	}
}
