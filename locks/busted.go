package locks

import (
	"runtime"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:   "busted",
		Doc:    "deliberately broken lock (check, yield, then set): proves the checks catch a violation",
		Source: "Linux kernel/locking/locktorture.c (lock_busted)",
		Hidden: true,
		New:    func() Lock { return new(Busted) },
	})
}

// Busted is a deliberately broken lock, as locktorture's lock_busted: it
// tests the word and sets it in two separate steps, with a yield between
// them that stands for the preemption a real bug would wait for, so two
// workers regularly both see the lock free and both enter. Alone it
// behaves like a lock (TryLock on a held lock fails), which keeps the
// single-worker checks meaningful. It exists to prove that the mutual
// exclusion checks of the tests and of the workloads can fail; it is
// hidden from default listings. Never use it to protect anything.
//
// The zero value is an unlocked (and unlockable) lock.
type Busted struct {
	_ pad
	v atomic.Uint32
	owner
	_ pad
	spinPolicy
}

var (
	_ ownerSlot = (*Busted)(nil)
	_ Handle    = (*Busted)(nil)
	_ spinner   = (*Busted)(nil)
)

// Handle returns the lock itself.
func (l *Busted) Handle() Handle { return l }

// Lock waits for the word to read 0, yields, then sets it: the race is
// the point.
func (l *Busted) Lock() {
	w := l.wait(nil)
	for l.v.Load() != 0 {
		w.spin()
	}
	runtime.Gosched()
	l.v.Store(1)
}

// TryLock sets the word if it read 0, in two steps.
func (l *Busted) TryLock() bool {
	if l.v.Load() != 0 {
		return false
	}
	l.v.Store(1)
	return true
}

// Unlock clears the word.
func (l *Busted) Unlock() { l.v.Store(0) }
