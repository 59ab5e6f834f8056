package locks

import (
	"math/rand/v2"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:   "ttas",
		Doc:    "test-and-test-and-set spinlock with bounded exponential backoff",
		Source: "Anderson 1990, The Performance of Spin Lock Alternatives for Shared-Memory Multiprocessors (IEEE TPDS 1(1))",
		Spins:  true,
		New:    func() Lock { return new(TTAS) },
	})
}

// TTAS bounds for the backoff after a lost race, in relax hints.
const (
	ttasMinBackoff = 4
	ttasMaxBackoff = 1024
)

// TTAS is the test-and-test-and-set spinlock with exponential backoff that
// Anderson (1990) measured: a waiter reads the lock word (a shared, cached
// copy) until it sees the lock free, and only then tries the atomic
// compare-and-swap. A waiter that loses that race backs off for a random
// delay whose bound doubles on each loss, up to a cap, so that the release
// of a lock does not start a storm of simultaneous atomic operations. It is
// not fair: a backing-off waiter may be overtaken by any newcomer. It spins
// on the relax hint, then yields.
//
// The zero value is an unlocked lock.
type TTAS struct {
	_ pad
	v atomic.Uint32
	owner
	_ pad
	spinPolicy
}

var (
	_ ownerSlot   = (*TTAS)(nil)
	_ Handle      = (*TTAS)(nil)
	_ spinner     = (*TTAS)(nil)
	_ waitCounter = (*TTAS)(nil)
)

// Handle returns the lock itself: the backoff state lives on the waiter's
// stack.
func (l *TTAS) Handle() Handle { return l }

// Lock acquires the lock, spinning until it is free.
func (l *TTAS) Lock() {
	if l.v.CompareAndSwap(0, 1) {
		return
	}
	l.lockSlow(nil)
}

func (l *TTAS) lockCounted(c *WaitCounts, q enqueuer) {
	q.enqueued() // no order to hold a place in
	if l.v.CompareAndSwap(0, 1) {
		return
	}
	l.lockSlow(c)
}

func (l *TTAS) lockSlow(c *WaitCounts) {
	w := l.wait(c)
	limit := ttasMinBackoff
	for {
		// Test: spin on the shared copy of the line.
		for l.v.Load() != 0 {
			w.spin()
		}
		// Test-and-set.
		if l.v.CompareAndSwap(0, 1) {
			return
		}
		// Lost the race: back off for a random delay below a doubling
		// bound. rand.N uses the runtime's per-thread generator: no
		// shared state, no allocation.
		w.pause(1 + rand.N(limit))
		limit = min(2*limit, ttasMaxBackoff)
	}
}

// TryLock acquires the lock only if it is free.
func (l *TTAS) TryLock() bool {
	return l.v.Load() == 0 && l.v.CompareAndSwap(0, 1)
}

// Unlock releases the lock with a release store (storeRelease), as the
// kernel's spin_unlock does, not a sequentially consistent one.
func (l *TTAS) Unlock() { storeRelease(&l.v, 0) }
