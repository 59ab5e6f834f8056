package workloads

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lockbench/lockbench/locks"
)

// Limits on the knobs. Values beyond them are errors, not clamps: a user
// who asks for them has made a typo.
const (
	MaxWorkers   = 1024
	MaxBatch     = 1024
	MaxZones     = 64
	MaxTouch     = PageSize
	MaxFilePages = 1 << 18
	MaxLines     = 4096
	MaxThink     = 1 << 24
	MaxDelay     = time.Millisecond
	// MaxMemory caps the page data the model allocates.
	MaxMemory = 1 << 30
)

// DefaultSpec is the spec the command line starts from: the pagecache
// workload in mode batch, 16-page batches, one zone, one shared file, one
// cache line of data written per page (Morton's "L1 cache footprint"), and
// a cs critical section writing one line with no think time. FilePages 0
// means "sized from workers and batch" (see WithDefaults).
var DefaultSpec = Spec{
	Workload:    PageCache,
	Workers:     1,
	Lock:        "mutex",
	Instrument:  locks.DefaultOptions,
	Mode:        ModeBatch,
	Batch:       16,
	Zones:       1,
	SharedFiles: true,
	Touch:       64,
	Lines:       1,
	Think:       0,
}

// WithDefaults returns s with the knobs whose zero value is not valid
// filled from DefaultSpec: Workload, Workers, Lock, Mode, Batch, Zones,
// Lines. FilePages 0 becomes max(1024, 16 × Batch × Workers) pages: a
// few MB of model, at least 16 batches per worker so that a worker's
// reads always miss the cache (see Validate). Touch, Think, SharedFiles,
// Bare and Instrument keep their values, since their zero values mean
// something (touch nothing, no think time, private files, no sampling):
// start from DefaultSpec to get their defaults.
func (s Spec) WithDefaults() Spec {
	d := DefaultSpec
	if s.Workload == "" {
		s.Workload = d.Workload
	}
	if s.Workers == 0 {
		s.Workers = d.Workers
	}
	if s.Lock == "" {
		s.Lock = d.Lock
	}
	if s.Mode == "" {
		s.Mode = d.Mode
	}
	if s.Batch == 0 {
		s.Batch = d.Batch
	}
	if s.Zones == 0 {
		s.Zones = d.Zones
	}
	if s.Lines == 0 {
		s.Lines = d.Lines
	}
	if s.FilePages == 0 && s.Batch > 0 && s.Workers > 0 {
		s.FilePages = max(1024, minFilePages(s.Batch, s.Workers))
	}
	return s
}

// minFilePages is the smallest file for batch and workers: a worker's lap
// (the file, or its 1/workers share of a shared file) is then at least 16
// batches, and the page cache holds a quarter of a lap plus what the
// worker has in flight (see newGeometry), so that a worker coming back to
// an index always finds it evicted and every step goes through the whole
// chain.
func minFilePages(batch, workers int) int { return 16 * batch * workers }

// Classes returns the lock classes the spec's workload takes.
func (s Spec) Classes() []Class {
	if s.Workload == CS {
		return []Class{ClassCS}
	}
	return PageCacheClasses()
}

// Validate reports the first invalid knob of s as it is (call WithDefaults
// first to fill zero knobs). Each error is one line saying what is valid.
func (s Spec) Validate() error {
	if !slices.Contains(Names(), s.Workload) {
		return fmt.Errorf("unknown workload %q (known: %s)", s.Workload, strings.Join(Names(), ", "))
	}
	if s.Workers < 1 || s.Workers > MaxWorkers {
		return fmt.Errorf("workers must be between 1 and %d, not %d", MaxWorkers, s.Workers)
	}
	classes := s.Classes()
	for c := range s.ClassLocks {
		if !slices.Contains(classes, c) {
			return fmt.Errorf("lock for class %q: workload %s has classes %s", c, s.Workload, classList(classes))
		}
	}
	for _, c := range classes {
		info, err := locks.Lookup(s.LockFor(c))
		if err != nil {
			return fmt.Errorf("%s lock: %w", c, err)
		}
		if err := info.CheckWorkers(s.Workers); err != nil {
			return fmt.Errorf("%s lock: %w", c, err)
		}
	}
	for c, d := range s.Delay {
		if !slices.Contains(classes, c) {
			return fmt.Errorf("delay for class %q: workload %s has classes %s", c, s.Workload, classList(classes))
		}
		if d < 0 || d > MaxDelay {
			return fmt.Errorf("delay for class %s must be between 0 and %v, not %v", c, MaxDelay, d)
		}
	}
	if s.Workload == CS {
		if s.Lines < 1 || s.Lines > MaxLines {
			return fmt.Errorf("cs lines must be between 1 and %d, not %d", MaxLines, s.Lines)
		}
		if s.Think < 0 || s.Think > MaxThink {
			return fmt.Errorf("cs think must be between 0 and %d units, not %d", MaxThink, s.Think)
		}
		return nil
	}
	if !slices.Contains(Modes(), s.Mode) {
		var m []string
		for _, x := range Modes() {
			m = append(m, string(x))
		}
		return fmt.Errorf("unknown mode %q (known: %s)", s.Mode, strings.Join(m, ", "))
	}
	if s.Batch < 1 || s.Batch > MaxBatch {
		return fmt.Errorf("batch must be between 1 and %d pages, not %d", MaxBatch, s.Batch)
	}
	if s.Zones < 1 || s.Zones > MaxZones {
		return fmt.Errorf("zones must be between 1 and %d, not %d", MaxZones, s.Zones)
	}
	if s.Touch < 0 || s.Touch > MaxTouch {
		return fmt.Errorf("touch must be between 0 and %d bytes per page, not %d", MaxTouch, s.Touch)
	}
	if need := minFilePages(s.Batch, s.Workers); s.FilePages < need || s.FilePages > MaxFilePages {
		if need > MaxFilePages {
			return fmt.Errorf("batch %d with %d workers needs files of %d pages, more than the %d allowed; use a smaller batch or fewer workers", s.Batch, s.Workers, need, MaxFilePages)
		}
		return fmt.Errorf("file pages must be between %d (16 × batch × workers) and %d, not %d", need, MaxFilePages, s.FilePages)
	}
	g := newGeometry(s)
	if mem := g.memory(); mem > MaxMemory {
		return fmt.Errorf("the model would need %d MiB of page data, more than %d MiB; use fewer file pages, a smaller batch or fewer workers", mem>>20, MaxMemory>>20)
	}
	if mem := g.overhead(s); mem > MaxMemory {
		return fmt.Errorf("the model would need %d MiB for radix trees and lock instrumentation, more than %d MiB; use shared files, more zones, fewer file pages or fewer workers", mem>>20, MaxMemory>>20)
	}
	return nil
}

func classList(cs []Class) string {
	var n []string
	for _, c := range cs {
		n = append(n, string(c))
	}
	return strings.Join(n, ", ")
}
