package workloads

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// runUnbalanced runs every worker of wl on its own goroutine locked to an
// OS thread, worker 0 taking steps0 steps and the others steps each, all
// from a common start: the schedule a barging lock produces, one worker
// re-taking the locks while the others wait.
func runUnbalanced(wl Workload, steps0, steps int) {
	ws := wl.Workers()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, w := range ws {
		n := steps
		if i == 0 {
			n = steps0
		}
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			<-start
			for range n {
				w.Step()
			}
		})
	}
	close(start)
	wg.Wait()
}

// TestPCPSteadyStateUnbalanced is the regression test for mode pcp
// running out of pages with several workers (lockbench run --modes pcp
// --threads 2: "worker 0 found its zone empty 4316910 times"). Workers
// run concurrently on locked threads with worker 0 taking eight times the
// steps of the others; afterwards every LRU must be back within its limit
// (reclaim kept up), every per-thread list within its high mark, and
// Check must pass. Before the fix a step that inserted fewer than Batch
// pages (an index found still cached, which concurrent reclaim makes
// possible) left its LRU add cache holding more than a step, reclaim
// isolated only a step's worth, and the LRU grew by the difference for
// good, until the zone ran dry.
func TestPCPSteadyStateUnbalanced(t *testing.T) {
	steps := 6000
	if raceEnabled || testing.Short() {
		steps = 1500
	}
	counts := []int{2, 4}
	if !raceEnabled && !testing.Short() {
		counts = append(counts, 8)
	}
	for _, workers := range counts {
		for _, shared := range []bool{true, false} {
			for _, zones := range []int{1, 2} {
				name := fmt.Sprintf("workers=%d/shared=%v/zones=%d", workers, shared, zones)
				t.Run(name, func(t *testing.T) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(workers, runtime.GOMAXPROCS(0))))
					s := DefaultSpec
					s.Mode, s.Workers, s.SharedFiles, s.Zones = ModePCP, workers, shared, zones
					wl := mustNew(t, s)
					pc := wl.(*pageCache)
					for round := range 2 {
						runUnbalanced(wl, 8*steps, steps)
						for z := range pc.lrus {
							if l := &pc.lrus[z]; l.count > l.limit {
								t.Errorf("round %d: zone %d's LRU holds %d pages, above its limit of %d with every worker stopped: reclaim fell behind the adds",
									round, z, l.count, l.limit)
							}
						}
						for _, w := range pc.workers {
							if w.pcpN > w.pcpHigh {
								t.Errorf("round %d: worker %d's per-thread list holds %d pages, above its high mark of %d", round, w.id, w.pcpN, w.pcpHigh)
							}
						}
						if err := wl.Check(); err != nil {
							t.Fatalf("round %d: %v", round, err)
						}
					}
				})
			}
		}
	}
}

// TestSharedFileMissesWhenOneWorkerRunsAlone checks the sizing that makes
// every read miss the cache, in the schedule that tests it hardest: with
// one shared file, worker 0 runs on alone for laps of its share of the
// file while the others are stalled, as a barging lock makes them. Then
// the LRU fills with worker 0's pages only, and unless a lap of its share
// is longer than the cache it comes back to indexes still cached: every
// insert collides, Step returns no pages while the locks are still taken,
// and acquisitions per page are off by an order of magnitude (lockbench
// run --modes batch --threads 4 reported 34 acq/page instead of 0.5).
// Sequential, so it is exact.
func TestSharedFileMissesWhenOneWorkerRunsAlone(t *testing.T) {
	for _, m := range Modes() {
		for _, workers := range []int{2, 4, 8} {
			for _, zones := range []int{1, 2} {
				t.Run(fmt.Sprintf("mode=%s/workers=%d/zones=%d", m, workers, zones), func(t *testing.T) {
					s := DefaultSpec
					s.Mode, s.Workers, s.Zones = m, workers, zones
					wl := mustNew(t, s)
					pc := wl.(*pageCache)
					ws := wl.Workers()
					lap := int(pc.workers[0].chunks)
					for range 2 * lap {
						for _, w := range ws {
							w.Step()
						}
					}
					for range 4 * lap {
						ws[0].Step()
					}
					for _, w := range pc.workers {
						if w.collisions != 0 {
							t.Errorf("worker %d found %d indexes still cached: a lap of its share of the file (%d units) fits in the cache (LRU limit %d per zone)",
								w.id, w.collisions, lap*pc.geo.step, pc.lrus[0].limit)
						}
					}
					if err := wl.Check(); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}
