package locks

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// hookLock wraps a Lock so that a test learns when a Lock call has
// already failed its TryLock and is about to wait: the instrumented
// wrapper has then counted the acquisition as contended and started its
// clock. It forwards the holder word, so handoffs are counted on the inner
// lock's line as in production.
type hookLock struct {
	inner   Lock
	waiting chan struct{} // receives once per Lock call
}

func (l *hookLock) Handle() Handle { return &hookHandle{l.inner.Handle(), l.waiting} }

func (l *hookLock) ownerWord() *int32 {
	if s, ok := l.inner.(ownerSlot); ok {
		return s.ownerWord()
	}
	return new(int32)
}

type hookHandle struct {
	Handle
	waiting chan struct{}
}

func (h *hookHandle) Lock() {
	h.waiting <- struct{}{}
	h.Handle.Lock()
}

// locksUnder returns the locks that exclude: every registered one but
// none and busted.
func locksUnder() []Info {
	var out []Info
	for _, i := range All(true) {
		if i.MaxWorkers == 0 && !i.Hidden {
			out = append(out, i)
		}
	}
	return out
}

func TestInstrumentSingleWorker(t *testing.T) {
	for _, info := range All(true) {
		t.Run("lock="+info.Name, func(t *testing.T) {
			l := Instrument(info.New(), Options{HoldEvery: 4, StackEvery: 1, MaxStacks: 8})
			h := l.Handle()
			const n = 100
			for range n {
				h.Lock()
				h.Unlock()
			}
			for range n {
				if !h.TryLock() {
					t.Fatal("TryLock on a free lock failed")
				}
				h.Unlock()
			}
			s := l.Stats()
			if s.Acquisitions != 2*n || s.Contended != 0 || s.Handoffs != 0 {
				t.Errorf("acquisitions %d, contended %d, handoffs %d; want %d, 0, 0 (one worker never waits nor hands off)",
					s.Acquisitions, s.Contended, s.Handoffs, 2*n)
			}
			if s.WaitTotal != 0 || s.WaitMax != 0 || s.Wait != nil || len(s.Samples) != 0 || s.WaitQuantile(0.99) != 0 {
				t.Errorf("wait %d/%d, histogram %v, %d samples; want nothing recorded without contention",
					s.WaitTotal, s.WaitMax, s.Wait, len(s.Samples))
			}
			if s.HoldSamples != 2*n/4 || s.HoldEvery != 4 || s.StackEvery != 1 {
				t.Errorf("hold samples %d every %d, stack every %d; want %d every 4, 1", s.HoldSamples, s.HoldEvery, s.StackEvery, 2*n/4)
			}
		})
	}
}

func TestInstrumentHandoffs(t *testing.T) {
	// Sequence of holders and the handoffs it makes: the first acquisition
	// has no previous holder; every change of holder is one handoff.
	seq := []int{0, 0, 1, 0, 1, 1, 0}
	const wantTotal = 4
	wantPer := []uint64{2, 2}
	for _, info := range All(true) {
		t.Run("lock="+info.Name, func(t *testing.T) {
			l := Instrument(info.New(), Options{})
			hs := handles(l, 2)
			for _, w := range seq {
				hs[w].Lock()
				hs[w].Unlock()
			}
			if s := l.Stats(); s.Handoffs != wantTotal || s.Acquisitions != uint64(len(seq)) {
				t.Errorf("handoffs %d of %d acquisitions, want %d of %d", s.Handoffs, s.Acquisitions, wantTotal, len(seq))
			}
			for i, s := range l.WorkerStats() {
				if s.Handoffs != wantPer[i] {
					t.Errorf("worker %d: %d handoffs, want %d", i+1, s.Handoffs, wantPer[i])
				}
			}
		})
	}
}

// collide makes worker B contend with worker A on l: A holds the lock, B
// calls Lock, and A releases only after B has failed its TryLock and
// waited at least hold.
func collide(t *testing.T, l *Instrumented, waiting chan struct{}, a, b Handle, hold time.Duration) {
	t.Helper()
	a.Lock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Lock() // the sample's first frame: this function
		b.Unlock()
	}()
	select {
	case <-waiting:
	case <-time.After(stressLimit()):
		t.Fatal("worker B never reached the contended path")
	}
	time.Sleep(hold)
	a.Unlock()
	<-done
}

func TestInstrumentCollide(t *testing.T) {
	const hold = time.Millisecond
	for _, info := range locksUnder() {
		t.Run("lock="+info.Name, func(t *testing.T) {
			waiting := make(chan struct{})
			l := Instrument(&hookLock{info.New(), waiting}, Options{StackEvery: 1, MaxStacks: 1})
			a, b := l.Handle(), l.Handle()
			collide(t, l, waiting, a, b, hold)

			s := l.Stats()
			if s.Acquisitions != 2 || s.Contended != 1 || s.Handoffs != 1 {
				t.Errorf("acquisitions %d, contended %d, handoffs %d; want 2, 1, 1", s.Acquisitions, s.Contended, s.Handoffs)
			}
			if s.WaitTotal < int64(hold) || s.WaitMax != s.WaitTotal || s.Wait == nil || s.Wait.TotalCount() != 1 {
				t.Errorf("wait total %v, max %v, histogram %v; want one wait of at least %v", time.Duration(s.WaitTotal), time.Duration(s.WaitMax), s.Wait, hold)
			}
			// 2 significant figures: the quantile is within 1% of the wait.
			if q := s.WaitQuantile(0.5); q < s.WaitTotal*99/100 || q > s.WaitTotal*101/100 {
				t.Errorf("median wait %d, want about %d", q, s.WaitTotal)
			}
			ws := l.WorkerStats()
			if ws[0].Contended != 0 || ws[1].Contended != 1 || ws[1].Handoffs != 1 {
				t.Errorf("per worker contended %d/%d, B handoffs %d; want 0/1, 1", ws[0].Contended, ws[1].Contended, ws[1].Handoffs)
			}

			// The stack sample starts at the code that asked for the lock.
			if len(s.Samples) != 1 {
				t.Fatalf("%d stack samples, want 1", len(s.Samples))
			}
			f, _ := runtime.CallersFrames(s.Samples[0].Stack()).Next()
			if !strings.Contains(f.Function, "locks.collide.func") {
				t.Errorf("first frame of the sample is %q, want the caller of Lock (collide's goroutine)", f.Function)
			}
			if s.Samples[0].Wait != s.WaitTotal {
				t.Errorf("sample wait %d, want %d", s.Samples[0].Wait, s.WaitTotal)
			}

			// A second collision finds MaxStacks reached: dropped, counted.
			collide(t, l, waiting, a, b, 0)
			if s := l.Stats(); len(s.Samples) != 1 || s.StacksDropped != 1 || s.Contended != 2 {
				t.Errorf("after a second collision: %d samples, %d dropped, %d contended; want 1, 1, 2", len(s.Samples), s.StacksDropped, s.Contended)
			}
		})
	}
}

func TestInstrumentReset(t *testing.T) {
	waiting := make(chan struct{})
	l := Instrument(&hookLock{new(Mutex), waiting}, Options{HoldEvery: 1, StackEvery: 1, MaxStacks: 4})
	a, b := l.Handle(), l.Handle()
	collide(t, l, waiting, a, b, 0)
	before := l.WorkerStats()
	l.Reset()
	s := l.Stats()
	if s.Acquisitions != 0 || s.Contended != 0 || s.Handoffs != 0 || s.WaitTotal != 0 || s.Wait != nil ||
		len(s.Samples) != 0 || s.HoldSamples != 0 || s.HoldTotal != 0 {
		t.Errorf("after Reset: %+v, want all counts zero", s)
	}
	if s.HoldEvery != 1 || s.StackEvery != 1 {
		t.Errorf("after Reset: sampling periods %d/%d, want 1/1 kept", s.HoldEvery, s.StackEvery)
	}
	// The copies taken before Reset share nothing with the handles.
	if before[1].Contended != 1 || before[1].Wait.TotalCount() != 1 || len(before[1].Samples) != 1 {
		t.Errorf("WorkerStats copy changed by Reset: contended %d, histogram count %d, %d samples; want 1, 1, 1",
			before[1].Contended, before[1].Wait.TotalCount(), len(before[1].Samples))
	}
	// Counting resumes; B was the last holder, so A's next take is a handoff.
	a.Lock()
	a.Unlock()
	collide(t, l, waiting, a, b, 0)
	if s := l.Stats(); s.Acquisitions != 3 || s.Contended != 1 || s.Handoffs != 2 || len(s.Samples) != 1 || s.HoldSamples != 3 {
		t.Errorf("after Reset and 3 acquisitions: %d acquisitions, %d contended, %d handoffs, %d samples, %d holds; want 3, 1, 2, 1, 3",
			s.Acquisitions, s.Contended, s.Handoffs, len(s.Samples), s.HoldSamples)
	}
}

func TestStatsMerge(t *testing.T) {
	hist := func(vs ...int64) *hdrhistogram.Histogram {
		h := hdrhistogram.New(histMin, histMax, histSigfig)
		for _, v := range vs {
			_ = h.RecordValue(v)
		}
		return h
	}
	a := Stats{Acquisitions: 10, Contended: 2, Handoffs: 3, WaitTotal: 300, WaitMax: 200, Wait: hist(100, 200),
		HoldSamples: 1, HoldTotal: 50, HoldEvery: 8, StackEvery: 4, Samples: make([]Sample, 1, 8), StacksDropped: 1}
	b := Stats{Acquisitions: 5, Contended: 1, Handoffs: 1, WaitTotal: 1000, WaitMax: 1000, Wait: hist(1000),
		HoldSamples: 2, HoldTotal: 70, HoldEvery: 8, StackEvery: 4, Samples: make([]Sample, 2), StacksDropped: 2}

	var m Stats
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Stats{}) // an empty Stats changes nothing
	if m.Acquisitions != 15 || m.Contended != 3 || m.Handoffs != 4 || m.WaitTotal != 1300 || m.WaitMax != 1000 ||
		m.HoldSamples != 3 || m.HoldTotal != 120 || m.HoldEvery != 8 || m.StackEvery != 4 ||
		len(m.Samples) != 3 || m.StacksDropped != 3 {
		t.Errorf("merged %+v", m)
	}
	if m.Wait.TotalCount() != 3 || m.WaitQuantile(1) < 1000*99/100 {
		t.Errorf("merged histogram: %d values, max %d; want 3 values up to 1000", m.Wait.TotalCount(), m.WaitQuantile(1))
	}
	if a.Wait.TotalCount() != 2 || b.Wait.TotalCount() != 1 {
		t.Errorf("Merge changed its argument's histogram")
	}
	// Merging into a Stats whose samples have spare capacity must not
	// write into the backing array it shares with another Stats.
	alias := a
	alias.Merge(&b)
	if a.Samples[:2][1] != (Sample{}) || len(a.Samples) != 1 {
		t.Errorf("Merge wrote into a shared samples array")
	}
}

// TestInstrumentWaitOwed: a contended acquisition's wait is not recorded
// at its release, where the histogram update would lengthen only the
// waiter's path back to the lock (see payOwed), but at the worker's next
// release or wait, or when the stats are read; it is recorded once.
func TestInstrumentWaitOwed(t *testing.T) {
	waiting := make(chan struct{})
	l := Instrument(&hookLock{new(Mutex), waiting}, Options{StackEvery: 1, MaxStacks: 4})
	a, b := l.Handle(), l.Handle()
	collide(t, l, waiting, a, b, time.Millisecond)
	hb := b.(*instHandle)
	if !hb.owed || hb.stats.Contended != 0 || hb.stats.Wait.TotalCount() != 0 {
		t.Fatalf("after the contended release: owed %v, contended %d, histogram %d; want the wait owed, nothing recorded yet",
			hb.owed, hb.stats.Contended, hb.stats.Wait.TotalCount())
	}
	// An uncontended acquisition (its TryLock succeeds: the hook is not
	// called) pays it after its own release.
	b.Lock()
	if hb.stats.Contended != 0 {
		t.Errorf("inside the next critical section: contended %d, want the owed wait still unpaid", hb.stats.Contended)
	}
	b.Unlock()
	if hb.owed || hb.stats.Contended != 1 || hb.stats.Wait.TotalCount() != 1 || hb.stats.WaitTotal < int64(time.Millisecond) {
		t.Errorf("after the next release: owed %v, contended %d, histogram %d, wait %v; want the 1 ms wait recorded once",
			hb.owed, hb.stats.Contended, hb.stats.Wait.TotalCount(), time.Duration(hb.stats.WaitTotal))
	}
	if s := hb.stats.Samples; len(s) != 1 || s[0].Wait != hb.stats.WaitTotal {
		t.Errorf("samples %v: want the one sample with its wait", s)
	}
	// One more collision, read through Stats: settled, not lost.
	collide(t, l, waiting, a, b, 0)
	if s := l.Stats(); s.Contended != 2 || s.Wait.TotalCount() != 2 {
		t.Errorf("Stats after a second collision: contended %d, histogram %d; want 2, 2 (the owed wait settled)", s.Contended, s.Wait.TotalCount())
	}
	if s := l.Stats(); s.Contended != 2 {
		t.Errorf("Stats read twice: contended %d, want 2 (settled once)", s.Contended)
	}
}
