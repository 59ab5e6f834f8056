// Package locks provides interchangeable lock algorithms and the
// instrumented wrapper that measures them, as lockbench's stand-ins for the
// Linux kernel's zone, mapping, LRU and block-queue locks.
//
// It is the bottom of lockbench's stack and imports nothing of lockbench:
// package workloads builds the page-cache model on these locks, package
// harness runs it on pinned OS threads, and package profiles turns the
// stacks sampled here into pprof contention profiles.
//
// # Locks and handles
//
// A [Lock] is shared by the workers; each worker takes its own [Handle]
// from it before the run and uses only that Handle afterwards. Queue locks
// (MCS, CLH, qspinlock) keep the worker's queue node in the Handle, so a
// Handle must never be shared between goroutines, and Lock.Handle may
// allocate: call it at setup, never on the measured path. A Handle is a
// [sync.Locker] with TryLock, which takes the lock only if it is free at
// once.
//
// Algorithms are registered by short name (see [Lookup], [All], [Names]);
// each [Info] gives a one-line description, the source (paper or kernel
// file) and the properties a reader of a result needs: FIFO, spins,
// sleeps, queue-based, and MaxWorkers for "none", which excludes nothing
// and which [Info.CheckWorkers] refuses for more than one worker.
//
//	name      FIFO  spins  sleeps  queue  source
//	mutex      -     x      x       -     Go sync.Mutex
//	rwmutex    -     x      x       -     Go sync.RWMutex, write side
//	chan       x     -      x       -     one-slot channel
//	tas        -     x      -       -     Anderson 1990
//	ttas       -     x      -       -     Anderson 1990, exponential backoff
//	ticket     x     x      -       -     Mellor-Crummey & Scott 1991, proportional backoff
//	mcs        x     x      -       x     Mellor-Crummey & Scott 1991
//	clh        x     x      -       x     Craig 1993; Magnusson, Landin & Hagersten 1994
//	qspin      x     x      -       x     Linux kernel/locking/qspinlock.c
//	futex      -     -      x       -     Drepper, "Futexes Are Tricky" (Linux only)
//	spinpark   -     x      x       -     Linux kernel/locking/mutex.c (spin, then sleep)
//	none       -     -      -       -     no exclusion; one worker only
//	busted     -     -      -       -     locktorture's lock_busted; hidden, broken on purpose
//
// Spinning locks wait with a CPU-relax hint (PAUSE on amd64, YIELD on
// arm64) for a bounded budget ([Spin], set with [Info.NewSpin]), then
// yield the processor, then sleep briefly: they make progress when
// workers outnumber cores, at a cost that is highest for the FIFO locks,
// where a preempted waiter holds up every waiter behind it. A waiter that
// yields or sleeps is no longer the algorithm as written; the instrumented
// wrapper counts it ([Stats] Yields and Sleeps) at no cost to a bare lock.
// [DirectLoop] calls a Handle's methods without interface dispatch, to
// measure what the dispatch costs. Lock words and queue nodes are padded
// (128 bytes) against false sharing.
//
// # Measuring: the lockstat rule
//
// [Instrument] wraps any Lock and measures it as the kernel's lockstat
// does: every acquisition starts with TryLock, and only when that fails is
// the acquisition contended and its wait timed. The uncontended path is
// the TryLock, a counter increment and a compare of the holder word,
// nothing else: no clock read, no allocation, no write to memory shared
// with other workers beyond the lock's own line. Counters live in each
// worker's padded handle and are merged after the run ([Instrumented.Stats],
// [Stats.Merge]). Hold times and stacks are sampled every Nth acquisition
// ([Options]).
//
// A handoff is an acquisition whose previous holder was another worker.
// The holder is recorded inside the critical section on the lock's own
// cache line (every lock of this package keeps a holder word beside its
// lock word), so counting handoffs moves no extra line. A cheap
// acquisition under contention with few handoffs is one worker re-taking
// the lock: unfairness, not speed.
package locks
