package workloads

import (
	"fmt"
	"unsafe"
)

// The radix tree is the kernel's page-cache index (radix_tree, now the
// xarray): 64-way nodes, six bits of the index per level.
const (
	radixShift     = 6
	radixFanout    = 1 << radixShift
	radixMask      = radixFanout - 1
	radixMaxHeight = 11 // 66 bits: any uint64 index
)

// A radixNode holds 64 slots. In an interior node a slot is a child node
// number + 1, in a leaf a value + 1; 0 is empty.
type radixNode struct {
	slots [radixFanout]uint32
	count uint32 // non-empty slots
}

// A radixTree maps an index in [0, span) to a uint32 value. Its height is
// fixed at construction from span, and its nodes come from a pool
// allocated up front, so that no operation allocates. Node 0 is the root
// and is never freed. Callers serialise access (the mapping lock).
type radixTree struct {
	nodes   []radixNode
	free    []uint32 // free node numbers, used as a stack
	height  int      // levels, leaves included; 1 means the root is a leaf
	span    uint64   // indexes are < span
	entries int
}

// newRadixTree returns an empty tree for indexes below span, with a node
// pool large enough for the full tree or for maxEntries entries, whichever
// is smaller, so that insertion never runs out of nodes.
func newRadixTree(span uint64, maxEntries int) *radixTree {
	h, n := radixShape(span, maxEntries)
	t := &radixTree{nodes: make([]radixNode, n), free: make([]uint32, 0, n), height: h, span: span}
	for i := n - 1; i >= 1; i-- {
		t.free = append(t.free, uint32(i))
	}
	return t
}

// radixShape returns the height of a tree for span and the size of its
// node pool.
func radixShape(span uint64, maxEntries int) (height, nodes int) {
	h := 1
	for cap := uint64(radixFanout); cap < span; cap <<= radixShift {
		h++
	}
	full := 0
	for l, per := 0, uint64(radixFanout); l < h; l, per = l+1, per<<radixShift {
		full += int((span + per - 1) / per)
	}
	return h, min(full, 1+maxEntries*(h-1))
}

// newRadixTreeSize is the node count newRadixTree allocates.
func newRadixTreeSize(span uint64, maxEntries int) int {
	_, n := radixShape(span, maxEntries)
	return n
}

// unsafeSizeofNode is the size of a radixNode in bytes.
const unsafeSizeofNode = int(unsafe.Sizeof(radixNode{}))

func (t *radixTree) allocNode() (uint32, bool) {
	if len(t.free) == 0 {
		return 0, false
	}
	id := t.free[len(t.free)-1]
	t.free = t.free[:len(t.free)-1]
	t.nodes[id] = radixNode{}
	return id, true
}

func (t *radixTree) freeNode(id uint32) {
	if len(t.free) < cap(t.free) { // a double free (only a lock that does not exclude makes one) is dropped, not grown
		t.free = append(t.free, id)
	}
}

// insert stores v at index and reports whether it did: false if the slot
// is taken (the page is already cached), the index is out of range, or
// the pool is exhausted.
func (t *radixTree) insert(index uint64, v uint32) bool {
	if index >= t.span {
		return false
	}
	n := &t.nodes[0]
	for l := t.height - 1; l > 0; l-- {
		i := (index >> (uint(l) * radixShift)) & radixMask
		c := n.slots[i]
		if c == 0 {
			id, ok := t.allocNode()
			if !ok {
				return false
			}
			c = id + 1
			n.slots[i] = c
			n.count++
		}
		if int(c-1) >= len(t.nodes) {
			return false
		}
		n = &t.nodes[c-1]
	}
	i := index & radixMask
	if n.slots[i] != 0 {
		return false
	}
	n.slots[i] = v + 1
	n.count++
	t.entries++
	return true
}

// lookup returns the value at index.
func (t *radixTree) lookup(index uint64) (uint32, bool) {
	if index >= t.span {
		return 0, false
	}
	n := &t.nodes[0]
	for l := t.height - 1; l > 0; l-- {
		c := n.slots[(index>>(uint(l)*radixShift))&radixMask]
		if c == 0 || int(c-1) >= len(t.nodes) {
			return 0, false
		}
		n = &t.nodes[c-1]
	}
	v := n.slots[index&radixMask]
	if v == 0 {
		return 0, false
	}
	return v - 1, true
}

// delete removes the value at index and returns it, freeing the nodes
// that become empty, as the kernel's radix_tree_delete shrinks the tree.
func (t *radixTree) delete(index uint64) (uint32, bool) {
	if index >= t.span {
		return 0, false
	}
	var path [radixMaxHeight]uint32
	var slot [radixMaxHeight]uint64
	id := uint32(0)
	for l := t.height - 1; l > 0; l-- {
		i := (index >> (uint(l) * radixShift)) & radixMask
		path[l], slot[l] = id, i
		c := t.nodes[id].slots[i]
		if c == 0 || int(c-1) >= len(t.nodes) {
			return 0, false
		}
		id = c - 1
	}
	n := &t.nodes[id]
	i := index & radixMask
	v := n.slots[i]
	if v == 0 {
		return 0, false
	}
	n.slots[i] = 0
	n.count--
	t.entries--
	// id is the node at level l-1; path[l] is its parent. The root is
	// never freed.
	for l := 1; l < t.height && t.nodes[id].count == 0; l++ {
		t.freeNode(id)
		p := &t.nodes[path[l]]
		p.slots[slot[l]] = 0
		p.count--
		id = path[l]
	}
	return v - 1, true
}

// walk calls fn for every entry in index order until fn returns false.
// It is for checks and tests: it recurses, but visits each node at most
// once, so a corrupted tree with shared nodes cannot make it loop.
func (t *radixTree) walk(fn func(index uint64, v uint32) bool) error {
	seen := make([]bool, len(t.nodes))
	var rec func(id uint32, l int, base uint64) (bool, error)
	rec = func(id uint32, l int, base uint64) (bool, error) {
		if seen[id] {
			return false, fmt.Errorf("radix node %d is reachable twice", id)
		}
		seen[id] = true
		n := &t.nodes[id]
		var count uint32
		for i, s := range n.slots {
			if s == 0 {
				continue
			}
			count++
			idx := base | uint64(i)<<(uint(l)*radixShift)
			if l == 0 {
				if !fn(idx, s-1) {
					return false, nil
				}
				continue
			}
			if int(s-1) >= len(t.nodes) || s-1 == 0 {
				return false, fmt.Errorf("radix node %d slot %d points at bad node %d", id, i, s-1)
			}
			if more, err := rec(s-1, l-1, idx); !more || err != nil {
				return false, err
			}
		}
		if count != n.count {
			return false, fmt.Errorf("radix node %d counts %d entries but holds %d", id, n.count, count)
		}
		return true, nil
	}
	_, err := rec(0, t.height-1, 0)
	return err
}

// check verifies the tree's structure: node counts, entry count, and that
// every pool node is either reachable or free, never both.
func (t *radixTree) check() error {
	entries := 0
	if err := t.walk(func(uint64, uint32) bool { entries++; return true }); err != nil {
		return err
	}
	if entries != t.entries {
		return fmt.Errorf("radix tree counts %d entries but holds %d", t.entries, entries)
	}
	used := make([]bool, len(t.nodes))
	var mark func(id uint32, l int)
	mark = func(id uint32, l int) {
		used[id] = true
		if l == 0 {
			return
		}
		for _, s := range t.nodes[id].slots {
			if s != 0 {
				mark(s-1, l-1)
			}
		}
	}
	mark(0, t.height-1)
	for _, id := range t.free {
		if int(id) >= len(used) || id == 0 {
			return fmt.Errorf("radix pool free list holds bad node %d", id)
		}
		if used[id] {
			return fmt.Errorf("radix node %d is in the free pool twice, or both free and in the tree", id)
		}
		used[id] = true
	}
	for id, u := range used {
		if !u {
			return fmt.Errorf("radix node %d is neither in the tree nor in the free pool (leaked)", id)
		}
	}
	return nil
}
