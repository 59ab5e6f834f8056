package locks

import "sync/atomic"

func init() {
	register(Info{
		Name:   "mcs",
		Doc:    "MCS queue lock: each waiter spins on its own node, FIFO",
		Source: "Mellor-Crummey & Scott 1991, Algorithms for Scalable Synchronization on Shared-Memory Multiprocessors (ACM TOCS 9(1)); Linux kernel/locking/mcs_spinlock.h",
		FIFO:   true, Spins: true, Queue: true,
		New: func() Lock { return new(MCS) },
	})
}

// MCS is the Mellor-Crummey & Scott queue lock. The lock is a pointer to
// the last waiter's node; a waiter swaps its own node into it, links itself
// behind its predecessor and spins on a flag in its own node, which only
// its predecessor writes at release. Each handoff therefore moves one
// cache line from the releasing core to the next waiter's, whatever the
// number of waiters: the property that made it the basis of the kernel's
// qspinlock and osq. It is FIFO (order of the tail swap). It spins on the
// relax hint, then yields; a release whose successor has swapped the tail
// but not yet linked itself waits for the link the same way.
//
// FIFO costs most when workers outnumber cores: a preempted waiter blocks
// every waiter queued behind it until it runs again (see Ticket).
//
// The zero value is an unlocked lock. Each worker's node lives in its
// Handle, which must not be shared. The tail names the node by its
// Handle's id rather than by pointer (see nodeTable): an integer swap is
// one instruction, a pointer swap a runtime call, and measured
// uncontended the pointer version cost 1.19x sync.Mutex.
type MCS struct {
	_    pad
	tail atomic.Uint32 // id of the last waiter's node, or 0 if free
	owner
	_     pad
	nodes nodeTable[mcsNode]
	spinPolicy
}

// mcsNode is one waiter's queue node, padded so that spinning on it moves
// no other worker's line.
//
// Between acquisitions a node rests with next == nil and locked == 1, and
// the slow paths restore that state: so the uncontended path writes
// nothing to the node but publishes it with one swap. Go has no release
// store (atomic.Store is a locked XCHG on amd64), so the kernel's
// "node->locked = 0; node->next = NULL" before each xchg would double the
// atomic operations of an uncontended acquisition.
type mcsNode struct {
	_      pad
	next   atomic.Pointer[mcsNode] // successor, set by it once it has swapped the tail
	locked atomic.Uint32           // 1 until the predecessor passes the lock (0)
	_      pad
}

var (
	_ ownerSlot = (*MCS)(nil)
	_ spinner   = (*MCS)(nil)
)

// Handle returns a new worker's view holding its queue node.
func (l *MCS) Handle() Handle {
	h := &mcsHandle{l: l}
	h.node.locked.Store(1)
	h.id = l.nodes.add(&h.node, 1<<31, "mcs")
	return h
}

type mcsHandle struct {
	l    *MCS
	id   uint32 // names node in l.tail
	node mcsNode
}

var (
	_ Handle      = (*mcsHandle)(nil)
	_ waitCounter = (*mcsHandle)(nil)
)

// Lock enqueues the worker's node and waits for its predecessor to pass
// the lock on.
func (h *mcsHandle) Lock() {
	pred := h.l.tail.Swap(h.id)
	if pred == 0 {
		return
	}
	h.wait(h.l.nodes.get(pred), nil, nil)
}

func (h *mcsHandle) lockCounted(c *WaitCounts, q enqueuer) {
	pred := h.l.tail.Swap(h.id)
	if pred == 0 {
		q.enqueued()
		return
	}
	h.wait(h.l.nodes.get(pred), c, q)
}

// wait links the node behind pred, tells q, and waits for pred to pass
// the lock on. The link comes first: until it is made, pred's Unlock
// waits for it.
func (h *mcsHandle) wait(pred *mcsNode, c *WaitCounts, q enqueuer) {
	n := &h.node
	pred.next.Store(n)
	notify(q)
	w := h.l.wait(c)
	for n.locked.Load() != 0 {
		w.spin()
	}
	// The predecessor is done with this node: restore its resting state.
	n.locked.Store(1)
}

// TryLock takes the lock only if no one holds or waits for it.
func (h *mcsHandle) TryLock() bool {
	return h.l.tail.Load() == 0 && h.l.tail.CompareAndSwap(0, h.id)
}

// Unlock passes the lock to the successor, or frees it if there is none.
func (h *mcsHandle) Unlock() {
	n := &h.node
	next := n.next.Load()
	if next == nil {
		if h.l.tail.CompareAndSwap(h.id, 0) {
			return
		}
		// A successor swapped the tail but has not linked itself yet: a
		// wait of the releaser, not counted (only acquisitions' waits
		// are).
		w := h.l.wait(nil)
		for next = n.next.Load(); next == nil; next = n.next.Load() {
			w.spin()
		}
	}
	// No one else writes n.next now: the successor has linked itself and
	// any later waiter links behind a later tail.
	n.next.Store(nil)
	next.locked.Store(0)
}
