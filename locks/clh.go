package locks

import (
	"sync"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:   "clh",
		Doc:    "CLH queue lock: each waiter spins on its predecessor's node, FIFO",
		Source: "Craig 1993, Building FIFO and priority-queuing spin locks from atomic swap (TR 93-02-02, U. Washington); Magnusson, Landin & Hagersten 1994, Queue locks on cache coherent multiprocessors (IPPS)",
		FIFO:   true, Spins: true, Queue: true,
		New: func() Lock { return new(CLH) },
	})
}

// CLH is the Craig / Magnusson-Landin-Hagersten queue lock. The lock word
// names the last node of an implicit queue; a waiter swaps its own node
// into it and spins on its predecessor's node until the predecessor
// releases it. Unlike MCS there is no next pointer and release is a
// single write; the releaser then adopts its predecessor's node for its
// next acquisition (nodes migrate between workers). It is FIFO (order of
// the swap). It spins on the relax hint, then yields.
//
// The textbook node is a flag set to "locked" before each enqueue and
// cleared at release. Go has no release store (atomic.Store is a locked
// XCHG on amd64), so that would cost three atomic operations per
// uncontended acquisition where sync.Mutex pays two. Here instead a node
// counts its releases, and the lock word holds the node's index together
// with that count as it was at enqueue: a waiter waits for its
// predecessor's count to move on. Enqueue is one swap and release one
// atomic add, with no store to prepare the node. The (node, count) pair
// also gives TryLock a compare-and-swap free of ABA (a node seen free
// cannot reappear in the word with the same count), up to a wrap of the
// 32-bit count during one TryLock.
//
// FIFO costs most when workers outnumber cores: a preempted waiter blocks
// every waiter queued behind it until it runs again (see Ticket).
//
// The zero value is an unlocked lock; the first Handle installs the
// initial released node. Each worker's current node is in its Handle,
// which must not be shared.
type CLH struct {
	_    pad
	tail atomic.Uint64 // index<<32 | releases of that node at enqueue
	owner
	_ pad

	mu    sync.Mutex                 // serialises Handle
	nodes atomic.Pointer[[]*clhNode] // by index; copy on write
	spinPolicy
}

// clhNode is a queue node, padded so that spinning on it moves no other
// worker's line.
type clhNode struct {
	_        pad
	releases atomic.Uint32 // times the node's holder released the lock
	_        pad
}

var (
	_ ownerSlot = (*CLH)(nil)
	_ spinner   = (*CLH)(nil)
)

// Handle returns a new worker's view holding a fresh node.
func (l *CLH) Handle() Handle {
	l.mu.Lock()
	defer l.mu.Unlock()
	var nodes []*clhNode
	if p := l.nodes.Load(); p != nil {
		nodes = *p
	} else {
		// Node 0 is the initial tail: released once, so the zero lock
		// word (node 0, 0 releases) reads as free.
		n := new(clhNode)
		n.releases.Store(1)
		nodes = []*clhNode{n}
	}
	h := &clhHandle{l: l, node: new(clhNode), idx: uint32(len(nodes))}
	nodes = append(nodes[:len(nodes):len(nodes)], h.node)
	l.nodes.Store(&nodes)
	return h
}

// node returns the node named by a lock word.
func (l *CLH) node(word uint64) *clhNode { return (*l.nodes.Load())[word>>32] }

// released reports whether the node named by word has released the lock
// since it was enqueued.
func (l *CLH) released(word uint64) bool { return l.node(word).releases.Load() != uint32(word) }

type clhHandle struct {
	l       *CLH
	node    *clhNode // the node this worker enqueues next
	idx     uint32   // its index
	pred    *clhNode // while held: the predecessor's node, adopted at Unlock
	predIdx uint32
}

var (
	_ Handle      = (*clhHandle)(nil)
	_ waitCounter = (*clhHandle)(nil)
)

func (h *clhHandle) word() uint64 { return uint64(h.idx)<<32 | uint64(h.node.releases.Load()) }

// Lock enqueues the worker's node and waits for its predecessor to
// release.
func (h *clhHandle) Lock() {
	old := h.l.tail.Swap(h.word())
	if !h.l.released(old) {
		h.wait(old, nil)
	}
	h.pred, h.predIdx = h.l.node(old), uint32(old>>32)
}

func (h *clhHandle) lockCounted(c *WaitCounts, q enqueuer) {
	old := h.l.tail.Swap(h.word())
	q.enqueued()
	if !h.l.released(old) {
		h.wait(old, c)
	}
	h.pred, h.predIdx = h.l.node(old), uint32(old>>32)
}

func (h *clhHandle) wait(old uint64, c *WaitCounts) {
	w := h.l.wait(c)
	for !h.l.released(old) {
		w.spin()
	}
}

// TryLock takes the lock only if the last node in the queue has released
// it.
func (h *clhHandle) TryLock() bool {
	old := h.l.tail.Load()
	if !h.l.released(old) || !h.l.tail.CompareAndSwap(old, h.word()) {
		return false
	}
	h.pred, h.predIdx = h.l.node(old), uint32(old>>32)
	return true
}

// Unlock releases the worker's node to its successor and adopts the
// predecessor's node, which nobody waits on any more.
func (h *clhHandle) Unlock() {
	n := h.node
	h.node, h.idx, h.pred = h.pred, h.predIdx, nil
	n.releases.Add(1)
}
