package workloads

import "unsafe"

// PageSize is the size of one base page of data, as on x86-64 Linux.
const PageSize = 4096

// noPage terminates page lists and marks an empty link.
const noPage = ^uint32(0)

// Page is the model's struct page: 64 bytes, one cache line, all of them
// in one array (the memmap) so that pages are named by their number, as
// the kernel's pfn names them. Links are page numbers, not pointers: the
// memmap then holds no pointers, so the garbage collector never scans it
// and storing a link costs no write barrier on the measured path.
//
// In mode large one Page stands for a whole N-page unit (a large folio):
// one struct, one tree entry, one list entry for N pages of data.
type Page struct {
	Flags    uint64 // pg* bits: where the page is and what state it is in
	Next     uint32 // list link (struct page's lru): free list, pcp list, LRU, bio chain
	Prev     uint32 // list link, used by the doubly linked LRU
	Mapping  uint32 // file number + 1 of the page-cache file holding it, 0 when none
	Zone     uint16 // zone the page belongs to
	_        uint16
	Index    uint64 // offset in the file, in base pages (pgoff_t)
	Private  uint64 // bio number while the page is under I/O
	Refcount int32  // references: 1 while allocated, 0 when free
	Mapcount int32  // page-table mappings: always -1 here (page cache only)
	Pages    uint32 // base pages in this unit: 1, or N in mode large
	Owner    uint32 // worker whose per-thread list or bio holds the page
	_        uint64
}

// Page flags.
const (
	pgFree     uint64 = 1 << iota // on a zone's free list (PageBuddy)
	pgPCP                         // on a worker's per-thread free list
	pgLocked                      // under read I/O, in a bio (PG_locked)
	pgUptodate                    // data read (PG_uptodate)
	pgLRU                         // on an LRU list (PG_lru)
	pgLRUCache                    // waiting in a worker's LRU add cache
)

var _ [64 - unsafe.Sizeof(Page{})]struct{} // Page must not exceed one cache line.

// alignedPages returns n zeroed Pages starting on a 64-byte boundary, so
// that each Page is exactly one cache line. Page holds no pointers, so
// slicing inside a larger allocation is safe for the garbage collector.
func alignedPages(n int) []Page {
	buf := make([]Page, n+1)
	off := uintptr(unsafe.Pointer(&buf[0])) & 63
	if off == 0 {
		return buf[:n:n]
	}
	p := (*Page)(unsafe.Add(unsafe.Pointer(&buf[0]), 64-off))
	return unsafe.Slice(p, n)
}
