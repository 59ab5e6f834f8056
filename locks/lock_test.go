package locks

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestRegistry(t *testing.T) {
	want := []string{"busted", "chan", "clh", "mcs", "mutex", "none", "qspin", "rwmutex", "spinpark", "tas", "ticket", "ttas"}
	if runtime.GOOS == "linux" {
		want = append(want, "futex")
		slices.Sort(want)
	}
	var got []string
	for _, i := range All(true) {
		got = append(got, i.Name)
		if i.Doc == "" || strings.Contains(i.Doc, "\n") || i.Source == "" || i.New == nil {
			t.Errorf("%s: want a one-line Doc, a Source and New, got %+v", i.Name, i)
		}
		if _, ok := i.New().(ownerSlot); !ok {
			t.Errorf("%s: does not keep the holder word on its own line (ownerSlot)", i.Name)
		}
		if i.Spins == i.Sleeps && !i.Spins && i.MaxWorkers == 0 && !i.Hidden {
			t.Errorf("%s: a real lock must spin, sleep or both", i.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("All(true) = %v, want %v", got, want)
	}
	if slices.Contains(Names(), "busted") {
		t.Errorf("Names() = %v lists the hidden busted lock", Names())
	}
	if _, err := Lookup("busted"); err != nil {
		t.Errorf("Lookup(busted): %v; hidden locks must still be found by name", err)
	}
	if _, err := Lookup("nosuch"); err == nil || !strings.Contains(err.Error(), "mcs") {
		t.Errorf("Lookup(nosuch) error = %v, want one listing the known locks", err)
	}
}

func TestCheckWorkers(t *testing.T) {
	tests := []struct {
		lock    string
		workers int
		ok      bool
		reason  string
	}{
		{"none", 1, true, "one worker needs no exclusion"},
		{"none", 2, false, "none excludes nothing, so two workers would race"},
		{"none", 8, false, "none excludes nothing, so eight workers would race"},
		{"mutex", 64, true, "real locks have no worker limit"},
		{"mcs", 8, true, "queue locks take any number of handles"},
		{"busted", 8, true, "busted claims to be a lock: catching it is the checks' job"},
	}
	for _, tt := range tests {
		i, err := Lookup(tt.lock)
		if err != nil {
			t.Fatal(err)
		}
		err = i.CheckWorkers(tt.workers)
		if (err == nil) != tt.ok {
			t.Errorf("%s.CheckWorkers(%d) = %v, want ok=%v: %s", tt.lock, tt.workers, err, tt.ok, tt.reason)
		}
		if err != nil && !strings.Contains(err.Error(), tt.lock) {
			t.Errorf("%s.CheckWorkers(%d) = %q, want the lock named", tt.lock, tt.workers, err)
		}
	}
}

// TestMutualExclusion runs every lock at 1, 2, 4 and 8 workers (8
// oversubscribes a 2-core machine) with the checker in the critical
// section, each worker on its own OS thread.
func TestMutualExclusion(t *testing.T) {
	for _, info := range All(true) {
		if info.Name == "busted" {
			continue // TestBustedIsCaught
		}
		for _, n := range []int{1, 2, 4, 8} {
			if info.CheckWorkers(n) != nil {
				continue
			}
			t.Run(fmt.Sprintf("lock=%s/workers=%d", info.Name, n), func(t *testing.T) {
				iters := scaled(4000 / n)
				bad, count := exclusion(t, info.New(), n, iters)
				if bad != 0 || count != n*iters {
					t.Errorf("%d violations, count %d, want 0 violations and count %d", bad, count, n*iters)
				}
			})
		}
	}
}

// TestBustedIsCaught proves the checker can fail: the busted lock must be
// caught by the same check that every real lock passes.
func TestBustedIsCaught(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector reports busted's race itself, failing the run")
	}
	for _, n := range []int{2, 8} {
		t.Run(fmt.Sprintf("workers=%d", n), func(t *testing.T) {
			iters := 2000
			bad, count := exclusion(t, new(Busted), n, iters)
			if bad == 0 && count == n*iters {
				t.Errorf("busted lock with %d workers: no violation seen and count %d exact; the checker cannot fail", n, count)
			}
			t.Logf("%d violations, %d of %d updates kept", bad, count, n*iters)
		})
	}
}

// TestTryLock checks, for every lock, that TryLock takes a free lock,
// refuses a held one and takes it again once released.
func TestTryLock(t *testing.T) {
	tests := []struct {
		lock     string
		heldWant bool
		reason   string
	}{
		{"busted", false, "busted behaves as a lock when alone; it breaks only under concurrency"},
		{"chan", false, "the slot is full while held"},
		{"clh", false, "the tail node is locked while held"},
		{"futex", false, "the word is non-zero while held"},
		{"mcs", false, "the tail is non-nil while held"},
		{"mutex", false, "sync.Mutex.TryLock fails on a locked mutex"},
		{"none", true, "none excludes nothing: TryLock always succeeds"},
		{"qspin", false, "the locked byte is set while held"},
		{"rwmutex", false, "the write side is held"},
		{"spinpark", false, "the word is non-zero while held"},
		{"tas", false, "the word is 1 while held"},
		{"ticket", false, "serving != next while held"},
		{"ttas", false, "the word is 1 while held"},
	}
	tested := map[string]bool{}
	for _, tt := range tests {
		info, err := Lookup(tt.lock)
		if err != nil {
			if tt.lock == "futex" && runtime.GOOS != "linux" {
				continue
			}
			t.Fatal(err)
		}
		tested[tt.lock] = true
		t.Run("lock="+tt.lock, func(t *testing.T) {
			l := info.New()
			a, b := l.Handle(), l.Handle()
			if !a.TryLock() {
				t.Fatalf("TryLock on a free lock = false, want true")
			}
			if got := b.TryLock(); got != tt.heldWant {
				t.Fatalf("TryLock on a held lock = %v, want %v: %s", got, tt.heldWant, tt.reason)
			} else if got {
				b.Unlock()
			}
			a.Unlock()
			if !b.TryLock() {
				t.Fatalf("TryLock after Unlock = false, want true")
			}
			b.Unlock()
			// Lock must work after TryLock/Unlock cycles.
			a.Lock()
			a.Unlock()
		})
	}
	for _, i := range All(true) {
		if !tested[i.Name] {
			t.Errorf("lock %q has no TryLock case: add one", i.Name)
		}
	}
}

// TestNoHang runs every lock, instrumented as the harness runs it, with 8
// workers on OS threads (oversubscribing a 2-core machine) for a fixed
// number of acquisitions, and fails if they do not finish in time. It also
// checks that the wrapper counted every acquisition.
func TestNoHang(t *testing.T) {
	const workers = 8
	for _, info := range All(false) {
		if info.CheckWorkers(workers) != nil {
			continue
		}
		t.Run("lock="+info.Name, func(t *testing.T) {
			iters := scaled(2000)
			l := Instrument(info.New(), DefaultOptions)
			var c checker
			var mu sync.Mutex // only to make bad visible; never contended
			bad := 0
			runWorkers(t, handles(l, workers), iters, stressLimit(), func(w int) {
				if c.enter(int32(w+1), false) != 0 {
					mu.Lock()
					bad++
					mu.Unlock()
				}
			})
			s := l.Stats()
			if want := uint64(workers * iters); s.Acquisitions != want || c.count != int(want) || bad != 0 {
				t.Errorf("acquisitions %d, count %d, violations %d; want %d, %d, 0", s.Acquisitions, c.count, bad, want, want)
			}
			if s.Contended > s.Acquisitions || s.Handoffs > s.Acquisitions {
				t.Errorf("contended %d, handoffs %d exceed acquisitions %d", s.Contended, s.Handoffs, s.Acquisitions)
			}
		})
	}
}

// TestFIFO checks the hand-off order of the FIFO spinning locks
// deterministically: the test holds the lock, starts waiters one at a time
// and waits until each is observably queued, then releases and records the
// order in which the waiters got the lock.
func TestFIFO(t *testing.T) {
	tests := []struct {
		lock   string
		queued func(l Lock, h Handle, i int) bool
		reason string
	}{
		{"ticket", func(l Lock, h Handle, i int) bool { return l.(*Ticket).queued() == i+1 },
			"waiter i has taken ticket i once i+1 tickets wait"},
		{"mcs", func(l Lock, h Handle, i int) bool { return l.(*MCS).queuedAt(h) },
			"a waiter is queued once its node is the tail"},
		{"clh", func(l Lock, h Handle, i int) bool { return l.(*CLH).queuedAt(h) },
			"a waiter is queued once its node is the tail"},
		{"qspin", func(l Lock, h Handle, i int) bool {
			q := l.(*QSpin)
			if i == 0 {
				return q.pending()
			}
			return q.queuedAt(h)
		}, "the first waiter takes the pending bit, the next ones queue behind it in tail order"},
		{"chan", func(l Lock, h Handle, i int) bool { return parkedIn("[chan send", "chanHandle).Lock") == i+1 },
			"a waiter is queued once its goroutine is parked on the channel's send queue"},
	}
	const waiters = 6
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.lock] = true
	}
	for _, i := range All(true) {
		if i.FIFO && !covered[i.Name] {
			t.Errorf("lock %q claims FIFO but has no hand-off order case: add one", i.Name)
		}
	}
	for _, tt := range tests {
		t.Run("lock="+tt.lock, func(t *testing.T) {
			info, err := Lookup(tt.lock)
			if err != nil {
				t.Fatal(err)
			}
			if !info.FIFO {
				t.Fatalf("registry says %s is not FIFO", tt.lock)
			}
			l := info.New()
			holder := l.Handle()
			hs := handles(l, waiters)
			holder.Lock()
			var (
				order []int // appended under the lock
				wg    sync.WaitGroup
			)
			for i, h := range hs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					h.Lock()
					order = append(order, i)
					h.Unlock()
				}()
				if !waitUntil(t, fmt.Sprintf("waiter %d is queued (%s)", i, tt.reason), func() bool { return tt.queued(l, h, i) }) {
					holder.Unlock()
					wg.Wait()
					return
				}
			}
			holder.Unlock()
			wg.Wait()
			want := []int{0, 1, 2, 3, 4, 5}
			if !slices.Equal(order, want) {
				t.Errorf("hand-off order %v, want arrival order %v", order, want)
			}
		})
	}
}

// TestDocTable keeps the algorithm table of the package doc in step with
// the registry.
func TestDocTable(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(src), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "//\t"))
		if strings.HasPrefix(line, "//\t") && len(f) >= 5 {
			rows[f[0]] = f[1:5]
		}
	}
	mark := func(b bool) string {
		if b {
			return "x"
		}
		return "-"
	}
	for _, i := range All(true) {
		want := []string{mark(i.FIFO), mark(i.Spins), mark(i.Sleeps), mark(i.Queue)}
		if got, ok := rows[i.Name]; !ok || !slices.Equal(got, want) {
			t.Errorf("doc.go table row for %s = %v, want FIFO/spins/sleeps/queue %v", i.Name, got, want)
		}
	}
}

// parkedIn counts the goroutines whose state starts with state and whose
// stack mentions fn: how a test sees waiters that the runtime parked.
func parkedIn(state, fn string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, state) && strings.Contains(g, fn) {
			n++
		}
	}
	return n
}

// TestOwnerBesideWord checks that every registered lock keeps the holder
// word within the same 16-byte block as its lock word: Go aligns these
// objects to 16 bytes, so the two then share a cache line whatever the
// address. It walks the registry, so a new lock without a row here fails.
func TestOwnerBesideWord(t *testing.T) {
	tests := map[string]struct {
		word   string // the lock word's field; "" for a lock without one
		reason string
	}{
		"mutex":    {"mu", "sync.Mutex is 8 bytes"},
		"rwmutex":  {"mu", "the write side's sync.Mutex leads the RWMutex"},
		"chan":     {"c", "the channel pointer; the channel's own lock lives in the runtime's hchan"},
		"tas":      {"v", "one 32-bit word"},
		"ttas":     {"v", "one 32-bit word"},
		"ticket":   {"next", "next and serving are adjacent"},
		"mcs":      {"tail", "the tail id is the whole lock"},
		"clh":      {"tail", "the tail word is the whole lock"},
		"qspin":    {"v", "the locked/pending/tail word"},
		"futex":    {"v", "the three-state futex word"},
		"spinpark": {"v", "the three-state word, as futex"},
		"none":     {"", "no lock word: only the holder word, after the leading pad"},
		"busted":   {"v", "one 32-bit word, as tas"},
	}
	seen := map[string]bool{}
	for _, info := range All(true) {
		seen[info.Name] = true
		tt, ok := tests[info.Name]
		if !ok {
			t.Errorf("lock %q has no row in TestOwnerBesideWord: add its lock word's field", info.Name)
			continue
		}
		typ := reflect.TypeOf(info.New())
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		o, ok := typ.FieldByName("owner")
		if !ok || !o.Anonymous {
			t.Errorf("%s (%s): no embedded owner", info.Name, typ.Name())
			continue
		}
		lo, hi := o.Offset, o.Offset+o.Type.Size()-1
		if tt.word != "" {
			w, ok := typ.FieldByName(tt.word)
			if !ok {
				t.Errorf("%s (%s): no field %q; update the row", info.Name, typ.Name(), tt.word)
				continue
			}
			lo = min(lo, w.Offset)
			hi = max(hi, w.Offset+min(w.Type.Size(), 8)-1)
		}
		if lo/16 != hi/16 || lo < 128 {
			t.Errorf("%s (%s): word %q and owner at %d are not in one 16-byte block after the leading pad (%s)",
				info.Name, typ.Name(), tt.word, o.Offset, tt.reason)
		}
	}
	for name := range tests {
		if !seen[name] && !(name == "futex" && runtime.GOOS != "linux") {
			t.Errorf("row %q names no registered lock: remove it or fix the name", name)
		}
	}
}
