package locks

import (
	"sync"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:   "spinpark",
		Doc:    "adaptive lock: spin a bounded number of tries, then park until woken",
		Source: "Linux kernel/locking/mutex.c (optimistic spinning before sleeping); Ousterhout 1982 two-phase waiting",
		Spins:  true, Sleeps: true,
		New: func() Lock { return new(SpinPark) },
	})
}

// spinparkTries bounds the spinning phase, in reads of the lock word with
// a relax hint between them: a few microseconds, enough to cover a short
// critical section on another core and far less than a park and wake-up.
const spinparkTries = 128

// SpinPark is the two-phase (adaptive) lock in the shape of the kernel's
// mutex: a waiter first spins, reading the word and trying to take it
// when it looks free, for a bounded number of tries; then it parks on a
// semaphore until a release wakes it. The kernel spins while the holder
// is running on a CPU; Go cannot see that, so the bound is a count. The
// word is the three-state one of the futex mutex (free, locked, locked
// with sleepers) so that an uncontended Unlock never touches the
// semaphore. It is not fair: spinners and newcomers barge past a woken
// sleeper.
//
// The zero value is an unlocked lock.
type SpinPark struct {
	_ pad
	v atomic.Uint32 // futexFree, futexLocked or futexContended
	owner
	_ pad

	sema chan struct{} // one-token wake-up semaphore, made by the first Handle
	once sync.Once
}

var (
	_ ownerSlot   = (*SpinPark)(nil)
	_ Handle      = (*SpinPark)(nil)
	_ waitCounter = (*SpinPark)(nil)
)

// Handle returns the lock itself: SpinPark keeps no per-worker state.
func (l *SpinPark) Handle() Handle {
	l.once.Do(func() { l.sema = make(chan struct{}, 1) })
	return l
}

// Lock acquires the lock, spinning briefly and then parking.
func (l *SpinPark) Lock() {
	if l.v.CompareAndSwap(0, 1) {
		return
	}
	l.lockSlow(nil)
}

// lockCounted is Lock, counting each park as a sleep: parking is this
// lock's algorithm, and a count says how often it came to that.
func (l *SpinPark) lockCounted(c *WaitCounts, q enqueuer) {
	q.enqueued() // no order to hold a place in
	if l.v.CompareAndSwap(0, 1) {
		return
	}
	l.lockSlow(c)
}

func (l *SpinPark) lockSlow(c *WaitCounts) {
	// Phase 1: spin.
	for range spinparkTries {
		if l.v.Load() == 0 && l.v.CompareAndSwap(0, 1) {
			return
		}
		relax()
	}
	// Phase 2: mark the word contended and park until it is free. A
	// wake-up may be stale (a token left by an earlier release): the loop
	// re-checks the word, as with a spurious futex wake-up.
	for l.v.Swap(2) != 0 {
		if c != nil {
			c.Sleeps++
		}
		<-l.sema
	}
}

// TryLock acquires the lock only if it is free.
func (l *SpinPark) TryLock() bool {
	return l.v.Load() == 0 && l.v.CompareAndSwap(0, 1)
}

// Unlock releases the lock and wakes one sleeper if there may be any. A
// token already waiting in the semaphore will wake a sleeper anyway, so a
// full semaphore drops the wake-up.
func (l *SpinPark) Unlock() {
	if l.v.Swap(0) == 2 {
		select {
		case l.sema <- struct{}{}:
		default:
		}
	}
}
