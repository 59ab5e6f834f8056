package locks

import (
	"sync/atomic"
)

func init() {
	register(Info{
		Name:   "qspin",
		Doc:    "Linux qspinlock: one 32-bit word (locked, pending, tail) with an MCS queue behind it",
		Source: "Linux kernel/locking/qspinlock.c (Long & Zijlstra, 2015), after Mellor-Crummey & Scott 1991",
		FIFO:   true, Spins: true, Queue: true,
		New: func() Lock { return new(QSpin) },
	})
}

// Layout of the qspinlock word, as in include/asm-generic/qspinlock_types.h
// for fewer than 16K CPUs: a locked byte, a pending byte and a 16-bit tail.
// The kernel's tail is (CPU+1, nesting index); here it is the index+1 of
// the waiting Handle, since goroutines have no per-CPU nodes.
const (
	qLocked            = 1
	qLockedMask        = 0xff
	qPending           = 1 << 8
	qLockedPendingMask = 0xffff
	qTailShift         = 16
	qTailMask          = 0xffff << qTailShift
	qMaxHandles        = 0xffff

	// qPendingLoops bounds the wait for a pending->locked handover in
	// progress (_Q_PENDING_LOOPS is 1 except on x86 with paravirt).
	qPendingLoops = 1
)

// QSpin is the Linux kernel's queued spinlock (qspinlock) without its
// paravirtualisation hooks. The whole lock is one 32-bit word: the holder
// sets the locked byte; the first waiter does not queue but sets the
// pending bit and spins on the word; further waiters queue in an MCS queue
// whose tail is encoded in the word's upper half, and only the queue head
// spins on the lock word, the others on their own nodes. Uncontended, it
// is one compare-and-swap to lock and one atomic add to unlock.
//
// Waiters are served in arrival order (FIFO): the pending waiter first,
// then the queue in the order of the tail exchanges. A newcomer cannot
// barge past them, since the word is non-zero while anyone waits. It spins
// on the relax hint, then yields; as with every FIFO lock, a preempted
// queue head stalls the waiters behind it when workers outnumber cores.
//
// The queue nodes live in the Handles, and the word's tail names a Handle
// by index: one lock supports at most 65535 Handles.
//
// The zero value is an unlocked lock.
type QSpin struct {
	_ pad
	v atomic.Uint32
	owner
	_ pad

	nodes nodeTable[qspinNode] // id = the tail index of the node's Handle
	spinPolicy
}

// qspinNode is an MCS node (struct mcs_spinlock), padded.
type qspinNode struct {
	_      pad
	next   atomic.Pointer[qspinNode]
	locked atomic.Uint32 // set to 1 by the predecessor to make this the queue head
	_      pad
}

var (
	_ ownerSlot = (*QSpin)(nil)
	_ spinner   = (*QSpin)(nil)
)

// Handle returns a new worker's view holding its queue node. It panics
// after 65535 Handles: the tail field has 16 bits.
func (l *QSpin) Handle() Handle {
	h := &qspinHandle{l: l}
	h.tail = l.nodes.add(&h.node, qMaxHandles, "qspin") << qTailShift
	return h
}

// node decodes the tail of a lock word.
func (l *QSpin) node(val uint32) *qspinNode {
	return l.nodes.get(val >> qTailShift)
}

// tryLock is queued_spin_trylock.
func (l *QSpin) tryLock() bool {
	return l.v.Load() == 0 && l.v.CompareAndSwap(0, qLocked)
}

// xchgTail puts tail into the word and returns the old word: the
// compare-and-swap loop the kernel uses when the tail is not a whole
// halfword it can exchange alone (Go has no 16-bit atomics).
func (l *QSpin) xchgTail(tail uint32) uint32 {
	for {
		old := l.v.Load()
		if l.v.CompareAndSwap(old, old&^qTailMask|tail) {
			return old
		}
	}
}

type qspinHandle struct {
	l    *QSpin
	tail uint32 // this handle's encoded tail
	node qspinNode
}

var (
	_ Handle      = (*qspinHandle)(nil)
	_ waitCounter = (*qspinHandle)(nil)
)

// Lock is queued_spin_lock: a compare-and-swap, else the slow path.
func (h *qspinHandle) Lock() {
	if h.l.v.CompareAndSwap(0, qLocked) {
		return
	}
	h.lockSlow(nil, nil)
}

func (h *qspinHandle) lockCounted(c *WaitCounts, q enqueuer) {
	if h.l.v.CompareAndSwap(0, qLocked) {
		q.enqueued()
		return
	}
	h.lockSlow(c, q)
}

// TryLock takes the lock only if the word is zero: free, nobody pending,
// nobody queued.
func (h *qspinHandle) TryLock() bool { return h.l.tryLock() }

// Unlock clears the locked byte (queued_spin_unlock). The holder alone
// writes it, so subtracting 1 is the store-release of the kernel.
func (h *qspinHandle) Unlock() { h.l.v.Add(^uint32(0)) }

// lockSlow is queued_spin_lock_slowpath. It tells q (if not nil) once it
// holds the pending bit or its place in the queue.
func (h *qspinHandle) lockSlow(c *WaitCounts, q enqueuer) {
	l := h.l
	val := l.v.Load()

	// Wait for an in-progress pending->locked handover.
	for i := 0; val == qPending && i < qPendingLoops; i++ {
		relax()
		val = l.v.Load()
	}
	// Anyone pending or queued: queue.
	if val&^qLockedMask != 0 {
		h.queue(c, q)
		return
	}
	// Try to become the pending waiter.
	val = l.v.Or(qPending)
	if val&^qLockedMask != 0 {
		// Someone else got pending or queued first: undo our pending
		// bit if we set it, and queue.
		if val&qPending == 0 {
			l.v.And(^uint32(qPending))
		}
		h.queue(c, q)
		return
	}
	notify(q)
	// Pending: wait for the holder to go (only it clears locked).
	if val&qLockedMask != 0 {
		w := l.wait(c)
		for l.v.Load()&qLockedMask != 0 {
			w.spin()
		}
	}
	// clear_pending_set_locked: pending 1 -> 0, locked 0 -> 1.
	l.v.Add(^uint32(qPending - qLocked - 1))
}

// queue is the MCS part of the slow path.
func (h *qspinHandle) queue(c *WaitCounts, q enqueuer) {
	l, n := h.l, &h.node
	n.locked.Store(0)
	n.next.Store(nil)
	// The kernel tries once more after touching the (cold) node.
	if l.tryLock() {
		notify(q)
		return
	}

	old := l.xchgTail(h.tail)
	if old&qTailMask != 0 {
		l.node(old).next.Store(n) // linked first: the predecessor waits for it
	}
	notify(q)
	var next *qspinNode
	if old&qTailMask != 0 {
		w := l.wait(c)
		for n.locked.Load() == 0 {
			w.spin()
		}
		next = n.next.Load()
	}

	// Head of the queue: wait for the holder and the pending waiter.
	w := l.wait(c)
	val := l.v.Load()
	for val&qLockedPendingMask != 0 {
		w.spin()
		val = l.v.Load()
	}
	// Last in the queue: take the lock and clear the tail together.
	if val&qTailMask == h.tail && l.v.CompareAndSwap(val, qLocked) {
		return
	}
	// Somebody queued behind us, or set pending and will see the tail and
	// queue behind us: either way a successor is coming.
	l.v.Or(qLocked)
	if next == nil {
		w := l.wait(c)
		for next = n.next.Load(); next == nil; next = n.next.Load() {
			w.spin()
		}
	}
	next.locked.Store(1)
}
