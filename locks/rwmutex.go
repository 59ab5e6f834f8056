package locks

import "sync"

func init() {
	register(Info{
		Name:   "rwmutex",
		Doc:    "Go's sync.RWMutex, write side only: a sync.Mutex plus reader bookkeeping",
		Source: "Go runtime, src/sync/rwmutex.go",
		Sleeps: true, Spins: true,
		New: func() Lock { return new(RWMutex) },
	})
}

// RWMutex is the write side of Go's sync.RWMutex. Writers serialise on an
// inner sync.Mutex and then wait for readers to drain, so an uncontended
// write lock costs two more atomic operations than a Mutex: it measures
// what a reader-writer lock costs a path that only writes, as the kernel's
// mapping lock (i_pages, once an rwlock) did. Fairness and spinning are
// those of sync.Mutex.
//
// The zero value is an unlocked lock.
type RWMutex struct {
	_ pad
	owner
	mu sync.RWMutex // its write-side word (w) is within 16 bytes of owner
	_  pad
}

var _ ownerSlot = (*RWMutex)(nil)

// Handle returns the lock itself: its write side keeps no per-worker
// state.
func (m *RWMutex) Handle() Handle { return &m.mu }
