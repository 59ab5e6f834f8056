package locks

import "sync/atomic"

func init() {
	register(Info{
		Name:   "ticket",
		Doc:    "ticket spinlock with proportional backoff: FIFO by ticket number",
		Source: "Mellor-Crummey & Scott 1991, Algorithms for Scalable Synchronization on Shared-Memory Multiprocessors (ACM TOCS 9(1)); Linux arch/x86 ticket spinlocks 2.6.25-4.1",
		FIFO:   true, Spins: true,
		New: func() Lock { return new(Ticket) },
	})
}

// ticketUnit is the proportional backoff per waiter ahead, in relax hints:
// roughly one short critical section plus a handoff.
const ticketUnit = 16

// Ticket is the ticket spinlock: a waiter takes the next ticket with an
// atomic fetch-and-add and waits until the serving counter reaches it, so
// the lock is granted strictly in arrival (FIFO) order. Every waiter reads
// the same line, and each release invalidates it in every waiter's cache.
// The backoff is proportional (Mellor-Crummey & Scott): a waiter with k
// tickets ahead of it pauses about k critical sections before looking
// again. It spins on the relax hint, then yields.
//
// FIFO costs most when workers outnumber cores: if the waiter whose turn
// it is has been preempted, every waiter behind it waits for it to be
// scheduled again, so each handoff may take a scheduling round (tens of
// microseconds with yields, far more without).
//
// The zero value is an unlocked lock.
type Ticket struct {
	_       pad
	next    atomic.Uint32 // next ticket to hand out
	serving atomic.Uint32 // ticket now allowed to hold the lock
	owner
	_ pad
	spinPolicy
}

var (
	_ ownerSlot   = (*Ticket)(nil)
	_ Handle      = (*Ticket)(nil)
	_ spinner     = (*Ticket)(nil)
	_ waitCounter = (*Ticket)(nil)
)

// Handle returns the lock itself: a ticket lives on the waiter's stack.
func (l *Ticket) Handle() Handle { return l }

// Lock takes a ticket and waits for its turn.
func (l *Ticket) Lock() {
	t := l.next.Add(1) - 1
	if l.serving.Load() == t {
		return
	}
	l.lockSlow(t, nil)
}

func (l *Ticket) lockCounted(c *WaitCounts, q enqueuer) {
	t := l.next.Add(1) - 1
	q.enqueued()
	if l.serving.Load() == t {
		return
	}
	l.lockSlow(t, c)
}

func (l *Ticket) lockSlow(t uint32, c *WaitCounts) {
	w := l.wait(c)
	for {
		ahead := t - l.serving.Load() // wraps correctly modulo 2^32
		if ahead == 0 {
			return
		}
		w.pause(int(min(ahead, 64)) * ticketUnit)
	}
}

// TryLock takes a ticket only if it would be served at once, that is if
// the lock is free and nobody waits.
func (l *Ticket) TryLock() bool {
	s := l.serving.Load()
	return l.next.Load() == s && l.next.CompareAndSwap(s, s+1)
}

// Unlock serves the next ticket.
func (l *Ticket) Unlock() { l.serving.Add(1) }
