package workloads

import (
	"context"
	"fmt"
	"time"

	"github.com/lockbench/lockbench/locks"
)

// A Class names one of the kernel locks the page-cache model stands in for.
type Class string

// The lock classes. ClassCS is the single lock of the cs micro workload.
const (
	ClassZone    Class = "zone"    // page allocator's zone->lock
	ClassMapping Class = "mapping" // page cache's mapping->i_pages lock (tree_lock in 2.4/2.6)
	ClassLRU     Class = "lru"     // pagemap_lru_lock / lruvec->lru_lock
	ClassQueue   Class = "queue"   // block request queue lock
	ClassCS      Class = "cs"      // the cs micro workload's one lock
)

// PageCacheClasses lists the page-cache model's classes in path order.
func PageCacheClasses() []Class { return []Class{ClassZone, ClassMapping, ClassLRU, ClassQueue} }

// A Worker is one thread's share of a workload. It is used by one
// goroutine only.
type Worker interface {
	// Step does one unit of work and returns the pages it processed: 1 in
	// mode page, the batch size in the batched modes; 1 "page" (operation)
	// per critical section in the cs workload. Step must not allocate in
	// steady state.
	Step() int
}

// A ClassLock is one lock instance of a workload and the class it plays.
// Several instances may share a class (one zone lock per zone, one
// mapping lock per private file).
type ClassLock struct {
	Class Class
	Name  string              // registry name of the algorithm
	Lock  *locks.Instrumented // nil when the workload was built bare
}

// A Workload is shared state built for a fixed number of workers.
type Workload interface {
	// Workers returns one Worker per thread; index i is worker i.
	Workers() []Worker
	// Locks returns every lock instance the workload takes.
	Locks() []ClassLock
	// Check verifies the workload's invariants after the workers have
	// stopped (page conservation for pagecache). A violation is an error
	// naming what is wrong.
	Check() error
}

// Spec describes a workload to build.
type Spec struct {
	Workload string // a registered workload: PageCache or CS (see Lookup)
	Workers  int

	// Lock is the algorithm for every class; ClassLocks overrides it per class.
	Lock       string
	ClassLocks map[Class]string
	// Bare builds the locks without instrumentation (to measure its cost).
	Bare       bool
	Instrument locks.Options
	// Private builds one private instance of the model per worker, each
	// the spec with one worker: no shared structure, no lock. It is the
	// no-lock scaling floor at Workers threads (what more threads cost
	// with nothing shared but the machine), and is valid with lock
	// "none" only, the one lock that is otherwise refused for several
	// workers.
	Private bool
	// Spin is the spinning locks' relax budget before a waiter yields
	// (locks.Spin). Unresolved, SpinAuto is locks.SharedSpin; a caller
	// that knows the CPUs (harness.Runner) resolves it first with
	// Spin.Resolve.
	Spin locks.Spin

	// Page-cache knobs.
	Mode        Mode
	Batch       int                     // pages per batch / large unit (default 16)
	Zones       int                     // number of zones (default 1)
	SharedFiles bool                    // all workers read one shared file (mapping lock contended) or a private file each
	FilePages   int                     // pages per file before reclaim must make room
	Touch       int                     // bytes of page data written per page, 0..4096 (default 64)
	Delay       map[Class]time.Duration // extra time inside a class's critical section

	// cs knobs.
	Lines int // shared cache lines written in the critical section
	Think int // units of private work after the critical section

	// Labels, when non-nil, are the pprof labels of the workers: each
	// worker sets Labels plus class=<class> on entering a class's critical
	// section (before it waits for the lock) and restores Labels after
	// releasing it, so that a CPU profile splits by lock class. The
	// contexts are built at New; a step neither allocates nor looks up
	// anything for them.
	Labels context.Context
}

// LockFor returns the algorithm name used for class c.
func (s Spec) LockFor(c Class) string {
	if n, ok := s.ClassLocks[c]; ok && n != "" {
		return n
	}
	return s.Lock
}

// allClasses lists the classes of every workload, page cache first.
func allClasses() []Class { return append(PageCacheClasses(), ClassCS) }

// A Metered workload measures what the kernel did in the measured
// window. The runner calls Begin right before the window and End right
// after it, each while no worker is in a Step, and writes End's metrics on
// the result line after its other units. An error of End fails the case:
// the window did not measure what its name says (see FallbackError).
type Metered interface {
	Begin() error
	End() ([]Metric, error)
}

// A Metric is one value a Metered workload measured, in a unit declared
// in package schema.
type Metric struct {
	Unit  string
	Value float64
}

// A FallbackError says a window of mode large did not get folios of the
// batch's size: the kernel fell back to smaller ones (Got is the mean
// folio size in pages, Fallbacks the faults the counters saw fall back),
// or its folio counters could not be read (Err). Such a window is not
// reported as large.
type FallbackError struct {
	Workload  string
	Batch     int
	Got       float64
	Fallbacks uint64
	Err       error
}

func (e *FallbackError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s mode large: cannot tell which folio size the kernel used, so the window is not reported: %v", e.Workload, e.Err)
	}
	return fmt.Sprintf("%s mode large fell back to small folios: %.3g pages per folio, want %d (%d fallbacks counted); the window is not reported as large (memory too fragmented for %d KiB folios, or the THP settings changed: see --kernel-setup)",
		e.Workload, e.Got, e.Batch, e.Fallbacks, e.Batch*PageSize/1024)
}

func (e *FallbackError) Unwrap() error { return e.Err }
