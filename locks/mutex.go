package locks

import "sync"

func init() {
	register(Info{
		Name:   "mutex",
		Doc:    "Go's sync.Mutex: spins briefly, then parks; starvation mode after 1 ms",
		Source: "Go runtime, src/sync/mutex.go",
		Sleeps: true, Spins: true,
		New: func() Lock { return new(Mutex) },
	})
}

// Mutex is Go's sync.Mutex behind the Lock interface, the baseline every
// other algorithm is compared with. It is not FIFO: a running goroutine may
// take the lock ahead of parked waiters (barging), until a waiter has
// waited 1 ms and the mutex switches to starvation mode and hands off
// directly. It spins briefly (4 x 30 PAUSE) before parking.
//
// The zero value is an unlocked mutex.
type Mutex struct {
	_  pad
	mu sync.Mutex
	owner
	_ pad
}

var _ ownerSlot = (*Mutex)(nil)

// Handle returns the mutex itself: sync.Mutex keeps no per-worker state.
func (m *Mutex) Handle() Handle { return &m.mu }
