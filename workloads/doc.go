// Package workloads builds what the lock algorithms of package locks are
// measured on: the page-cache path of the Linux kernel, modelled with real
// data structures, and a micro workload for comparing locks alone. It sits
// between locks (below: Lookup, Instrument) and harness (above: it calls
// New, runs each Worker on a pinned thread and calls Check after the run).
//
// # The pagecache workload
//
// The model follows one read of a file through the chain Andrew Morton
// described in 2002: allocate pages under the zone lock, insert them into
// the page cache under the mapping lock, add them to the LRU under the LRU
// lock, and submit them to the block queue in a bio. Everything is
// preallocated by New; a step allocates nothing and reads no clock.
//
//   - Page is struct page: 64 bytes, all pages in one array (the memmap),
//     named by number. Each page has PageSize bytes of real data; a step
//     writes Spec.Touch bytes at the start of every base page it reads.
//   - A zone is a stack of free pages under the zone lock (Spec.Zones of
//     them; worker i is homed on zone i mod Zones and allocates, adds to
//     the LRU and reclaims there only; a zone with no worker holds no
//     pages).
//   - A mapping is one file's page cache: a 64-way radix tree from index
//     to page, as the kernel's radix tree and xarray, with its nodes taken
//     from a pool allocated up front. One file shared by all workers
//     (SharedFiles: the mapping lock is contended), or one file each; then
//     reclaim still takes other files' mapping locks, since a zone's LRU
//     mixes the files of the workers homed there.
//   - Each zone has an LRU: an intrusive doubly linked list through the
//     pages under the LRU lock; pages enter at the head, reclaim isolates
//     them from the tail.
//   - The queue is the block request queue: a list of in-flight bios under
//     the queue lock. A bio carries 1..N pages. The device is played by
//     the submitting worker: a bio completes two steps after it was
//     submitted (queueDepth), so the queue always holds requests. A page
//     under I/O is in its mapping and its bio, locked, and not yet on the
//     LRU; on completion it goes to the LRU.
//   - Reclaim keeps the model in steady state: after adding pages to the
//     LRU, a worker whose LRU holds more than its limit (a quarter of a
//     file's pages, split across zones) isolates as many units as it just
//     added from the tail, removes them from their mappings and frees them.
//
// A worker's Step reads its next chunk of the file: Batch pages, or one
// page in mode page. With a shared file, workers read disjoint chunks; the
// file is at least 16 × Batch × Workers pages, four times the cache, so
// every read misses and goes through the whole chain. An index found
// still cached (a worker descheduled for a whole lap of the file) is
// skipped and its page freed; it changes the counts below, never the
// invariants.
//
// # Modes and lock acquisitions
//
// The modes replay the kernel's history (DESIGN.md). Per base page, in
// steady state, with N = Batch, counting both the read (alloc, insert, LRU
// add, submit) and its share of completion and reclaim (isolate, delete,
// free), each class is taken:
//
//	mode     zone      mapping   lru       queue     what is batched
//	page     2         2         2         2         nothing: every lock per page (2.4)
//	pagevec  2         2         2/N       2         LRU add and isolate (2.5 pagevec)
//	batch    2/N       2/N       2/N       2/N       everything: alloc_pages_bulk, one bio
//	pcp      0         2         2/N       2/N       per-thread free list, LRU add cache, one bio
//	large    2/N       2/N       2/N       2/N       one N-page unit: one struct, one entry
//
// Read as: page takes the zone lock once to allocate and once to free each
// page; batch takes it once for a gang allocation of N pages and once for
// a bulk free of N; the queue lock is taken once to submit a bio and once
// to complete it, with one bio per page in modes page and pagevec and one
// per step otherwise. In mode pcp each worker has its own free list: it
// refills N pages from the zone under one acquisition when the list holds
// fewer than N, and frees reclaimed pages to it, draining N to the zone
// when it holds more than 3N. Since a worker frees as many pages as it
// allocates, in steady state with one worker the zone lock is never taken
// (0 per page); with several workers sharing an LRU, refills and drains
// happen when one worker's reclaim falls behind another's. Mode pcp's
// completed pages wait in a per-worker LRU add cache, drained under one
// acquisition when it holds N. Mode large is page mode with a unit of N
// pages: the memmap has one Page per unit, the tree one entry per unit,
// each list one link per unit.
//
// TestAcquisitionsPerPage asserts these numbers exactly, counted by the
// instrumented locks.
//
// # Invariants
//
// Check verifies page conservation after a run: every unit is in exactly
// one place — a zone's free list, a worker's per-thread free list, an
// in-flight bio (and its mapping), or its mapping together with an LRU or
// a worker's LRU add cache — lists are well linked, radix trees well
// formed with no node lost or shared, and the mappings hold exactly as
// many pages as the LRUs, bios and caches. A lock that does not exclude
// shows up as a page that is lost, or in two places. Such a lock may also
// corrupt the model badly enough to make a step misbehave; steps guard
// against indexes out of range so that Check, not a panic, reports it.
//
// # The cs workload
//
// One lock (class cs); the critical section increments Spec.Lines shared,
// padded cache lines, then the worker does Spec.Think rounds of private
// work (libslock's stress knobs). Check verifies that no increment was
// lost.
//
// # Knobs shared by both
//
// Spec.Delay spins a calibrated loop inside one class's critical sections
// (the user-space counterpart of perf lock contention -J: what would a
// faster lock there be worth?). The loop's speed is measured once at New,
// so no critical section reads a clock. Spec.Labels sets pprof labels per
// class around each critical section, so a CPU profile splits by class.
package workloads
