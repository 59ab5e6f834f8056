// Package workloads builds what the lock algorithms of package locks are
// measured on: the page-cache path of the Linux kernel, modelled with real
// data structures, and a micro workload for comparing locks alone. It sits
// between locks (below: Lookup, Instrument) and harness (above: it calls
// New, runs each Worker on a pinned thread and calls Check after the run).
//
// # Registries
//
// Workloads are registered as locks are: Lookup and All return an Info
// per workload (its lock classes, the knobs that apply to it, the
// benchmark base name, unit denominator, name keys and profile labels of
// its results), and a Spec is checked and built through it. The
// page-cache model's modes are registered likewise (LookupMode, ModeInfo:
// what a mode batches and how the model's step takes the locks). Adding
// a mode is one ModeInfo in modes.go plus its row in the table below and
// in the README; the registry tests name what is missing. Validate's
// errors are *KnobError values naming the knob that is wrong.
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
//     LRU, a worker isolates from the tail what its LRU holds beyond its
//     limit (a quarter of what one worker reads in a lap: its file, or
//     its share of a shared file; split across zones) — in steady
//     state as many units as it just added — removes them from their
//     mappings and frees them. Each worker's reclaim removes at least what
//     its own add put in, so once the workers stop every LRU is within its
//     limit, whatever the schedule.
//
// A worker's Step reads its next chunk of the file: Batch pages, or one
// page in mode page. With a shared file, workers read disjoint chunks,
// each a 1/Workers share of the file; a worker's lap (its file or its
// share, at least 16 × Batch pages) is four times the cache, so every
// read misses and goes through the whole chain, even when one worker runs
// on alone and the LRU holds its pages only. An index found still cached
// (its page isolated by another worker's reclaim that was descheduled
// before deleting it, for a whole lap) is skipped and its page freed; it
// changes the counts below, never the invariants.
//
// # Modes and lock acquisitions
//
// The modes replay the kernel's history (ModeInfo.Era). Per base page, in
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
// fewer than N, and frees reclaimed pages to it; above 3N (pcp->high) it
// drains batches of N back to the zone under one acquisition until it
// holds at most 3N. Since a worker frees as many pages as it allocates,
// in steady state with one worker the zone lock is never taken (0 per
// page); with several workers sharing an LRU, a worker's reclaim may take
// off more or less than it just added (another worker's add is pending,
// or was taken off by this one), the list absorbs the difference between
// N and 3N, and only a rare refill or drain takes the zone lock: about
// 10⁻⁵ acquisitions per page in the tests' schedules, balanced or not
// (the table's 0 to four decimals), though only one worker's 0 is exact. Mode pcp's completed pages wait in a
// per-worker LRU add cache, drained under one acquisition when it holds N
// (up to 2N-1 after a step that inserted fewer than N). Mode large is
// page mode with a unit of N pages: the memmap has one Page per unit, the
// tree one entry per unit, each list one link per unit.
//
// TestAcquisitionsPerPage asserts these numbers exactly for one worker,
// counted by the instrumented locks.
//
// # Invariants
//
// Check verifies page conservation after a run: every unit is in exactly
// one place — a zone's free list, a worker's per-thread free list, an
// in-flight bio (and its mapping), or its mapping together with an LRU or
// a worker's LRU add cache — lists are well linked, radix trees well
// formed with no node lost or shared, and the mappings hold exactly as
// many pages as the LRUs, bios and caches. It also checks the steady
// state: no allocation found its free list empty, every LRU is within its
// limit and every per-thread list within its high mark. The zone holds,
// beyond the LRU limit, 16 steps per worker homed there, more than a
// worker can hold outside the LRU at once (about 13: see transientSteps),
// so the model never runs out and needs no counterpart of the kernel's
// last resort of draining other CPUs' lists (drain_all_pages): a failed
// allocation is a bug in the model. A lock that does not exclude
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
// # The fault workload
//
// Morton's question asked of the running kernel (Linux 6.8+ with
// multi-size THP) instead of the model: each worker has a private
// anonymous region (one process, so with several workers one mm), and
// maps it page by page in the model's modes:
//
//   - page: one write fault per 4K page (the trap, the fault entry, a 4K
//     folio from the zone through the per-CPU lists, the memcg charge, the
//     LRU add through the per-CPU folio batches, one PTE);
//   - batch: madvise(MADV_POPULATE_WRITE) over Batch pages: one entry into
//     the kernel per batch, which still faults each page inside it (the
//     rest of the chain per page);
//   - large: one fault per Batch-page folio (MADV_HUGEPAGE on a region
//     aligned to the folio size, the size's setting madvise): one
//     allocation, one charge, one LRU add, one fault for Batch pages.
//
// Every mode writes one byte to each page. Modes page and batch set
// MADV_NOHUGEPAGE, so their folios are 4K whatever the settings. At the
// end of its region (regionBytes, at least 1024 pages) a worker gives it
// back with MADV_DONTNEED: the pages are unmapped, uncharged, taken off
// the LRU and freed, so every mode runs in steady state.
//
// The workload is Metered: each line carries folio-pages, the mean folio
// size the kernel allocated in the window by the per-size THP counters
// (package mthp), and faults/page, the fault entries counted by a
// page-faults software counter on each worker's thread (1 in mode page,
// 0 in mode batch, whose faults are taken inside the kernel, 1/Batch in
// mode large). A window of mode large whose folios came out smaller than
// Batch is a *FallbackError, never a line of mode large. The workload
// takes none of lockbench's locks: the lock and delay knobs do not apply.
//
// # The shmem workload
//
// The page cache of the running kernel: one memfd (a tmpfs file) of a
// region per worker, mapped shared once; each worker faults its own range
// of the one file, in the modes of the fault workload, so the file's
// mapping (its xarray lock, Morton's mapping lock) is shared by all
// workers. At the end of its range a worker punches a hole in it
// (fallocate PUNCH_HOLE), which removes the pages from the page cache and
// the LRU and frees them. Mode large needs the size's shmem_enabled set to
// advise and the top-level shmem_enabled never (see package mthp: on
// Linux 6.18 the top level set to advise gives a memfd every size, and a
// large region got 2M folios).
//
// # Knobs shared by both
//
// Spec.Delay spins a calibrated loop inside one class's critical sections
// (the user-space counterpart of perf lock contention -J: what would a
// faster lock there be worth?). The loop's speed is measured once at New,
// so no critical section reads a clock. Spec.Labels sets pprof labels per
// class around each critical section, so a CPU profile splits by class.
package workloads
