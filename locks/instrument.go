package locks

import (
	"runtime"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Options sets what the instrumented wrapper samples. Sampling periods are
// counts, not times: a clock read on every acquisition would lengthen the
// hold times being measured.
type Options struct {
	// HoldEvery samples the hold time of every Nth acquisition of a
	// worker (0: never).
	HoldEvery int
	// StackEvery records the caller's stack on every Nth contended
	// acquisition of a worker (0: never). Profiles scale by this period.
	StackEvery int
	// MaxStacks caps the stack samples kept per worker, so that memory
	// stays bounded on long runs; further samples are counted in
	// Stats.StacksDropped.
	MaxStacks int
}

// DefaultOptions samples one hold in 64 acquisitions and one stack in 16
// contentions.
var DefaultOptions = Options{HoldEvery: 64, StackEvery: 16, MaxStacks: 4096}

// Wait-time histogram range: 1 ns to 10 s at 2 significant figures.
const (
	histMin    = 1
	histMax    = int64(10 * time.Second)
	histSigfig = 2
)

// MaxStackDepth is the deepest stack a Sample keeps.
const MaxStackDepth = 32

// A Sample is one contended acquisition whose stack was recorded.
type Sample struct {
	PC    [MaxStackDepth]uintptr
	Depth int
	Wait  int64 // ns waited for this acquisition
}

// Stack returns the sampled program counters, innermost first, as
// runtime.Callers reports them (return addresses).
func (s *Sample) Stack() []uintptr { return s.PC[:s.Depth] }

// Stats are the counts one or more workers gathered on one lock. The zero
// value is empty and ready for Merge.
type Stats struct {
	Acquisitions uint64                  // successful Lock and TryLock calls
	Contended    uint64                  // acquisitions whose first TryLock failed
	Handoffs     uint64                  // acquisitions whose previous holder was another worker
	WaitTotal    int64                   // ns, summed over contended acquisitions
	WaitMax      int64                   // ns, longest single wait
	Wait         *hdrhistogram.Histogram // ns per contended acquisition; nil if none

	HoldSamples uint64 // sampled acquisitions whose hold time was measured
	HoldTotal   int64  // ns, summed over HoldSamples
	HoldEvery   int    // sampling period of hold times
	StackEvery  int    // sampling period of Samples (in contended acquisitions)

	Samples       []Sample
	StacksDropped uint64
}

// Merge adds o's counts into s.
func (s *Stats) Merge(o *Stats) {
	s.Acquisitions += o.Acquisitions
	s.Contended += o.Contended
	s.Handoffs += o.Handoffs
	s.WaitTotal += o.WaitTotal
	s.WaitMax = max(s.WaitMax, o.WaitMax)
	if o.Wait != nil && o.Wait.TotalCount() > 0 {
		if s.Wait == nil {
			s.Wait = hdrhistogram.New(histMin, histMax, histSigfig)
		}
		s.Wait.Merge(o.Wait)
	}
	s.HoldSamples += o.HoldSamples
	s.HoldTotal += o.HoldTotal
	s.HoldEvery = max(s.HoldEvery, o.HoldEvery)
	s.StackEvery = max(s.StackEvery, o.StackEvery)
	s.Samples = append(s.Samples, o.Samples...)
	s.StacksDropped += o.StacksDropped
}

// WaitQuantile returns the wait in ns at quantile q (0..1) of the
// contended acquisitions, or 0 if there were none.
func (s *Stats) WaitQuantile(q float64) int64 {
	if s.Wait == nil || s.Wait.TotalCount() == 0 {
		return 0
	}
	return s.Wait.ValueAtQuantile(q * 100)
}

// ownerSlot is implemented by this package's locks: it returns a word on
// the lock's own cache line where the instrumented wrapper records the
// current holder, so that counting handoffs moves no extra cache line.
type ownerSlot interface {
	ownerWord() *int32
}

// owner is embedded next to each lock word of this package.
type owner struct{ holder int32 }

func (o *owner) ownerWord() *int32 { return &o.holder }

// Instrumented wraps a Lock and measures it as the kernel's lockstat does:
// every acquisition starts with TryLock, and only when that fails is the
// acquisition contended and its wait timed. Counters live in each
// worker's padded handle and are merged by Stats after the run, so the
// uncontended path does no clock read, allocation or shared write beyond
// the lock's own.
type Instrumented struct {
	inner Lock
	opts  Options
	spare struct {
		_ [64]byte
		owner
		_ [64]byte
	} // owner word for locks from outside this package

	mu      sync.Mutex
	handles []*instHandle
}

// Instrument wraps l. Options with zero periods disable that sampling.
func Instrument(l Lock, o Options) *Instrumented {
	return &Instrumented{inner: l, opts: o}
}

// Inner returns the wrapped lock.
func (l *Instrumented) Inner() Lock { return l.inner }

// Handle returns a new worker's view; workers are numbered from 1 in the
// order of these calls.
func (l *Instrumented) Handle() Handle {
	l.mu.Lock()
	defer l.mu.Unlock()
	ow := &l.spare.holder
	if s, ok := l.inner.(ownerSlot); ok {
		ow = s.ownerWord()
	}
	h := &instHandle{
		inner: l.inner.Handle(),
		owner: ow,
		id:    int32(len(l.handles) + 1),
		opts:  l.opts,
	}
	h.holdLeft = l.opts.HoldEvery
	h.stackLeft = l.opts.StackEvery
	h.stats.HoldEvery = l.opts.HoldEvery
	h.stats.StackEvery = l.opts.StackEvery
	h.stats.Wait = hdrhistogram.New(histMin, histMax, histSigfig)
	if l.opts.StackEvery > 0 && l.opts.MaxStacks > 0 {
		h.stats.Samples = make([]Sample, 0, l.opts.MaxStacks)
	}
	l.handles = append(l.handles, h)
	return h
}

// Stats merges the counts of all handles. Call it only when no worker is
// using the lock.
func (l *Instrumented) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s Stats
	s.HoldEvery, s.StackEvery = l.opts.HoldEvery, l.opts.StackEvery
	for _, h := range l.handles {
		s.Merge(&h.stats)
	}
	return s
}

// WorkerStats returns each handle's own counts, in handle order.
func (l *Instrumented) WorkerStats() []Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Stats, len(l.handles))
	for i, h := range l.handles {
		out[i] = h.stats
	}
	return out
}

// Reset zeroes every handle's counts (between warm-up and measurement).
// Call it only when no worker is using the lock.
func (l *Instrumented) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.handles {
		w, smp := h.stats.Wait, h.stats.Samples[:0]
		w.Reset()
		h.stats = Stats{Wait: w, Samples: smp, HoldEvery: l.opts.HoldEvery, StackEvery: l.opts.StackEvery}
		h.holdLeft, h.stackLeft, h.holdStart = l.opts.HoldEvery, l.opts.StackEvery, 0
	}
}

// instHandle is padded on both sides so that one worker's counters never
// share a cache line with another's (128 bytes covers adjacent-line
// prefetch).
type instHandle struct {
	_         [128]byte
	inner     Handle
	owner     *int32
	id        int32
	holdLeft  int
	stackLeft int
	holdStart int64
	opts      Options
	stats     Stats
	_         [128]byte
}

var _ Handle = (*instHandle)(nil)

// epoch anchors now(); time.Since reads the monotonic clock.
var epoch = time.Now()

func now() int64 { return int64(time.Since(epoch)) }

func (h *instHandle) Lock() {
	if !h.inner.TryLock() {
		h.contended()
	}
	h.acquired()
}

// contended is kept out of Lock so the uncontended path stays small.
//
//go:noinline
func (h *instHandle) contended() {
	t0 := now()
	h.inner.Lock()
	w := now() - t0
	s := &h.stats
	s.Contended++
	s.WaitTotal += w
	if w > s.WaitMax {
		s.WaitMax = w
	}
	// Clamped into range, RecordValue cannot fail.
	_ = s.Wait.RecordValue(min(max(w, histMin), histMax))
	if h.stackLeft > 0 {
		h.stackLeft--
		if h.stackLeft == 0 {
			h.stackLeft = h.opts.StackEvery
			if len(s.Samples) < cap(s.Samples) {
				s.Samples = s.Samples[:len(s.Samples)+1]
				smp := &s.Samples[len(s.Samples)-1]
				// Skip runtime.Callers, contended and Lock: the first frame
				// is the code that asked for the lock.
				smp.Depth = runtime.Callers(3, smp.PC[:])
				smp.Wait = w
			} else {
				s.StacksDropped++
			}
		}
	}
}

func (h *instHandle) acquired() {
	h.stats.Acquisitions++
	if *h.owner != h.id {
		h.stats.Handoffs++
		*h.owner = h.id
	}
	if h.holdLeft > 0 {
		h.holdLeft--
		if h.holdLeft == 0 {
			h.holdLeft = h.opts.HoldEvery
			h.holdStart = now()
		}
	}
}

func (h *instHandle) TryLock() bool {
	if !h.inner.TryLock() {
		return false
	}
	h.acquired()
	return true
}

func (h *instHandle) Unlock() {
	if h.holdStart != 0 {
		h.stats.HoldTotal += now() - h.holdStart
		h.stats.HoldSamples++
		h.holdStart = 0
	}
	h.inner.Unlock()
}
