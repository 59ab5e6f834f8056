package locks

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSpinPolicyRegistry names the spinning lock a contributor forgot to
// put under the Spin policy: a lock that spins and does not sleep by
// design must take its budget from --spin (spinner) and count its waits'
// yields and sleeps (waitCounter), or its results cannot say when it
// stopped behaving as its algorithm.
func TestSpinPolicyRegistry(t *testing.T) {
	for _, i := range All(true) {
		if !i.Spins || i.Sleeps {
			continue
		}
		l := i.New()
		if !i.FollowsSpin() {
			t.Errorf("%s spins but ignores the Spin policy: embed spinPolicy and start its waits with wait(c)", i.Name)
		}
		if i.Hidden {
			continue // busted races on purpose; its waits are not measured
		}
		if _, ok := l.Handle().(waitCounter); !ok {
			t.Errorf("%s spins but its Handle does not count yields and sleeps: implement lockCounted", i.Name)
		}
	}
}

func TestParseSpin(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   Spin
		ok     bool
		reason string
	}{
		{"auto", SpinAuto, true, "the default, resolved per case"},
		{"forever", SpinForever, true, "pure spinning"},
		{"256", 256, true, "a relax budget"},
		{"1", 1, true, "the smallest budget"},
		{"0", 0, false, "zero would be auto written as a number: ambiguous"},
		{"-3", 0, false, "negative budgets are not budgets"},
		{"2000000000", 0, false, "past MaxSpin: a typo"},
		{"lots", 0, false, "not a number"},
	} {
		got, err := ParseSpin(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseSpin(%q) = %v, %v; want %v, ok %v (%s)", c.in, got, err, c.want, c.ok, c.reason)
		}
		if c.ok && got.String() != c.in {
			t.Errorf("ParseSpin(%q).String() = %q, want the input back", c.in, got.String())
		}
	}
}

func TestSpinResolve(t *testing.T) {
	for _, c := range []struct {
		s             Spin
		workers, cpus int
		want          Spin
		reason        string
	}{
		{SpinAuto, 2, 2, DedicatedSpin, "every worker has a CPU: spin as the algorithm does"},
		{SpinAuto, 1, 2, DedicatedSpin, "fewer workers than CPUs"},
		{SpinAuto, 3, 2, SharedSpin, "oversubscribed: yield soon so the worker waited for can run"},
		{SpinAuto, 2, 0, SharedSpin, "CPUs unknown: assume shared"},
		{SpinForever, 8, 2, SpinForever, "an explicit budget is kept"},
		{64, 1, 2, 64, "an explicit budget is kept"},
	} {
		if got := c.s.Resolve(c.workers, c.cpus); got != c.want {
			t.Errorf("%v.Resolve(%d, %d) = %v, want %v (%s)", c.s, c.workers, c.cpus, got, c.want, c.reason)
		}
	}
}

// TestSpinWaitPhases walks one wait through its phases: the budget's
// relax hints count nothing, then yieldBudget yields, then sleeps.
func TestSpinWaitPhases(t *testing.T) {
	var c WaitCounts
	p := spinPolicy{spin: 4}
	w := p.wait(&c)
	for range 4 {
		w.spin()
	}
	if c != (WaitCounts{}) {
		t.Fatalf("after the 4-hint budget: %+v, want no yields or sleeps", c)
	}
	for range yieldBudget {
		w.spin()
	}
	if c != (WaitCounts{Yields: yieldBudget}) {
		t.Fatalf("after %d more spins: %+v, want %d yields and no sleep", yieldBudget, c, yieldBudget)
	}
	w.spin()
	if c != (WaitCounts{Yields: yieldBudget, Sleeps: 1}) {
		t.Fatalf("one more spin: %+v, want the first sleep", c)
	}

	// Forever never yields, however long the wait.
	c = WaitCounts{}
	p = spinPolicy{spin: SpinForever}
	w = p.wait(&c)
	for range 10 * yieldBudget {
		w.spin()
	}
	if c != (WaitCounts{}) {
		t.Errorf("SpinForever: %+v after %d spins, want no yield", c, 10*yieldBudget)
	}
	// The zero policy is SharedSpin's budget.
	var zero spinPolicy
	if got := zero.wait(nil).budget; got != int(SharedSpin) {
		t.Errorf("unresolved auto budget = %d, want SharedSpin %d", got, SharedSpin)
	}
}

func TestNewSpin(t *testing.T) {
	tk, _ := Lookup("ticket")
	if got := tk.NewSpin(DedicatedSpin).(*Ticket).spin; got != DedicatedSpin {
		t.Errorf("NewSpin(DedicatedSpin) left the ticket lock's budget at %v", got)
	}
	mu, _ := Lookup("mutex")
	_ = mu.NewSpin(DedicatedSpin) // must not panic: mutex ignores the policy
	if mu.FollowsSpin() {
		t.Errorf("mutex reports following the Spin policy; sync.Mutex has its own")
	}
}

// TestInstrumentedCountsYields holds an instrumented ticket lock while a
// waiter with a one-hint budget waits for it: the waiter must run out of
// budget and its yields or sleeps must reach the Stats. A mutex is not
// counted, and says so.
func TestInstrumentedCountsYields(t *testing.T) {
	info, _ := Lookup("ticket")
	raw := info.NewSpin(1)
	il := Instrument(raw, Options{})
	holder, waiter := il.Handle(), il.Handle()
	holder.Lock()
	done := make(chan struct{})
	go func() {
		waiter.Lock()
		waiter.Unlock()
		close(done)
	}()
	for raw.(*Ticket).queued() == 0 {
		runtime.Gosched()
	}
	// Not a timing claim: the waiter has its ticket and is in its wait;
	// this gives it the processor long enough to spend a one-hint budget.
	time.Sleep(50 * time.Millisecond)
	holder.Unlock()
	<-done
	st := il.Stats()
	if !st.WaitCounted || st.Yields+st.Sleeps == 0 || st.Contended != 1 {
		t.Errorf("ticket with a 1-hint budget, held 50 ms: %+v; want WaitCounted, yields or sleeps, 1 contended", st.WaitCounts)
	}

	mu, _ := Lookup("mutex")
	if ms := Instrument(mu.New(), Options{}); func() bool { _ = ms.Handle(); return ms.Stats().WaitCounted }() {
		t.Errorf("mutex Stats say WaitCounted; sync.Mutex's parks cannot be counted from outside")
	}
}

// TestDirectLoop names the visible lock whose Handle DirectLoop does not
// know (its dispatch could not be measured), and checks that each loop
// leaves the lock free.
func TestDirectLoop(t *testing.T) {
	for _, i := range All(false) {
		if i.Name == "futex" {
			continue // Linux only; dispatched through the Handle
		}
		l := i.New()
		h := l.Handle()
		if !DirectLoop(h, 100) {
			t.Errorf("%s: DirectLoop does not know its Handle type %T: add a case", i.Name, h)
			continue
		}
		if !h.TryLock() {
			t.Errorf("%s: held after DirectLoop's lock+unlock pairs", i.Name)
		}
	}
	if DirectLoop(Instrument(new(TAS), Options{}).Handle(), 1) {
		t.Error("DirectLoop took an instrumented handle: its figure would not be the bare lock's")
	}
}

// placeProbe is the enqueuer of TestEnqueuedHoldsPlace: when told, it
// records whether the lock's own state already shows the waiter's place.
type placeProbe struct {
	calls int
	held  bool
	place func() bool
}

func (p *placeProbe) enqueued() { p.calls++; p.held = p.place() }

// TestEnqueuedHoldsPlace checks the contract of lockCounted that keeps the
// instrumented wrapper's bookkeeping out of a FIFO lock's order: a waiter
// that finds the lock held says enqueued exactly once, and only once its
// place is held (its ticket taken, its node the queue's tail, qspin's
// pending bit set). Called before, the holder could release and re-take
// the lock during the wrapper's stack walk, ahead of the waiter.
func TestEnqueuedHoldsPlace(t *testing.T) {
	for _, c := range []struct {
		name  string
		place func(l Lock, waiter Handle) bool
	}{
		{"ticket", func(l Lock, _ Handle) bool { return l.(*Ticket).queued() == 1 }},
		{"mcs", func(l Lock, w Handle) bool { return l.(*MCS).queuedAt(w) }},
		{"clh", func(l Lock, w Handle) bool { return l.(*CLH).queuedAt(w) }},
		{"qspin", func(l Lock, w Handle) bool { q := l.(*QSpin); return q.pending() || q.queuedAt(w) }},
	} {
		t.Run("lock="+c.name, func(t *testing.T) {
			info, _ := Lookup(c.name)
			l := info.New()
			holder, waiter := l.Handle(), l.Handle()

			// Free: the place is the lock itself, told once.
			free := &placeProbe{place: func() bool { return true }}
			waiter.(waitCounter).lockCounted(nil, free)
			waiter.Unlock()
			if free.calls != 1 {
				t.Errorf("free lock: enqueued called %d times, want 1", free.calls)
			}

			holder.Lock()
			p := &placeProbe{place: func() bool { return c.place(l, waiter) }}
			done := make(chan struct{})
			go func() {
				defer close(done)
				waiter.(waitCounter).lockCounted(nil, p)
				waiter.Unlock()
			}()
			// The waiter is done with enqueued once its place shows.
			waitUntil(t, "the waiter holds its place", func() bool { return c.place(l, waiter) })
			holder.Unlock()
			<-done
			if p.calls != 1 || !p.held {
				t.Errorf("held lock: enqueued called %d times, place held when told: %v; want once, true", p.calls, p.held)
			}
		})
	}
}

// TestInstrumentSampleFromCaller checks that a stack sample taken below a
// lock's own slow path (enqueued) starts, like one taken before Lock, at
// the code that asked for the lock, whatever the depth of that path.
func TestInstrumentSampleFromCaller(t *testing.T) {
	for _, info := range locksUnder() {
		if info.Name == "futex" {
			continue // Linux only, and not a waitCounter
		}
		t.Run("lock="+info.Name, func(t *testing.T) {
			l := Instrument(info.New(), Options{StackEvery: 1, MaxStacks: 64})
			a, b := l.Handle(), l.Handle()
			// Not a timing claim: B needs the processor long enough to find
			// the lock held; a try in which it did not is tried again.
			for try := 0; try < 20 && l.Stats().Contended == 0; try++ {
				a.Lock()
				done := make(chan struct{})
				go func() {
					defer close(done)
					b.Lock() // the sample's first frame: this function
					b.Unlock()
				}()
				time.Sleep(5 * time.Millisecond)
				a.Unlock()
				<-done
			}
			s := l.Stats()
			if s.Contended == 0 {
				t.Skip("B never found the lock held (a loaded machine)")
			}
			if len(s.Samples) == 0 {
				t.Fatalf("%d contended acquisitions and no stack sample, want one each", s.Contended)
			}
			f, _ := runtime.CallersFrames(s.Samples[0].Stack()).Next()
			if !strings.Contains(f.Function, "TestInstrumentSampleFromCaller.func") {
				t.Errorf("first frame of the sample is %q, want the caller of Lock", f.Function)
			}
		})
	}
}

// TestStoreRelease: the release store stores (a no-op would leave tas
// and ttas held after Unlock; their exclusion tests check the ordering).
func TestStoreRelease(t *testing.T) {
	var v atomic.Uint32
	v.Store(7)
	storeRelease(&v, 3)
	if got := v.Load(); got != 3 {
		t.Errorf("after storeRelease(3): %d", got)
	}
	for _, name := range []string{"tas", "ttas"} {
		info, _ := Lookup(name)
		h := info.New().Handle()
		h.Lock()
		h.Unlock()
		if !h.TryLock() {
			t.Errorf("%s held after Unlock", name)
		}
	}
}
