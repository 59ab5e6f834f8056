//go:build linux

package locks

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

func init() {
	register(Info{
		Name:   "futex",
		Doc:    "three-state futex mutex: CAS to lock, FUTEX_WAIT/FUTEX_WAKE when contended",
		Source: `Drepper 2011, "Futexes Are Tricky" (mutex3); Linux kernel/futex/`,
		Sleeps: true,
		New:    func() Lock { return new(Futex) },
	})
}

// futex(2) operations; golang.org/x/sys/unix names the syscall but not its
// operations.
const (
	futexWait        = 0
	futexWake        = 1
	futexPrivateFlag = 128
)

// Futex states.
const (
	futexFree      = 0
	futexLocked    = 1 // held, no waiters
	futexContended = 2 // held, maybe waiters in the kernel
)

// Futex is the three-state mutex of Drepper's "Futexes Are Tricky"
// (mutex3), called with raw FUTEX_WAIT and FUTEX_WAKE on a process-private
// futex: 0 free, 1 locked, 2 locked with possible waiters. Lock is one
// compare-and-swap when free; a waiter marks the word 2 and sleeps in the
// kernel; Unlock is one atomic decrement, and a FUTEX_WAKE of one waiter
// only when the word was 2. It does not spin, and it is not fair: a woken
// waiter competes with newcomers, and a running thread usually wins. A
// waiter blocks its OS thread in the kernel; the Go runtime hands the
// thread's P to another thread meanwhile.
//
// Linux only: on other systems it is not registered.
//
// The zero value is an unlocked lock.
type Futex struct {
	_ pad
	v atomic.Uint32
	owner
	_ pad
}

var (
	_ ownerSlot = (*Futex)(nil)
	_ Handle    = (*Futex)(nil)
)

// Handle returns the lock itself: the futex keeps no per-worker state.
func (l *Futex) Handle() Handle { return l }

// Lock acquires the lock, sleeping in the kernel while it is held.
func (l *Futex) Lock() {
	if l.v.CompareAndSwap(futexFree, futexLocked) {
		return
	}
	l.lockSlow()
}

func (l *Futex) lockSlow() {
	c := l.v.Load()
	if c != futexContended {
		c = l.v.Swap(futexContended)
	}
	for c != futexFree {
		l.wait(futexContended)
		c = l.v.Swap(futexContended)
	}
}

// TryLock acquires the lock only if it is free.
func (l *Futex) TryLock() bool {
	return l.v.Load() == futexFree && l.v.CompareAndSwap(futexFree, futexLocked)
}

// Unlock releases the lock and wakes one waiter if there may be any.
func (l *Futex) Unlock() {
	if l.v.Add(^uint32(0)) != futexFree {
		l.v.Store(futexFree)
		l.wake()
	}
}

// wait sleeps while the word still holds val. EAGAIN (the word changed)
// and EINTR are normal returns: the caller re-checks the word.
func (l *Futex) wait(val uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&l.v)), futexWait|futexPrivateFlag, uintptr(val), 0, 0, 0)
}

// wake wakes one waiter.
func (l *Futex) wake() {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&l.v)), futexWake|futexPrivateFlag, 1, 0, 0, 0)
}
