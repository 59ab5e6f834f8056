package workloads

import (
	"context"
	"runtime/pprof"

	"github.com/lockbench/lockbench/locks"
)

// pad keeps shared structures on cache lines of their own, 128 bytes to
// cover the adjacent-line prefetcher: the model must not add false
// sharing that the kernel's structures do not have.
type pad [128]byte

// A zone is the page allocator's zone: a stack of free pages (hot pages
// are reused first) under the zone lock.
type zone struct {
	_      pad
	free   uint32 // top of the free stack
	nrFree int
	_      pad
}

// pop takes a page off the free stack, or returns noPage if it is empty.
func (z *zone) pop(pages []Page) uint32 {
	p := z.free
	if p == noPage || int(p) >= len(pages) {
		return noPage
	}
	pg := &pages[p]
	z.free = pg.Next
	z.nrFree--
	pg.Flags = 0
	pg.Refcount = 1
	pg.Next = noPage
	return p
}

// push returns page p to the free stack.
func (z *zone) push(pages []Page, p uint32) {
	pg := &pages[p]
	pg.Flags = pgFree
	pg.Refcount = 0
	pg.Mapping = 0
	pg.Next = z.free
	z.free = p
	z.nrFree++
}

// An lruList is an intrusive doubly linked LRU list under the LRU lock:
// pages enter at the head and reclaim isolates them from the tail.
type lruList struct {
	_          pad
	head, tail uint32
	count      int
	limit      int // reclaim runs while count exceeds it
	_          pad
}

// add puts page p at the head.
func (l *lruList) add(pages []Page, p uint32) {
	pg := &pages[p]
	pg.Flags = pg.Flags&^pgLRUCache | pgLRU
	pg.Prev = noPage
	pg.Next = l.head
	if l.head != noPage && int(l.head) < len(pages) {
		pages[l.head].Prev = p
	} else {
		l.tail = p
	}
	l.head = p
	l.count++
}

// isolate moves up to n pages from the tail to out and returns out.
func (l *lruList) isolate(pages []Page, n int, out []uint32) []uint32 {
	p := l.tail
	for ; n > 0 && p != noPage && int(p) < len(pages); n-- {
		pg := &pages[p]
		pg.Flags &^= pgLRU
		out = append(out, p)
		p = pg.Prev
		l.count--
	}
	l.tail = p
	if p != noPage && int(p) < len(pages) {
		pages[p].Next = noPage
	} else {
		l.head = noPage
	}
	return out
}

// A bio is one block I/O request: a chain of units linked through
// Page.Next, in flight from submission to completion.
type bio struct {
	first      uint32
	n          uint32
	next, prev uint32 // the queue's in-flight list
	owner      uint32
	_          [12]byte
}

// A queue is the block request queue: the list of in-flight bios under
// the queue lock.
type queue struct {
	_                    pad
	head, tail           uint32 // oldest and newest in-flight bio
	count                int
	submitted, completed uint64
	_                    pad
}

func (q *queue) append(bios []bio, id uint32) {
	b := &bios[id]
	b.next, b.prev = noPage, q.tail
	if q.tail != noPage && int(q.tail) < len(bios) {
		bios[q.tail].next = id
	} else {
		q.head = id
	}
	q.tail = id
	q.count++
	q.submitted++
}

func (q *queue) unlink(bios []bio, id uint32) {
	b := &bios[id]
	if b.prev != noPage && int(b.prev) < len(bios) {
		bios[b.prev].next = b.next
	} else {
		q.head = b.next
	}
	if b.next != noPage && int(b.next) < len(bios) {
		bios[b.next].prev = b.prev
	} else {
		q.tail = b.prev
	}
	b.next, b.prev = noPage, noPage
	q.count--
	q.completed++
}

// A mapping is one file's page cache: a radix tree from index (in units)
// to page, under the mapping lock.
type mapping struct {
	_    pad
	tree *radixTree
	_    pad
}

// pageCache is the shared state of the pagecache workload.
type pageCache struct {
	spec    Spec
	geo     geometry
	pages   []Page // the memmap
	data    []byte // page data, unit u at u*unit*PageSize
	zones   []zone
	lrus    []lruList
	maps    []mapping
	q       queue
	bios    []bio
	workers []*pcWorker
	locks   []ClassLock
}

var _ Workload = (*pageCache)(nil)

func (pc *pageCache) Workers() []Worker {
	out := make([]Worker, len(pc.workers))
	for i, w := range pc.workers {
		out[i] = w
	}
	return out
}

func (pc *pageCache) Locks() []ClassLock { return pc.locks }

// A classHandle is one worker's handle on one lock, with what it does on
// entering and leaving the critical section.
type classHandle struct {
	h     locks.Handle
	spin  int64           // delay rounds spun inside the critical section
	label context.Context // profiler labels for the section, nil for none
	base  context.Context // labels restored after it
}

func (c *classHandle) lock() {
	if c.label != nil {
		pprof.SetGoroutineLabels(c.label)
	}
	c.h.Lock()
}

func (c *classHandle) unlock(sink *uint64) {
	if c.spin > 0 {
		*sink = spin(c.spin, *sink)
	}
	c.h.Unlock()
	if c.label != nil {
		pprof.SetGoroutineLabels(c.base)
	}
}

// pcWorker is one thread of the pagecache workload. Its fields are its
// own; everything shared is reached through the locks.
type pcWorker struct {
	_     pad
	id    uint32
	pages []Page
	data  []byte
	bios  []bio
	q     *queue
	maps  []mapping

	// The mode's step (ModeInfo): units per step and base pages per
	// unit, the classes taken per unit, per-thread lists.
	unit, step  int
	perUnitZone bool // a zone lock acquisition per unit
	perUnitMap  bool // a mapping lock acquisition per unit
	perUnitLRU  bool // an LRU lock acquisition per unit
	perUnitBio  bool // one bio per unit
	pcp         bool // per-thread free list and LRU add cache (ModeInfo.PerThread)

	zone   *zone
	lru    *lruList
	zoneL  classHandle
	lruL   classHandle
	queueL classHandle
	mapL   []classHandle // by file; zero for files whose pages never reach this worker's LRU

	file   int
	chunk  uint64 // steps taken: selects the next chunk of the file
	chunks uint64 // chunks this worker cycles through
	stride uint64 // chunk number = first + stride*(chunk mod chunks)
	first  uint64

	hand    []uint32 // units allocated this step
	done    []uint32 // units whose bios completed this step
	victims []uint32 // units isolated for reclaim

	pcpHead  uint32 // per-thread free list
	pcpN     int
	pcpHigh  int    // drain above this many
	lcHead   uint32 // LRU add cache (pcp): completed pages not yet on the LRU
	lcN      int
	bioBase  uint32 // this worker's bios are bios[bioBase : bioBase+bioCap]
	bioCap   int
	bioHead  int // oldest in-flight bio, relative to bioBase
	bioN     int // bios in flight
	bioLimit int // complete while more than this many are in flight

	touch int
	src   []byte
	sink  uint64

	allocFails uint64 // allocations that found the free list empty
	collisions uint64 // inserts that found the index cached
	_          pad
}

var _ Worker = (*pcWorker)(nil)

// Step reads the worker's next chunk of its file through the whole chain
// and returns the pages inserted into the page cache. See the package doc
// for what each mode locks.
func (w *pcWorker) Step() int {
	w.allocate()
	w.fill()
	w.insert()
	k := len(w.hand)
	w.submit()
	w.complete()
	w.reclaim(w.lruAdd())
	w.chunk++
	return k * w.unit
}

// allocate fills w.hand with the step's units.
func (w *pcWorker) allocate() {
	w.hand = w.hand[:0]
	switch {
	case w.pcp:
		if w.pcpN < w.step {
			w.zoneL.lock()
			for range w.step {
				p := w.zone.pop(w.pages)
				if p == noPage {
					break
				}
				w.pcpPush(p)
			}
			w.zoneL.unlock(&w.sink)
		}
		for range w.step {
			p := w.pcpHead
			if p == noPage || int(p) >= len(w.pages) {
				w.allocFails++
				return
			}
			pg := &w.pages[p]
			w.pcpHead = pg.Next
			w.pcpN--
			pg.Flags, pg.Refcount, pg.Next = 0, 1, noPage
			w.hand = append(w.hand, p)
		}
	case w.perUnitZone:
		for range w.step {
			w.zoneL.lock()
			p := w.zone.pop(w.pages)
			w.zoneL.unlock(&w.sink)
			if p == noPage {
				w.allocFails++
				return
			}
			w.hand = append(w.hand, p)
		}
	default: // AllocBulk: the whole step under one acquisition
		w.zoneL.lock()
		for range w.step {
			p := w.zone.pop(w.pages)
			if p == noPage {
				w.allocFails++
				break
			}
			w.hand = append(w.hand, p)
		}
		w.zoneL.unlock(&w.sink)
	}
}

func (w *pcWorker) pcpPush(p uint32) {
	pg := &w.pages[p]
	pg.Flags = pgPCP
	pg.Refcount = 0
	pg.Mapping = 0
	pg.Owner = w.id
	pg.Next = w.pcpHead
	w.pcpHead = p
	w.pcpN++
}

// fill writes touch bytes at the start of every base page of the units in
// hand: the data the read brings in, and the cache footprint Morton
// wanted to shrink.
func (w *pcWorker) fill() {
	if w.touch == 0 {
		return
	}
	for _, p := range w.hand {
		base := int(p) * w.unit * PageSize
		for j := range w.unit {
			off := base + j*PageSize
			copy(w.data[off:off+w.touch], w.src)
		}
	}
}

// insert puts the units in hand into the page cache at the chunk's
// indexes and keeps in w.hand those it inserted. An index still cached
// (possible only when a worker is descheduled for a whole lap of the
// file) is skipped and its unit freed.
func (w *pcWorker) insert() {
	if len(w.hand) == 0 {
		return
	}
	c := w.first + w.stride*(w.chunk%w.chunks)
	key := c * uint64(w.step)
	m := &w.maps[w.file]
	mh := &w.mapL[w.file]
	kept := w.hand[:0]
	if !w.perUnitMap {
		mh.lock()
	}
	for i, p := range w.hand {
		if w.perUnitMap {
			mh.lock()
		}
		ok := m.tree.insert(key+uint64(i), p)
		if ok {
			pg := &w.pages[p]
			pg.Mapping = uint32(w.file) + 1
			pg.Index = (key + uint64(i)) * uint64(w.unit)
			pg.Flags |= pgLocked
		}
		if w.perUnitMap {
			mh.unlock(&w.sink)
		}
		if ok {
			kept = append(kept, p)
		} else {
			w.collisions++
			w.release(p)
		}
	}
	if !w.perUnitMap {
		mh.unlock(&w.sink)
	}
	w.hand = kept
}

// release frees one unit that could not be inserted.
func (w *pcWorker) release(p uint32) {
	if w.pcp {
		w.pcpPush(p)
		return
	}
	w.zoneL.lock()
	w.zone.push(w.pages, p)
	w.zoneL.unlock(&w.sink)
}

// submit sends the units in hand to the queue: one bio per unit in modes
// page and pagevec, one bio for the step otherwise.
func (w *pcWorker) submit() {
	if len(w.hand) == 0 {
		return
	}
	if !w.perUnitBio {
		w.submitBio(w.hand)
		return
	}
	for i := range w.hand {
		w.submitBio(w.hand[i : i+1])
	}
}

func (w *pcWorker) submitBio(units []uint32) {
	if w.bioN == w.bioCap {
		return // cannot happen: complete keeps bioN ≤ bioLimit < bioCap - step
	}
	id := w.bioBase + uint32((w.bioHead+w.bioN)%w.bioCap)
	b := &w.bios[id]
	b.first, b.n, b.owner = units[0], uint32(len(units)), w.id
	for i, p := range units {
		pg := &w.pages[p]
		pg.Private = uint64(id)
		pg.Owner = w.id
		pg.Next = noPage
		if i+1 < len(units) {
			pg.Next = units[i+1]
		}
	}
	w.bioN++
	w.queueL.lock()
	w.q.append(w.bios, id)
	w.queueL.unlock(&w.sink)
}

// complete plays the device: the worker's bios older than queueDepth
// steps complete, one queue lock acquisition each, and their units go to
// w.done, read and unlocked.
func (w *pcWorker) complete() {
	w.done = w.done[:0]
	for w.bioN > w.bioLimit {
		id := w.bioBase + uint32(w.bioHead)
		w.queueL.lock()
		w.q.unlink(w.bios, id)
		w.queueL.unlock(&w.sink)
		w.bioHead = (w.bioHead + 1) % w.bioCap
		w.bioN--
		b := &w.bios[id]
		p := b.first
		for range b.n {
			if p == noPage || int(p) >= len(w.pages) || len(w.done) == cap(w.done) {
				break
			}
			pg := &w.pages[p]
			pg.Flags = pg.Flags&^pgLocked | pgUptodate
			w.done = append(w.done, p)
			p = pg.Next
		}
	}
}

// lruAdd puts the completed units on the LRU and returns how many it
// added: one acquisition per unit in mode page, one per step in the
// batched modes; in mode pcp they wait in the worker's LRU add cache,
// which is drained under one acquisition once it holds a step's worth.
func (w *pcWorker) lruAdd() int {
	if len(w.done) == 0 {
		return 0
	}
	if w.pcp {
		for _, p := range w.done {
			pg := &w.pages[p]
			pg.Flags |= pgLRUCache
			pg.Next = w.lcHead
			w.lcHead = p
			w.lcN++
		}
		if w.lcN < w.step {
			return 0
		}
		n := 0
		w.lruL.lock()
		for p := w.lcHead; p != noPage && int(p) < len(w.pages) && n < w.lcN; n++ {
			next := w.pages[p].Next
			w.lru.add(w.pages, p)
			p = next
		}
		w.lruL.unlock(&w.sink)
		w.lcHead, w.lcN = noPage, 0
		return n
	}
	if w.perUnitLRU {
		for _, p := range w.done {
			w.lruL.lock()
			w.lru.add(w.pages, p)
			w.lruL.unlock(&w.sink)
		}
		return len(w.done)
	}
	w.lruL.lock()
	for _, p := range w.done {
		w.lru.add(w.pages, p)
	}
	w.lruL.unlock(&w.sink)
	return len(w.done)
}

// reclaim keeps the model in steady state: after a step added n units to
// the LRU, it isolates the LRU's excess over its limit from the tail (one
// acquisition), removes those units from their mappings and frees them,
// per unit or batched as the mode says. In steady state the excess is the
// n units just added. It is more when the LRU add cache of mode pcp
// drains more than a step at once (after a step that inserted fewer than
// a step, an index found cached), or when another worker's reclaim has
// not run yet; w.victims holds two steps, the most one add can be, so
// that each worker's reclaim removes at least what its own add put in
// and, once every worker has stopped, every LRU is within its limit
// (Check verifies it). Reclaiming only what the step added, at most a
// step, let the LRU grow for good by every short step's remainder, until
// the zone ran dry.
func (w *pcWorker) reclaim(n int) {
	if n == 0 {
		return
	}
	w.victims = w.victims[:0]
	w.lruL.lock()
	if excess := w.lru.count - w.lru.limit; excess > 0 {
		w.victims = w.lru.isolate(w.pages, min(excess, cap(w.victims)), w.victims)
	}
	w.lruL.unlock(&w.sink)
	if len(w.victims) == 0 {
		return
	}

	// Remove from the page cache: one acquisition per unit, or one per
	// run of units of the same file (one run in steady state: the LRU
	// holds whole steps of one file, added and isolated step by step).
	held := -1
	for _, p := range w.victims {
		pg := &w.pages[p]
		f := int(pg.Mapping) - 1
		if f < 0 || f >= len(w.mapL) || w.mapL[f].h == nil {
			continue // only a lock that does not exclude gets here; Check reports the page
		}
		if held != f || w.perUnitMap {
			if held >= 0 {
				w.mapL[held].unlock(&w.sink)
			}
			w.mapL[f].lock()
			held = f
		}
		w.maps[f].tree.delete(pg.Index / uint64(w.unit))
		pg.Mapping = 0
		if w.perUnitMap {
			w.mapL[f].unlock(&w.sink)
			held = -1
		}
	}
	if held >= 0 {
		w.mapL[held].unlock(&w.sink)
	}

	// Free: to the per-thread list (pcp, draining to the zone above the
	// high mark), per unit, or in bulk.
	switch {
	case w.pcp:
		for _, p := range w.victims {
			w.pcpPush(p)
		}
		w.pcpDrain()
	case w.perUnitZone:
		for _, p := range w.victims {
			w.zoneL.lock()
			w.zone.push(w.pages, p)
			w.zoneL.unlock(&w.sink)
		}
	default: // FreeBulk
		w.zoneL.lock()
		for _, p := range w.victims {
			w.zone.push(w.pages, p)
		}
		w.zoneL.unlock(&w.sink)
	}
}

// pcpDrain returns pages from the per-thread list to the zone, a step's
// worth at a time under one acquisition, until the list holds at most
// pcpHigh, as the kernel's free_unref_page_commit frees batches to the
// buddy allocator once pcp->count reaches pcp->high. A reclaim can free
// up to two steps, so one batch may not be enough.
func (w *pcWorker) pcpDrain() {
	if w.pcpN <= w.pcpHigh {
		return
	}
	w.zoneL.lock()
drain:
	for w.pcpN > w.pcpHigh {
		for range w.step {
			p := w.pcpHead
			if p == noPage || int(p) >= len(w.pages) {
				break drain // only a lock that does not exclude gets here; Check reports the list
			}
			w.pcpHead = w.pages[p].Next
			w.pcpN--
			w.zone.push(w.pages, p)
		}
	}
	w.zoneL.unlock(&w.sink)
}
