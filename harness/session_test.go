package harness

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/workloads"
)

// countingLock is a mutex that counts its acquisitions, and panics once
// armed: the session tests see whether workers run, and when.
type countingLock struct {
	mu    sync.Mutex
	n     atomic.Int64
	armed atomic.Bool
}

type countingHandle struct{ l *countingLock }

func (l *countingLock) Handle() locks.Handle { return countingHandle{l} }
func (h countingHandle) Lock() {
	if h.l.armed.Load() {
		panic("armed")
	}
	h.l.mu.Lock()
	h.l.n.Add(1)
}
func (h countingHandle) TryLock() bool { h.Lock(); return true }
func (h countingHandle) Unlock()       { h.l.mu.Unlock() }

func bareCase(threads int) Case {
	c := testCase(threads)
	c.Spec.Bare = true
	return c
}

// A session's workers run in its turns only: parked between them, they
// take no lock, and the result sums the measured turns, not the
// re-warm-ups. This is what lets another process take the same CPUs
// between two turns (ab's interleaved blocks).
func TestSessionTurns(t *testing.T) {
	r := testRunner()
	l := &countingLock{}
	r.NewWorkload = fakeBuilder(func() locks.Lock { return l }, false)
	s, err := r.Open(context.Background(), bareCase(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	var measured time.Duration
	for turn := range 3 {
		before := l.n.Load()
		time.Sleep(20 * time.Millisecond)
		if got := l.n.Load(); got != before {
			t.Fatalf("before turn %d: %d acquisitions while the workers were parked", turn, got-before)
		}
		if err := s.Turn(5*time.Millisecond, 10*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		measured += 10 * time.Millisecond
	}
	total := l.n.Load()
	res, err := s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.Turns != 3 {
		t.Errorf("Turns = %d, want 3", res.Turns)
	}
	if res.Wall < measured*9/10 || res.Wall > measured+3*r.Grace {
		t.Errorf("Wall = %v, want about the three measured windows (%v): the workers stop themselves at each turn's end", res.Wall, measured)
	}
	// The fake takes one lock a batch: the warm-up and the re-warm-ups
	// took locks too, and are not in Pages.
	if all := total * int64(res.Case.Spec.Batch); res.Pages == 0 || int64(res.Pages) >= all {
		t.Errorf("Pages = %d of %d in all phases: want the measured turns' only", res.Pages, all)
	}
	if _, err := s.Close(); err == nil {
		t.Error("a second Close returned no error")
	}
	waitGoroutines(t)
}

// A re-warm-up would be counted by instrumented locks: a turn with one
// needs a bare case, and says so.
func TestSessionTurnsNeedBare(t *testing.T) {
	r := testRunner()
	s, err := r.Open(context.Background(), testCase(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Turn(time.Millisecond, 10*time.Millisecond); !errors.Is(err, ErrTurnsNeedBare) {
		t.Fatalf("Turn with a re-warm-up on instrumented locks: %v, want ErrTurnsNeedBare", err)
	}
	if _, err := s.Close(); !errors.Is(err, ErrTurnsNeedBare) {
		t.Errorf("Close after the failed turn: %v, want its error", err)
	}
	waitGoroutines(t)
}

// A worker that panics in a later turn ends the session with its
// *PanicError, and no goroutine is left.
func TestSessionPanicInLaterTurn(t *testing.T) {
	r := testRunner()
	r.Grace = 100 * time.Millisecond
	l := &countingLock{}
	r.NewWorkload = fakeBuilder(func() locks.Lock { return l }, false)
	s, err := r.Open(context.Background(), bareCase(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Turn(time.Millisecond, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	l.armed.Store(true)
	err = s.Turn(time.Millisecond, 10*time.Millisecond)
	var pe *PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Turn after arming: %v, want a *PanicError", err)
	}
	if _, err := s.Close(); !errors.As(err, &pe) {
		t.Errorf("Close: %v, want the panic", err)
	}
	waitGoroutines(t)
}

// stepLog records which workload stepped, one entry per change: the
// slices of a block in turns alternate; whole slices run one after the
// other.
type stepLog struct {
	mu  sync.Mutex
	seq []string
}

func (l *stepLog) mark(tag string) {
	l.mu.Lock()
	if n := len(l.seq); n == 0 || l.seq[n-1] != tag {
		l.seq = append(l.seq, tag)
	}
	l.mu.Unlock()
}

type loggedWorkload struct {
	workloads.Workload
	tag string
	log *stepLog
}

func (w loggedWorkload) Workers() []workloads.Worker {
	var out []workloads.Worker
	for _, x := range w.Workload.Workers() {
		out = append(out, loggedWorker{x, w.tag, w.log})
	}
	return out
}

type loggedWorker struct {
	workloads.Worker
	tag string
	log *stepLog
}

func (w loggedWorker) Step() int { w.log.mark(w.tag); return w.Worker.Step() }

// A paired sweep measures a timed block's slices in turns (Runner.Turn):
// each result sums Duration/Turn turns, and the slices' steps alternate,
// in a rotation that reverses each turn; with Turn 0 they run whole, one
// after the other.
func TestPairedTurns(t *testing.T) {
	for _, turn := range []time.Duration{5 * time.Millisecond, 0} {
		p := pairedPlan(2, 1)
		p.Locks, p.Threads, p.Modes = []string{"mutex"}, []int{1}, []workloads.Mode{workloads.ModePage, workloads.ModeBatch}
		p.Base.Bare = true // no counting block: every block is timed
		r := testRunner()
		r.Turn = turn
		log := &stepLog{}
		fake := fakeBuilder(nil, false)
		r.NewWorkload = func(s workloads.Spec) (workloads.Workload, error) {
			w, err := fake(s)
			return loggedWorkload{w, string(s.Mode), log}, err
		}
		sw, err := NewSweep(p, r, filepath.Join(t.TempDir(), "out"), false)
		if err != nil {
			t.Fatal(err)
		}
		var turns []int
		sw.Progress = func(_ int, res *Result) { turns = append(turns, res.Turns) }
		out, err := sw.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// 20 ms in 5 ms turns; per block A and B warm up, then take
		// turns AB BA AB BA: A B A B A B A, 7 runs of steps, or 2 whole
		// slices. A block's first slice may run right after the same
		// mode's last slice of the block before: one run fewer.
		want, segments := 4, 2*7
		if turn == 0 {
			want, segments = 1, 2*2
		}
		if out.Blocks != 2 || len(turns) != 4 || slices.ContainsFunc(turns, func(n int) bool { return n != want }) {
			t.Errorf("turn %v: %d blocks, turns per result %v; want 2 blocks of 2 results of %d turns", turn, out.Blocks, turns, want)
		}
		if len(log.seq) != segments && len(log.seq) != segments-1 {
			t.Errorf("turn %v: the slices stepped in %d runs (%v), want %d", turn, len(log.seq), log.seq, segments)
		}
		if _, err := os.Stat(sw.Path()); err != nil {
			t.Error(err)
		}
	}
	waitGoroutines(t)
}
