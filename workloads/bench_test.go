package workloads

import (
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// benchLocks lets the lead compare algorithms without editing the file:
// go test -bench PageCache -locks mutex,mcs,tas ./workloads/
var benchLocks = flag.String("locks", "mutex", "comma-separated lock algorithms for BenchmarkPageCache and BenchmarkCS")

// BenchmarkPageCache measures one worker reading through the page-cache
// path in each mode, in steady state (cache full, reclaim running). It
// reports ns/page (wall time over pages inserted) and lock acquisitions
// per page, in total and per class; ns/op is suppressed because an op is a
// page in mode page and a batch in the others. Names are key=value so that
// `benchstat -col /mode` compares modes.
func BenchmarkPageCache(b *testing.B) {
	for _, lk := range strings.Split(*benchLocks, ",") {
		for _, m := range Modes() {
			b.Run(fmt.Sprintf("mode=%s/batch=16/lock=%s", m, lk), func(b *testing.B) {
				s := DefaultSpec
				s.Mode, s.Lock, s.Batch = m, lk, 16
				benchPageCache(b, s)
			})
		}
	}
}

func benchPageCache(b *testing.B, s Spec) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wl := mustNew(b, s)
	w := wl.Workers()[0]
	// Warm up: four laps of the file fill the cache, the queue and the
	// per-thread lists, so that every measured step reclaims.
	for pages := 0; pages < 4*wl.(*pageCache).spec.FilePages; {
		pages += w.Step()
	}
	resetLocks(wl)
	pages := 0
	for b.Loop() {
		pages += w.Step()
	}
	if pages == 0 {
		b.Fatal("no pages processed")
	}
	b.StopTimer()
	if err := wl.Check(); err != nil {
		b.Fatal(err)
	}
	total := uint64(0)
	for _, c := range PageCacheClasses() {
		n := classAcquisitions(wl, c)
		total += n
		b.ReportMetric(float64(n)/float64(pages), string(c)+"-acq/page")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
	b.ReportMetric(float64(total)/float64(pages), "acq/page")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCS measures one worker's critical section of the cs workload:
// ns/op is one lock round trip plus the writes.
func BenchmarkCS(b *testing.B) {
	for _, lk := range strings.Split(*benchLocks, ",") {
		for _, lines := range []int{1, 8} {
			b.Run(fmt.Sprintf("lines=%d/think=0/lock=%s", lines, lk), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				s := DefaultSpec
				s.Workload, s.Mode, s.Lock, s.Lines = CS, "", lk, lines
				wl := mustNew(b, s)
				w := wl.Workers()[0]
				for b.Loop() {
					w.Step()
				}
				b.StopTimer()
				if err := wl.Check(); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
