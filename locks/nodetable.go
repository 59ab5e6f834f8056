package locks

import (
	"sync"
	"sync/atomic"
)

// nodeTable names a queue lock's nodes by small integers, 1-based, so
// that the lock word can be an integer: Go's atomic.Pointer operations
// are runtime calls with a GC write-barrier check, integer ones are
// single instructions, and the uncontended path of a queue lock is
// nothing but its tail exchange. Nodes are added at setup (Handle) and
// never removed; readers index a copy-on-write slice, so a lookup on the
// slow path takes no lock.
type nodeTable[T any] struct {
	mu    sync.Mutex           // serialises add
	nodes atomic.Pointer[[]*T] // nodes[i] has id i+1
}

// add registers n and returns its id. It panics past max ids, which is
// programmer misuse (more Handles than the lock word can name).
func (t *nodeTable[T]) add(n *T, max int, lock string) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	var nodes []*T
	if p := t.nodes.Load(); p != nil {
		nodes = *p
	}
	if len(nodes) >= max {
		panic("locks: a " + lock + " lock supports a limited number of handles")
	}
	nodes = append(nodes[:len(nodes):len(nodes)], n) // copy on write: readers keep the old slice
	t.nodes.Store(&nodes)
	return uint32(len(nodes))
}

// get returns the node with the given id (> 0).
func (t *nodeTable[T]) get(id uint32) *T { return (*t.nodes.Load())[id-1] }
