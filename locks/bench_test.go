package locks

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

// Benchmark names are key=value so that benchstat can pivot on them:
//
//	go test ./locks -run '^$' -bench 'Uncontended' -count 10 -benchtime 200ms > unc.txt
//	go tool benchstat -col /instrumented unc.txt   # cost of the measurement
//	go tool benchstat -col /lock unc.txt           # each lock beside the others

// BenchmarkUncontended models a lock that one worker takes and releases
// with nobody else around: the cost floor of each algorithm (its atomic
// operations on a line the core already owns), and the instrumented
// wrapper's cost on top of it.
func BenchmarkUncontended(b *testing.B) {
	for _, info := range All(false) {
		for _, inst := range []bool{false, true} {
			b.Run(fmt.Sprintf("lock=%s/instrumented=%v", info.Name, inst), func(b *testing.B) {
				benchUncontended(b, info, inst)
			})
		}
	}
}

// BenchmarkContended models a hot lock: GOMAXPROCS goroutines (b.RunParallel)
// take it in turn around a small critical section. Instrumented runs also
// report the share of acquisitions that passed the lock to another worker
// (handoffs/acq) and that had to wait (contended/acq): a cheap
// acquisition with few handoffs is one worker re-taking the lock.
func BenchmarkContended(b *testing.B) {
	for _, info := range All(false) {
		if info.CheckWorkers(2) != nil {
			continue // none: no exclusion, nothing to contend for
		}
		for _, inst := range []bool{false, true} {
			b.Run(fmt.Sprintf("lock=%s/instrumented=%v", info.Name, inst), func(b *testing.B) {
				benchContended(b, info, inst)
			})
		}
	}
}

// lockUnder returns a fresh lock of info, instrumented (with the default
// sampling the harness uses) or bare; the Instrumented is nil when bare.
func lockUnder(info Info, instrumented bool) (Lock, *Instrumented) {
	l := info.New()
	if !instrumented {
		return l, nil
	}
	il := Instrument(l, DefaultOptions)
	return il, il
}

func benchUncontended(b *testing.B, info Info, instrumented bool) {
	l, _ := lockUnder(info, instrumented)
	h := l.Handle()
	b.ReportAllocs()
	for b.Loop() {
		h.Lock()
		h.Unlock()
	}
}

// shared is the data the contended critical section updates: one padded
// line, moved between cores by the lock as a real protected structure is.
type shared struct {
	_ pad
	n uint64
	_ pad
}

func benchContended(b *testing.B, info Info, instrumented bool) {
	l, il := lockUnder(info, instrumented)
	var data shared
	// One handle per RunParallel goroutine, made before the clock starts
	// (an instrumented handle allocates its histogram).
	hs := handles(l, runtime.GOMAXPROCS(0))
	var next atomic.Int32
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		h := hs[next.Add(1)-1]
		for pb.Next() {
			h.Lock()
			data.n++
			h.Unlock()
		}
	})
	if data.n != uint64(b.N) {
		b.Fatalf("critical section ran %d times, want %d: the lock does not exclude", data.n, b.N)
	}
	if il != nil {
		s := il.Stats()
		if s.Acquisitions > 0 {
			b.ReportMetric(float64(s.Handoffs)/float64(s.Acquisitions), "handoffs/acq")
			b.ReportMetric(float64(s.Contended)/float64(s.Acquisitions), "contended/acq")
		}
	}
}
