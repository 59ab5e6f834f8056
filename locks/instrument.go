package locks

import (
	"reflect"
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

// holdCountdown is the start of the hold-sampling countdown: HoldEvery,
// or -1 (counting down, it never reaches 0) when hold sampling is off.
func (o Options) holdCountdown() int {
	if o.HoldEvery <= 0 {
		return -1
	}
	return o.HoldEvery
}

// DefaultOptions samples one hold in 1024 acquisitions and one stack in 16
// contentions. A hold sample reads the clock twice, which on a VM's
// kvm-clock costs tens of ns: at one in 64 it added 4.6% to mode page's
// ns/page (8 acquisitions a page); at one in 1024 a 200 ms case still
// gets thousands of samples.
var DefaultOptions = Options{HoldEvery: 1024, StackEvery: 16, MaxStacks: 4096}

// Wait-time histogram range: 1 ns to 10 s at 2 significant figures.
//
// Why hdrhistogram-go rather than our own log-linear buckets: both record
// in O(1) without allocating (RecordValue indexes a preallocated counts
// array) and both merge by adding counts. HdrHistogram brings, tested and
// maintained, what we would otherwise write and test ourselves: a bounded
// relative error (1% at 2 significant figures, over the whole range),
// exact quantiles over merged workers, and an encoding that other tools
// read. Its cost is memory (about 27 KB of counts per worker at this range
// and precision), allocated once in Handle, never on the measured path,
// and touched only by contended acquisitions.
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
// value is empty and ready for Merge. A Stats copied by value shares its
// Wait histogram with the original (Merge into the copy changes both);
// Instrumented.Stats and WorkerStats return values that share nothing.
type Stats struct {
	Acquisitions uint64                  // successful Lock and TryLock calls
	Contended    uint64                  // acquisitions whose first TryLock failed
	Handoffs     uint64                  // acquisitions whose previous holder was another worker
	WaitTotal    int64                   // ns, summed over contended acquisitions
	WaitMax      int64                   // ns, longest single wait
	Wait         *hdrhistogram.Histogram // ns per contended acquisition; nil if none

	// WaitCounts are the yields and sleeps of the contended
	// acquisitions' waits, counted only when WaitCounted: the lock is one
	// of this package's spinning locks (or spinpark, whose parks are its
	// sleeps). Other locks (sync.Mutex, futex, chan) sleep by design and
	// cannot be counted from outside.
	WaitCounts
	WaitCounted bool

	HoldSamples uint64 // sampled acquisitions whose hold time was measured
	HoldTotal   int64  // ns, summed over HoldSamples
	HoldEvery   int    // sampling period of hold times
	StackEvery  int    // sampling period of Samples (in contended acquisitions)

	Samples       []Sample
	StacksDropped uint64
}

// Merge adds o's counts into s: sums for the counts and totals, the
// larger for WaitMax and the sampling periods, either for WaitCounted, the
// union of histograms and samples. It never modifies o or shares its histogram or samples.
func (s *Stats) Merge(o *Stats) {
	s.Acquisitions += o.Acquisitions
	s.Contended += o.Contended
	s.Handoffs += o.Handoffs
	s.WaitTotal += o.WaitTotal
	s.WaitMax = max(s.WaitMax, o.WaitMax)
	s.Yields += o.Yields
	s.Sleeps += o.Sleeps
	s.WaitCounted = s.WaitCounted || o.WaitCounted
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
	s.Samples = append(s.Samples[:len(s.Samples):len(s.Samples)], o.Samples...)
	s.StacksDropped += o.StacksDropped
}

// clone returns a copy of s that shares nothing with it.
func (s *Stats) clone() Stats {
	c := *s
	c.Wait, c.Samples = nil, nil
	c.Merge(&Stats{Wait: s.Wait, Samples: s.Samples})
	if c.Wait == nil && s.Wait != nil {
		c.Wait = hdrhistogram.New(histMin, histMax, histSigfig)
	}
	return c
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
// current holder, so that counting handoffs moves no extra cache line. The
// word is read and written only by the holder, inside the critical
// section: the lock's own acquire and release order those accesses.
type ownerSlot interface {
	ownerWord() *int32
}

// owner is embedded beside each lock word of this package, within the
// same 16-byte block, so it shares the lock word's cache line (heap
// objects of these sizes are 16-byte aligned; TestOwnerBesideWord). 0 means no
// holder yet; workers are numbered from 1.
type owner struct{ holder int32 }

func (o *owner) ownerWord() *int32 { return &o.holder }

// Instrumented wraps a Lock and measures it as the kernel's lockstat does:
// every acquisition starts with TryLock, and only when that fails is the
// acquisition contended and its wait timed. Counters live in each
// worker's padded handle and are merged by Stats after the run, so the
// uncontended path does no clock read, allocation or shared write beyond
// the lock's own.
//
// Handoffs are counted in the holder word of the lock (see owner), so a
// Lock must be wrapped by one Instrumented only: two wrappers would number
// their workers alike. Locks from outside this package get a holder word in
// the wrapper, on a line of its own, which the handoff check then moves.
type Instrumented struct {
	inner Lock
	opts  Options
	spare struct {
		_ pad
		owner
		_ pad
	} // owner word for locks from outside this package

	mu      sync.Mutex
	handles []*instHandle
}

// Instrument wraps l. Options with zero periods disable that sampling.
func Instrument(l Lock, o Options) *Instrumented {
	return &Instrumented{inner: l, opts: o}
}

// Unwrap returns the wrapped lock.
func (l *Instrumented) Unwrap() Lock { return l.inner }

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
	h.contendedPC = reflect.ValueOf((*instHandle).contended).Pointer()
	h.holdLeft = l.opts.holdCountdown()
	h.stackLeft = l.opts.StackEvery
	h.stats.HoldEvery = l.opts.HoldEvery
	h.stats.StackEvery = l.opts.StackEvery
	if wc, ok := h.inner.(waitCounter); ok {
		h.counter = wc
		h.stats.WaitCounted = true
	}
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
		h.settle()
		s.Merge(&h.stats)
	}
	return s
}

// WorkerStats returns a copy of each handle's own counts, in handle order.
// The copies share nothing with the handles. Call it only when no worker
// is using the lock.
func (l *Instrumented) WorkerStats() []Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Stats, len(l.handles))
	for i, h := range l.handles {
		h.settle()
		out[i] = h.stats.clone()
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
		h.stats = Stats{Wait: w, Samples: smp, HoldEvery: l.opts.HoldEvery, StackEvery: l.opts.StackEvery, WaitCounted: h.counter != nil}
		h.holdLeft, h.stackLeft, h.holdStart = l.opts.holdCountdown(), l.opts.StackEvery, 0
		h.rare, h.waited, h.wait, h.waitSample = false, false, 0, nil
		h.owed, h.owedWait, h.owedSample = false, 0, nil
	}
}

// instHandle is padded on both sides so that one worker's counters never
// share a cache line with another's (128 bytes covers adjacent-line
// prefetch).
type instHandle struct {
	_         pad
	inner     Handle
	counter   waitCounter // inner, when it counts its waits' yields and sleeps
	owner     *int32
	id        int32
	holdLeft  int
	stackLeft int
	holdStart int64
	waitStart int64 // when the current contended acquisition's wait began
	// contendedPC is the entry of (*instHandle).contended, where
	// callerStack cuts a sampled stack.
	contendedPC uintptr
	// rare is set while the current acquisition has a sampled hold or a
	// contended wait to account at Unlock.
	rare       bool
	waited     bool
	wait       int64 // ns waited by the current acquisition, if waited
	waitSample *Sample
	// owed is set when a released acquisition's wait is not yet in the
	// stats (see payOwed); owedWait and owedSample are that wait.
	owed       bool
	owedWait   int64
	owedSample *Sample
	opts       Options
	stats      Stats
	_          pad
}

var _ Handle = (*instHandle)(nil)

// epoch anchors now(); time.Since reads the monotonic clock.
var epoch = time.Now()

func now() int64 { return int64(time.Since(epoch)) }

// Lock is lockstat's rule: TryLock first, and only if that fails is the
// acquisition contended and timed. The uncontended path is the inner
// TryLock, a counter increment, the holder compare and the hold-sampling
// countdown, all on this worker's handle and the lock's own line.
func (h *instHandle) Lock() {
	if !h.inner.TryLock() {
		h.contended()
	}
	// acquired, written out: the inliner will not take it (its calls
	// cost too much), and a call more is a tenth of an uncontended lock.
	h.stats.Acquisitions++
	if *h.owner != h.id {
		h.handoff()
	}
	h.holdLeft--
	if h.holdLeft == 0 {
		h.startHold()
	}
}

// contended is kept out of Lock so the uncontended path stays small.
// Everything but the wait's end time happens outside the critical
// section: a sampled stack is taken before the lock is held (it is the
// same stack), and the wait is accounted after the release (payOwed), so
// the instrumentation lengthens the hold by one clock read, not by a
// runtime.Callers walk and a histogram update.
//
// The stack sample and the start time are taken in enqueued, which this
// package's locks call once the waiter has its place in the lock's order
// (see waitCounter): the wait is timed from there, and a FIFO lock is not
// re-taken by its holder while the waiter walks its stack. Locks from
// outside this package are told nothing, so for them enqueued runs before
// Lock, as lockstat's lock_contended does.
//
//go:noinline
func (h *instHandle) contended() {
	if h.counter != nil {
		h.counter.lockCounted(&h.stats.WaitCounts, h)
	} else {
		h.enqueued()
		h.inner.Lock()
	}
	h.wait = now() - h.waitStart
	h.waited = true
	h.rare = true
}

// enqueued accounts the worker's previous wait, if it is owed, samples
// the stack of every StackEvery-th contended acquisition and starts the
// wait's clock. It runs on the waiter, inside Lock, with no lock held and
// the waiter's place in the lock's order held: its work overlaps the
// wait.
func (h *instHandle) enqueued() {
	if h.owed {
		h.payOwed()
	}
	h.waitSample = nil
	if h.stackLeft > 0 {
		h.stackLeft--
		if h.stackLeft == 0 {
			h.stackLeft = h.opts.StackEvery
			s := &h.stats
			if len(s.Samples) < cap(s.Samples) {
				s.Samples = s.Samples[:len(s.Samples)+1]
				smp := &s.Samples[len(s.Samples)-1]
				smp.Depth = h.callerStack(smp.PC[:])
				h.waitSample = smp
			} else {
				s.StacksDropped++
			}
		}
	}
	h.waitStart = now()
}

// lockInternals bounds the frames between enqueued and contended: the
// lock's own slow path (at most lockCounted, lockSlow, queue and notify).
const lockInternals = 8

// callerStack writes into pc the stack of the code that asked for the
// lock, innermost first, and returns its depth. It is called from
// enqueued, below a lock's slow path whose depth depends on the lock and
// the path taken, so it finds contended's frame by its entry and keeps
// what is above contended and Lock.
func (h *instHandle) callerStack(pc []uintptr) int {
	var buf [MaxStackDepth + lockInternals + 2]uintptr
	n := runtime.Callers(3, buf[:]) // skip Callers, callerStack, enqueued
	for i, p := range buf[:n] {
		if f := runtime.FuncForPC(p - 1); f != nil && f.Entry() == h.contendedPC {
			return copy(pc, buf[min(i+2, n):n]) // skip contended and Lock
		}
	}
	return 0
}

// payOwed records the wait of an acquisition already released: in the
// worker's next wait, once it holds its place (enqueued), or after its
// next release when that acquisition did not wait (unlockRare), or when
// the stats are read (settle). Recorded at the release itself, the
// histogram update would lengthen the path from a contended worker's
// release to its next enqueue, and not the path of a worker whose last
// acquisition was uncontended: that one would then re-take a free FIFO
// lock before the other is back, and handoffs would measure the
// wrapper's asymmetry rather than the algorithm.
//
//go:noinline
func (h *instHandle) payOwed() {
	w, smp := h.owedWait, h.owedSample
	h.owed, h.owedWait, h.owedSample = false, 0, nil
	s := &h.stats
	s.Contended++
	s.WaitTotal += w
	if w > s.WaitMax {
		s.WaitMax = w
	}
	// Clamped into range, RecordValue cannot fail.
	_ = s.Wait.RecordValue(min(max(w, histMin), histMax))
	if smp != nil {
		smp.Wait = w
	}
}

// settle pays an owed wait, so that the stats are complete. Called only
// when no worker is using the lock.
func (h *instHandle) settle() {
	if h.owed {
		h.payOwed()
	}
}

// acquired counts an acquisition. It runs inside the critical section:
// the holder word is the lock's, written only by holders. Lock has a copy
// of it; the rare work is in functions of their own.
func (h *instHandle) acquired() {
	h.stats.Acquisitions++
	if *h.owner != h.id {
		h.handoff()
	}
	// With hold sampling off holdLeft starts below 0 and never reaches 0.
	h.holdLeft--
	if h.holdLeft == 0 {
		h.startHold()
	}
}

//go:noinline
func (h *instHandle) startHold() {
	h.holdLeft = h.opts.HoldEvery
	h.holdStart = now()
	h.rare = true
}

// handoff records that the lock came from another worker; the very first
// acquisition of a lock has no previous holder and is not a handoff.
//
//go:noinline
func (h *instHandle) handoff() {
	if *h.owner != 0 {
		h.stats.Handoffs++
	}
	*h.owner = h.id
}

// TryLock counts a successful try as an uncontended acquisition; a failed
// one is not an acquisition and counts nothing.
func (h *instHandle) TryLock() bool {
	if !h.inner.TryLock() {
		return false
	}
	h.acquired()
	return true
}

// Unlock ends a sampled hold and accounts a contended wait, if this
// acquisition has either; both are rare, so the common path is one branch.
func (h *instHandle) Unlock() {
	if h.rare {
		h.unlockRare()
		return
	}
	h.inner.Unlock()
}

//go:noinline
func (h *instHandle) unlockRare() {
	h.rare = false
	if h.holdStart != 0 {
		h.endHold()
	}
	h.inner.Unlock()
	if h.owed {
		h.payOwed() // this acquisition did not wait: pay the earlier one now
	}
	if h.waited {
		// Owed until the next wait (or release): see payOwed.
		h.owed, h.owedWait, h.owedSample = true, h.wait, h.waitSample
		h.waited, h.wait, h.waitSample = false, 0, nil
		h.rare = true
	}
}

//go:noinline
func (h *instHandle) endHold() {
	h.stats.HoldTotal += now() - h.holdStart
	h.stats.HoldSamples++
	h.holdStart = 0
}
