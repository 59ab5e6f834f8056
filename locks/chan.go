package locks

import "sync"

func init() {
	register(Info{
		Name:   "chan",
		Doc:    "one-slot buffered channel: send to lock, receive to unlock",
		Source: "Go runtime, src/runtime/chan.go (the Go idiom of a channel as a semaphore)",
		FIFO:   true, Sleeps: true,
		New: func() Lock { return new(Chan) },
	})
}

// Chan is a lock made of a channel with one buffer slot: Lock sends into
// the slot, Unlock receives from it. It never spins: a sender that finds
// the slot full parks on the channel's send queue. It is FIFO among parked
// waiters: a receive from a full channel with queued senders moves the
// first sender's value into the slot and wakes it, so the lock passes
// directly to the longest waiter and a newcomer finds the slot still full.
// That direct handoff to a parked goroutine puts a wake-up in every
// contended handoff (a lock convoy), which is what it is here to show.
//
// The zero value is an unlocked lock.
type Chan struct {
	_ pad
	c chan struct{} // set once, by the first Handle
	owner
	_    pad
	once sync.Once
}

var _ ownerSlot = (*Chan)(nil)

// Handle returns the lock itself: the channel keeps no per-worker state.
func (l *Chan) Handle() Handle {
	l.once.Do(func() { l.c = make(chan struct{}, 1) })
	return (*chanHandle)(l)
}

type chanHandle Chan

var _ Handle = (*chanHandle)(nil)

func (h *chanHandle) Lock() { h.c <- struct{}{} }

func (h *chanHandle) Unlock() { <-h.c }

func (h *chanHandle) TryLock() bool {
	select {
	case h.c <- struct{}{}:
		return true
	default:
		return false
	}
}
