package workloads

import (
	"errors"
	"fmt"
)

// A place is where a unit is after a step: exactly one per unit.
type place struct {
	kind string // "free list", "per-thread list", "bio", "LRU", "LRU add cache"
	id   int    // zone, worker or bio number
}

// String says where: "on zone 0's LRU", "in in-flight bio 3".
func (p place) String() string {
	if p.kind == "bio" {
		return "in " + p.list()
	}
	return "on " + p.list()
}

// list names the list itself: "zone 0's LRU".
func (p place) list() string {
	switch p.kind {
	case "free list", "LRU":
		return fmt.Sprintf("zone %d's %s", p.id, p.kind)
	case "bio":
		return fmt.Sprintf("in-flight bio %d", p.id)
	default:
		return fmt.Sprintf("worker %d's %s", p.id, p.kind)
	}
}

// cached reports whether a unit in this place must also be in its
// mapping.
func (p place) cached() bool { return p.kind == "bio" || p.kind == "LRU" || p.kind == "LRU add cache" }

// maxReported caps the violations Check lists: a broken lock can corrupt
// thousands of pages and the first few say enough.
const maxReported = 8

// Check verifies page conservation after the workers have stopped: every
// unit is in exactly one place — a zone's free list, a worker's
// per-thread free list, an in-flight bio, or its mapping together with an
// LRU list or its worker's LRU add cache — lists are well linked, and each
// structure's count matches its contents. It also reports allocation
// failures, which mean the model was sized too small, and the steady
// state that rules them out: once every worker has stopped, reclaim has
// brought each LRU back within its limit and every per-thread list is
// within its high mark.
func (pc *pageCache) Check() error {
	var errs []error
	report := func(format string, a ...any) {
		if len(errs) < maxReported {
			errs = append(errs, fmt.Errorf(format, a...))
		} else if len(errs) == maxReported {
			errs = append(errs, errors.New("further violations omitted"))
		}
	}
	n := len(pc.pages)
	where := make([]place, n)
	put := func(p uint32, pl place) bool {
		if int(p) >= n {
			report("page %d %s is outside the memmap (%d pages)", p, pl, n)
			return false
		}
		if where[p].kind != "" {
			report("page %d is both %s and %s", p, where[p], pl)
			return false
		}
		where[p] = pl
		return true
	}
	// walkList follows Next links from head, at most n steps.
	walkList := func(head uint32, count int, pl place) {
		seen := 0
		for p := head; p != noPage; p = pc.pages[p].Next {
			if !put(p, pl) {
				return // a second visit: the list is cyclic or shared
			}
			if seen++; seen > n {
				return
			}
		}
		if seen != count {
			report("%s counts %d pages but holds %d", pl.list(), count, seen)
		}
	}

	for z := range pc.zones {
		walkList(pc.zones[z].free, pc.zones[z].nrFree, place{"free list", z})
	}
	for _, w := range pc.workers {
		walkList(w.pcpHead, w.pcpN, place{"per-thread list", int(w.id)})
		walkList(w.lcHead, w.lcN, place{"LRU add cache", int(w.id)})
		if w.allocFails > 0 {
			report("worker %d found its zone empty %d times: the model is sized too small", w.id, w.allocFails)
		}
		if w.pcpN > w.pcpHigh {
			report("worker %d's per-thread list counts %d pages, above its high mark of %d: it was not drained", w.id, w.pcpN, w.pcpHigh)
		}
	}
	inflight := 0
	prev, seen := noPage, 0
	for b := pc.q.head; b != noPage; b = pc.bios[b].next {
		if int(b) >= len(pc.bios) || seen > len(pc.bios) {
			report("queue's in-flight list is broken at bio %d", b)
			break
		}
		seen++
		bb := &pc.bios[b]
		if bb.prev != prev {
			report("bio %d links back to %d, not %d", b, bb.prev, prev)
		}
		prev = b
		walkList(bb.first, int(bb.n), place{"bio", int(b)})
		inflight += int(bb.n)
	}
	if seen != pc.q.count || pc.q.tail != prev {
		report("queue counts %d in-flight bios ending at %d but holds %d ending at %d", pc.q.count, pc.q.tail, seen, prev)
	}
	if pc.q.submitted-pc.q.completed != uint64(pc.q.count) {
		report("queue submitted %d bios and completed %d but holds %d", pc.q.submitted, pc.q.completed, pc.q.count)
	}
	lruTotal := 0
	for z := range pc.lrus {
		l := &pc.lrus[z]
		pl := place{"LRU", z}
		prev, seen := noPage, 0
		for p := l.head; p != noPage; p = pc.pages[p].Next {
			if !put(p, pl) {
				break
			}
			if pc.pages[p].Prev != prev {
				report("page %d on zone %d's LRU links back to %d, not %d", p, z, pc.pages[p].Prev, prev)
			}
			if pc.pages[p].Flags&pgLRU == 0 {
				report("page %d is on zone %d's LRU without PG_lru", p, z)
			}
			prev = p
			seen++
		}
		if seen != l.count || l.tail != prev {
			report("zone %d's LRU counts %d pages ending at %d but holds %d ending at %d", z, l.count, l.tail, seen, prev)
		}
		if l.count > l.limit {
			report("zone %d's LRU counts %d pages, above its limit of %d with every worker stopped: reclaim fell behind", z, l.count, l.limit)
		}
		lruTotal += seen
	}

	// Mappings: every entry names a page that must be cached there.
	inMap := make([]int, n)
	entries := 0
	for f := range pc.maps {
		t := pc.maps[f].tree
		if err := t.check(); err != nil {
			report("file %d: %w", f, err)
			continue
		}
		_ = t.walk(func(index uint64, p uint32) bool {
			entries++
			if int(p) >= n {
				report("file %d index %d holds page %d, outside the memmap", f, index, p)
				return true
			}
			inMap[p]++
			pg := &pc.pages[p]
			if pg.Mapping != uint32(f)+1 || pg.Index != index*uint64(pc.geo.unit) {
				report("page %d is in file %d at index %d but says file %d index %d", p, f, index*uint64(pc.geo.unit), int(pg.Mapping)-1, pg.Index)
			}
			return true
		})
	}

	for p := range n {
		pl := where[p]
		switch {
		case pl.kind == "":
			if inMap[p] > 0 {
				report("page %d is in its mapping but on no list (lost from the LRU)", p)
			} else {
				report("page %d is nowhere (lost)", p)
			}
		case pl.cached() && inMap[p] != 1:
			report("page %d is %s and in %d mapping entries, want 1", p, pl, inMap[p])
		case !pl.cached() && inMap[p] != 0:
			report("page %d is %s but still in a mapping", p, pl)
		}
		if pl.kind == "free list" && int(pc.pages[p].Zone) != pl.id {
			report("page %d of zone %d is on zone %d's free list", p, pc.pages[p].Zone, pl.id)
		}
	}
	cached := lruTotal + inflight
	for _, w := range pc.workers {
		cached += w.lcN
	}
	if entries != cached {
		report("the mappings hold %d pages but the LRUs, bios and LRU add caches %d", entries, cached)
	}
	return errors.Join(errs...)
}
