package locks

import "sync/atomic"

func init() {
	register(Info{
		Name:   "tas",
		Doc:    "test-and-set spinlock: atomic exchange until the old value is 0",
		Source: "Anderson 1990, The Performance of Spin Lock Alternatives for Shared-Memory Multiprocessors (IEEE TPDS 1(1))",
		Spins:  true,
		New:    func() Lock { return new(TAS) },
	})
}

// TAS is the plain test-and-set spinlock: every attempt is an atomic
// exchange of 1 into the lock word, so every waiter writes the lock's cache
// line on every try and the line bounces between waiting cores even while
// the holder runs; Anderson measured this as the worst of the spin locks
// under contention. It is not fair: whichever core's exchange lands first
// after the release wins. It spins on the relax hint, then yields.
//
// The zero value is an unlocked lock.
type TAS struct {
	_ pad
	v atomic.Uint32
	owner
	_ pad
	spinPolicy
}

var (
	_ ownerSlot   = (*TAS)(nil)
	_ Handle      = (*TAS)(nil)
	_ spinner     = (*TAS)(nil)
	_ waitCounter = (*TAS)(nil)
)

// Handle returns the lock itself: TAS keeps no per-worker state.
func (l *TAS) Handle() Handle { return l }

// Lock acquires the lock, spinning until it is free.
func (l *TAS) Lock() {
	if l.v.Swap(1) == 0 {
		return
	}
	l.lockSlow(nil)
}

func (l *TAS) lockCounted(c *WaitCounts, q enqueuer) {
	q.enqueued() // no order to hold a place in
	if l.v.Swap(1) == 0 {
		return
	}
	l.lockSlow(c)
}

func (l *TAS) lockSlow(c *WaitCounts) {
	w := l.wait(c)
	for l.v.Swap(1) != 0 {
		w.spin()
	}
}

// TryLock acquires the lock only if it is free.
func (l *TAS) TryLock() bool { return l.v.Swap(1) == 0 }

// Unlock releases the lock with a release store (storeRelease), as the
// kernel's spin_unlock does, not a sequentially consistent one.
func (l *TAS) Unlock() { storeRelease(&l.v, 0) }
