package workloads

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/lockbench/lockbench/locks"
)

func TestPageIsOneCacheLine(t *testing.T) {
	if got := unsafe.Sizeof(Page{}); got != 64 {
		t.Fatalf("unsafe.Sizeof(Page{}) = %d, want 64 (one cache line, as struct page)", got)
	}
	for _, n := range []int{1, 7, 300, 5000} {
		p := alignedPages(n)
		if len(p) != n || uintptr(unsafe.Pointer(&p[0]))%64 != 0 {
			t.Errorf("alignedPages(%d): len %d, address %% 64 = %d; want len %d on a cache-line boundary",
				n, len(p), uintptr(unsafe.Pointer(&p[0]))%64, n)
		}
	}
}

// perPage is an acquisition count per base page, num/den.
type perPage struct{ num, den uint64 }

func (r perPage) String() string {
	if r.den == 1 {
		return fmt.Sprint(r.num)
	}
	return fmt.Sprintf("%d/%d", r.num, r.den)
}

func TestAcquisitionsPerPage(t *testing.T) {
	const n = 16
	type row struct {
		mode   Mode
		batch  uint64
		shared bool
		want   map[Class]perPage
		reason string
	}
	tests := []row{
		{ModePage, n, true, map[Class]perPage{ClassZone: {2, 1}, ClassMapping: {2, 1}, ClassLRU: {2, 1}, ClassQueue: {2, 1}},
			"page takes every lock once per page to bring it in (alloc, insert, LRU add, submit) and once to retire it (free, delete, isolate, complete)"},
		{ModePagevec, n, true, map[Class]perPage{ClassZone: {2, 1}, ClassMapping: {2, 1}, ClassLRU: {2, n}, ClassQueue: {2, 1}},
			"pagevec batches only the LRU: one add and one isolate per N pages; one bio per page"},
		{ModeBatch, n, true, map[Class]perPage{ClassZone: {2, n}, ClassMapping: {2, n}, ClassLRU: {2, n}, ClassQueue: {2, n}},
			"batch takes every lock once per N pages each way: gang alloc, batch insert, one bio, LRU add, isolate, batch delete, bulk free"},
		{ModeBatch, 5, false, map[Class]perPage{ClassZone: {2, 5}, ClassMapping: {2, 5}, ClassLRU: {2, 5}, ClassQueue: {2, 5}},
			"an odd batch with a private file: the LRU holds whole steps of one file, so a batch delete is still one acquisition"},
		{ModePCP, n, true, map[Class]perPage{ClassZone: {0, 1}, ClassMapping: {2, 1}, ClassLRU: {2, n}, ClassQueue: {2, n}},
			"pcp: reclaim refills the per-thread list with what the step takes, so one worker never needs the zone lock; mapping per page; LRU add cache and one bio per N"},
		{ModeLarge, n, true, map[Class]perPage{ClassZone: {2, n}, ClassMapping: {2, n}, ClassLRU: {2, n}, ClassQueue: {2, n}},
			"large is one N-page unit: one struct, one entry, one acquisition of each lock each way"},
	}
	for _, m := range Modes() {
		if !slices.ContainsFunc(tests, func(tt row) bool { return tt.mode == m }) {
			t.Errorf("mode %s has no row in TestAcquisitionsPerPage: add the acquisitions per page of each class it takes (the package doc's table)", m)
		}
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("mode=%s/batch=%d/shared=%v", tt.mode, tt.batch, tt.shared), func(t *testing.T) {
			s := DefaultSpec
			s.Mode, s.Batch, s.SharedFiles = tt.mode, int(tt.batch), tt.shared
			wl := mustNew(t, s)
			w := wl.Workers()[0]
			// Warm up past the fill of the cache and of the queue.
			for range 4096 {
				w.Step()
			}
			resetLocks(wl)
			pages := uint64(0)
			for range 500 {
				pages += uint64(w.Step())
			}
			if pc := wl.(*pageCache); pc.workers[0].collisions != 0 {
				t.Fatalf("%d inserts found their index cached: the file is too small for the cache", pc.workers[0].collisions)
			}
			for _, c := range PageCacheClasses() {
				got, want := classAcquisitions(wl, c), tt.want[c]
				if got*want.den != want.num*pages {
					t.Errorf("%s: %d acquisitions for %d pages (%.4f per page), want %s per page: %s",
						c, got, pages, float64(got)/float64(pages), want, tt.reason)
				}
			}
			if err := wl.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCSAcquisitions(t *testing.T) {
	s := DefaultSpec
	s.Workload, s.Lines, s.Think = CS, 4, 10
	wl := mustNew(t, s)
	w := wl.Workers()[0]
	steps := 0
	for range 1000 {
		steps += w.Step()
	}
	if got := classAcquisitions(wl, ClassCS); got != 1000 || steps != 1000 {
		t.Errorf("cs: %d acquisitions and %d from Step for 1000 steps, want 1000 each: one critical section per step", got, steps)
	}
	if err := wl.Check(); err != nil {
		t.Fatal(err)
	}
}

// stepsFor returns how many steps give each worker about pages pages.
func stepsFor(s Spec, pages int) int {
	if s.Workload == CS || s.Mode == ModePage {
		return pages
	}
	return max(1, pages/s.Batch)
}

func TestConservation(t *testing.T) {
	pages := 16384
	if raceEnabled || testing.Short() {
		pages = 2048
	}
	type variant struct {
		name   string
		shared bool
		zones  int
	}
	variants := []variant{{"shared", true, 1}}
	lockNames := []string{"mutex", "mcs", "tas"}
	for _, lk := range lockNames {
		// A renamed lock must fail here, not skip: a skip would pass the
		// conservation test without running it.
		if _, err := locks.Lookup(lk); err != nil {
			t.Fatalf("lock %s, which this test runs, is not registered: %v", lk, err)
		}
	}
	for _, lk := range lockNames {
		for _, m := range Modes() {
			for _, workers := range []int{1, 2, 4} {
				vs := variants
				if lk == "mutex" && workers > 1 {
					// The private-file and two-zone paths: cross-file
					// reclaim and per-zone LRUs.
					vs = append(vs, variant{"private", false, 1}, variant{"zones=2", true, 2})
				}
				for _, v := range vs {
					name := fmt.Sprintf("mode=%s/lock=%s/workers=%d/%s", m, lk, workers, v.name)
					t.Run(name, func(t *testing.T) {
						s := DefaultSpec
						s.Mode, s.Lock, s.Workers, s.SharedFiles, s.Zones = m, lk, workers, v.shared, v.zones
						wl := mustNew(t, s)
						if _, err := runWorkers(wl, stepsFor(s, pages)); err != nil {
							t.Fatal(err)
						}
						if err := wl.Check(); err != nil {
							t.Fatalf("conservation broken with a correct lock:\n%v", err)
						}
						// A second run on the same state: steady state carries over.
						if _, err := runWorkers(wl, stepsFor(s, pages/4)); err != nil {
							t.Fatal(err)
						}
						if err := wl.Check(); err != nil {
							t.Fatalf("conservation broken on the second run:\n%v", err)
						}
					})
				}
			}
		}
	}
}

// TestConservationFailsWithBusted proves that Check can fail: with a lock
// that does not exclude, concurrent workers lose or duplicate pages. The
// busted lock lets two workers in only when one yields between its check
// and its set while the other takes the lock, and damage needs their
// critical sections to overlap, which on a loaded machine needs the OS to
// run both threads at once. So the test runs more threads than cores
// (GOMAXPROCS raised, restored after) and repeats rounds until Check
// fails, within a time budget per mode; on an idle machine the first
// round fails.
func TestConservationFailsWithBusted(t *testing.T) {
	if raceEnabled {
		t.Skip("the busted lock's races are deliberate; the race detector would report them")
	}
	if _, err := locks.Lookup("busted"); err != nil {
		t.Fatalf("the busted lock this test needs is not registered: %v", err)
	}
	const workers = 8
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(workers, runtime.GOMAXPROCS(0))))
	budget := 6 * time.Second
	if testing.Short() {
		budget = 2 * time.Second
	}
	for _, m := range append(Modes(), "cs") {
		t.Run("mode="+string(m), func(t *testing.T) {
			s := DefaultSpec
			s.Lock, s.Workers, s.Mode = "busted", workers, m
			if m == "cs" {
				// Longer sections: a lost update needs two workers inside
				// at once.
				s.Workload, s.Mode, s.Lines = CS, "", 16
			}
			start := time.Now()
			for r := 0; time.Since(start) < budget; r++ {
				wl := mustNew(t, s)
				_, perr := runWorkers(wl, 20000)
				err := wl.Check()
				if err != nil {
					t.Logf("round %d (%v): Check failed as it must (worker panic: %v): %s",
						r, time.Since(start).Round(time.Millisecond), perr, firstLine(err))
					return
				}
				if perr != nil {
					t.Fatalf("round %d: a worker panicked but Check passed: %v", r, perr)
				}
			}
			t.Fatalf("Check passed for %v of rounds with the busted lock: it cannot see lost pages", budget)
		})
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// TestCheckNamesThePage corrupts a quiet model by hand and checks that
// Check names the page and the places.
func TestCheckNamesThePage(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(pc *pageCache) uint32
		want    string
		reason  string
	}{
		{"duplicate", func(pc *pageCache) uint32 {
			// Push the LRU's head page onto the free list as well.
			p := pc.lrus[0].head
			pc.pages[p].Next = pc.zones[0].free
			pc.zones[0].free = p
			pc.zones[0].nrFree++
			return p
		}, "is both", "a page freed while still cached is in two places"},
		{"lost", func(pc *pageCache) uint32 {
			// Drop the top of the free list.
			z := &pc.zones[0]
			p := z.free
			z.free = pc.pages[p].Next
			z.nrFree--
			return p
		}, "nowhere", "a page dropped from every list is lost"},
		{"tree", func(pc *pageCache) uint32 {
			// Delete a cached page from its mapping only.
			p := pc.lrus[0].tail
			pc.maps[0].tree.delete(pc.pages[p].Index)
			return p
		}, "mapping entries", "a page on the LRU must be in its mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSpec
			s.Mode = ModePage
			wl := mustNew(t, s)
			for range 2000 {
				wl.Workers()[0].Step()
			}
			p := tt.corrupt(wl.(*pageCache))
			err := wl.Check()
			if err == nil {
				t.Fatalf("Check passed: %s", tt.reason)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("page %d ", p)) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %q, want it to name page %d and say %q: %s", err, p, tt.want, tt.reason)
			}
		})
	}
}

func TestStepDoesNotAllocate(t *testing.T) {
	type variant struct {
		name string
		edit func(*Spec)
	}
	variants := []variant{
		{"plain", func(*Spec) {}},
		{"bare", func(s *Spec) { s.Bare = true }},
		{"labels+delay", func(s *Spec) {
			s.Labels = context.Background()
			s.Delay = map[Class]time.Duration{ClassZone: 50 * time.Nanosecond, ClassCS: 50 * time.Nanosecond}
		}},
	}
	for _, v := range variants {
		for _, m := range append(Modes(), "cs") {
			t.Run(v.name+"/mode="+string(m), func(t *testing.T) {
				s := DefaultSpec
				s.Mode = m
				if m == "cs" {
					s.Workload, s.Mode, s.Lines, s.Think = CS, "", 2, 5
				}
				v.edit(&s)
				if s.Workload == CS && s.Delay != nil {
					delete(s.Delay, ClassZone)
				}
				if s.Workload != CS && s.Delay != nil {
					delete(s.Delay, ClassCS)
				}
				wl := mustNew(t, s)
				w := wl.Workers()[0]
				for range 4096 {
					w.Step()
				}
				if a := testing.AllocsPerRun(200, func() { w.Step() }); a != 0 {
					t.Errorf("Step allocates %v times per call in steady state, want 0", a)
				}
				if err := wl.Check(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestLocksListsEveryInstance(t *testing.T) {
	s := DefaultSpec
	s.Workers, s.Zones, s.SharedFiles, s.Bare = 3, 2, false, true
	s.ClassLocks = map[Class]string{ClassQueue: "mcs"}
	wl := mustNew(t, s)
	count := map[Class]int{}
	for _, l := range wl.Locks() {
		count[l.Class]++
		if l.Lock != nil {
			t.Errorf("%s lock is instrumented in a bare workload", l.Class)
		}
		if l.Name != s.LockFor(l.Class) {
			t.Errorf("%s lock is %q, want %q", l.Class, l.Name, s.LockFor(l.Class))
		}
	}
	want := map[Class]int{ClassZone: 2, ClassMapping: 3, ClassLRU: 2, ClassQueue: 1}
	for c, n := range want {
		if count[c] != n {
			t.Errorf("%d %s locks, want %d (zones 2, private files for 3 workers)", count[c], c, n)
		}
	}
	if _, err := runWorkers(wl, 500); err != nil {
		t.Fatal(err)
	}
	if err := wl.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestDelayIsSpentInsideTheSection(t *testing.T) {
	// Not a timing claim: only that the delay is converted to spin rounds
	// for the named class and no other.
	s := DefaultSpec
	s.Delay = map[Class]time.Duration{ClassLRU: time.Microsecond}
	pc := mustNew(t, s).(*pageCache)
	w := pc.workers[0]
	if w.lruL.spin == 0 || w.zoneL.spin != 0 || w.queueL.spin != 0 || w.mapL[0].spin != 0 {
		t.Errorf("spin rounds zone %d mapping %d lru %d queue %d; want only lru non-zero",
			w.zoneL.spin, w.mapL[0].spin, w.lruL.spin, w.queueL.spin)
	}
}

func TestLabelsArePrecomputedPerClass(t *testing.T) {
	s := DefaultSpec
	s.Labels = pprof.WithLabels(context.Background(), pprof.Labels("run", "x"))
	pc := mustNew(t, s).(*pageCache)
	w := pc.workers[0]
	for c, h := range map[Class]classHandle{ClassZone: w.zoneL, ClassMapping: w.mapL[0], ClassLRU: w.lruL, ClassQueue: w.queueL} {
		if got, _ := pprof.Label(h.label, "class"); got != string(c) {
			t.Errorf("%s section labelled class=%q", c, got)
		}
		if got, _ := pprof.Label(h.label, "run"); got != "x" {
			t.Errorf("%s section lost the base label run=x (got %q)", c, got)
		}
		if h.base != s.Labels {
			t.Errorf("%s section restores %v, want the base labels", c, h.base)
		}
	}
	if w := mustNew(t, DefaultSpec).(*pageCache).workers[0]; w.zoneL.label != nil {
		t.Error("labels set without Spec.Labels")
	}
}
