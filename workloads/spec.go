package workloads

import (
	"fmt"
	"slices"
	"strconv"
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

// Value renders knob k as the results write it: the value of its name key
// ("mode=batch", "threads=2") or of its file configuration line
// ("files: shared", "file-pages: auto" when FilePages is 0 and sized per
// case, "delay: zone=200ns,lru=1us" in class order).
func (s Spec) Value(k Knob) string {
	switch k {
	case KnobWorkload:
		return s.Workload
	case KnobWorkers:
		return strconv.Itoa(s.Workers)
	case KnobLock:
		return s.Lock
	case KnobDelay:
		var d []string
		for _, c := range allClasses() {
			if v, ok := s.Delay[c]; ok {
				d = append(d, string(c)+"="+v.String())
			}
		}
		return strings.Join(d, ",")
	case KnobMode:
		return string(s.Mode)
	case KnobBatch:
		return strconv.Itoa(s.Batch)
	case KnobFiles:
		if s.SharedFiles {
			return "shared"
		}
		return "private"
	case KnobZones:
		return strconv.Itoa(s.Zones)
	case KnobTouch:
		return strconv.Itoa(s.Touch)
	case KnobFilePages:
		if s.FilePages == 0 {
			return "auto" // sized per case from batch and workers (WithDefaults)
		}
		return strconv.Itoa(s.FilePages)
	case KnobLines:
		return strconv.Itoa(s.Lines)
	case KnobThink:
		return strconv.Itoa(s.Think)
	}
	return ""
}

// A KnobError is an invalid value of one knob of a Spec. errors.As finds
// it, so that a caller can point at its own setting for Knob (a command
// line maps it to a flag); Err says what is wrong without naming the
// knob.
type KnobError struct {
	Knob  Knob
	Class Class // for KnobLock and KnobDelay: the class overridden; "" for Spec.Lock
	Err   error
}

func (e *KnobError) Error() string {
	if e.Class != "" {
		return fmt.Sprintf("%s for class %q: %v", e.Knob, e.Class, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Knob, e.Err)
}

func (e *KnobError) Unwrap() error { return e.Err }

func knobErr(k Knob, format string, a ...any) error {
	return &KnobError{Knob: k, Err: fmt.Errorf(format, a...)}
}

// Validate reports the first invalid knob of s as it is (call WithDefaults
// first to fill zero knobs), as a *KnobError saying what is valid, except
// for a model too large for memory, which names no single knob. Knobs
// that do not apply to s.Workload are not checked. Classes are checked in
// path order, so the same spec always gives the same error.
func (s Spec) Validate() error {
	info, err := Lookup(s.Workload)
	if err != nil {
		return &KnobError{Knob: KnobWorkload, Err: err}
	}
	if s.Workers < 1 || s.Workers > MaxWorkers {
		return knobErr(KnobWorkers, "must be between 1 and %d, not %d", MaxWorkers, s.Workers)
	}
	if s.Private {
		return s.validatePrivate()
	}
	classes := info.Classes
	checkLock := func(name string) error {
		l, err := locks.Lookup(name)
		if err != nil {
			return err
		}
		return l.CheckWorkers(s.Workers)
	}
	if info.Takes(KnobLock) {
		if err := checkLock(s.Lock); err != nil {
			return &KnobError{Knob: KnobLock, Err: err}
		}
	}
	for _, c := range sortedClasses(s.ClassLocks) {
		if !slices.Contains(classes, c) {
			return &KnobError{Knob: KnobLock, Class: c, Err: notAClass(info)}
		}
		if err := checkLock(s.LockFor(c)); err != nil {
			return &KnobError{Knob: KnobLock, Class: c, Err: err}
		}
	}
	for _, c := range sortedClasses(s.Delay) {
		d := s.Delay[c]
		if !slices.Contains(classes, c) {
			return &KnobError{Knob: KnobDelay, Class: c, Err: notAClass(info)}
		}
		if d < 0 || d > MaxDelay {
			return &KnobError{Knob: KnobDelay, Class: c, Err: fmt.Errorf("must be between 0 and %v, not %v", MaxDelay, d)}
		}
	}
	return info.validate(s)
}

// validatePrivate checks a Private spec: lock none for every class, and
// an instance (the spec at one worker) that is valid.
func (s Spec) validatePrivate() error {
	if s.Lock != locks.NoneName {
		return knobErr(KnobLock, "private instances run lock %q only, not %q", locks.NoneName, s.Lock)
	}
	for _, c := range sortedClasses(s.ClassLocks) {
		if l := s.ClassLocks[c]; l != locks.NoneName {
			return &KnobError{Knob: KnobLock, Class: c, Err: fmt.Errorf("private instances run lock %q only, not %q", locks.NoneName, l)}
		}
	}
	return s.instance().Validate()
}

// instance is one private instance of a Private spec: the spec at one
// worker.
func (s Spec) instance() Spec {
	s.Private, s.Workers = false, 1
	return s
}

func notAClass(info Info) error {
	return fmt.Errorf("not a lock class of workload %s (classes: %s)", info.Name, classList(info.Classes))
}

// sortedClasses returns the classes of m in path order, unknown ones
// last and sorted by name.
func sortedClasses[V any](m map[Class]V) []Class {
	var out []Class
	for c := range m {
		out = append(out, c)
	}
	rank := func(c Class) int {
		if i := slices.Index(allClasses(), c); i >= 0 {
			return i
		}
		return len(allClasses())
	}
	slices.SortFunc(out, func(a, b Class) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(string(a), string(b))
	})
	return out
}

// validateCS checks the cs workload's knobs.
func validateCS(s Spec) error {
	if s.Lines < 1 || s.Lines > MaxLines {
		return knobErr(KnobLines, "must be between 1 and %d, not %d", MaxLines, s.Lines)
	}
	if s.Think < 0 || s.Think > MaxThink {
		return knobErr(KnobThink, "must be between 0 and %d units, not %d", MaxThink, s.Think)
	}
	return nil
}

// validatePageCache checks the page-cache model's knobs and its size.
func validatePageCache(s Spec) error {
	if _, err := LookupMode(s.Mode); err != nil {
		return &KnobError{Knob: KnobMode, Err: err}
	}
	if s.Batch < 1 || s.Batch > MaxBatch {
		return knobErr(KnobBatch, "must be between 1 and %d pages, not %d", MaxBatch, s.Batch)
	}
	if s.Zones < 1 || s.Zones > MaxZones {
		return knobErr(KnobZones, "must be between 1 and %d, not %d", MaxZones, s.Zones)
	}
	if s.Touch < 0 || s.Touch > MaxTouch {
		return knobErr(KnobTouch, "must be between 0 and %d bytes per page, not %d", MaxTouch, s.Touch)
	}
	if need := minFilePages(s.Batch, s.Workers); s.FilePages < need || s.FilePages > MaxFilePages {
		if need > MaxFilePages {
			return fmt.Errorf("batch %d with %d workers needs files of %d pages, more than the %d allowed; use a smaller batch or fewer workers", s.Batch, s.Workers, need, MaxFilePages)
		}
		return knobErr(KnobFilePages, "must be between %d (16 × batch × workers) and %d, not %d", need, MaxFilePages, s.FilePages)
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

// kernelModes are the modes of the kernel workloads: the model's names
// for what the kernel can do today (see the package doc).
func kernelModes() []Mode { return []Mode{ModePage, ModeBatch, ModeLarge} }

// MaxLargeBatch is the largest folio of mode large, in pages: 2 MiB, the
// largest size the kernel's per-size settings offer on x86-64.
const MaxLargeBatch = 512

// validateKernel checks the kernel workloads' knobs. A large folio is a
// power of two of pages; whether the kernel has that size is for the
// THP settings to say (package mthp).
func validateKernel(s Spec) error {
	info, _ := Lookup(s.Workload)
	if !info.RunsMode(s.Mode) {
		return knobErr(KnobMode, "%s runs modes %s, not %q (the model's other modes have no counterpart in the kernel)", s.Workload, strings.Join(ModeStrings(info.ModeList()), ", "), s.Mode)
	}
	if s.Batch < 1 || s.Batch > MaxBatch {
		return knobErr(KnobBatch, "must be between 1 and %d pages, not %d", MaxBatch, s.Batch)
	}
	if s.Mode == ModeLarge && (s.Batch < 2 || s.Batch > MaxLargeBatch || s.Batch&(s.Batch-1) != 0) {
		return knobErr(KnobBatch, "mode large needs a folio size: a power of two between 2 and %d pages, not %d", MaxLargeBatch, s.Batch)
	}
	if mem := s.Workers * (regionBytes + s.Batch*PageSize); mem > MaxMemory {
		return fmt.Errorf("%d workers would fault %d MiB, more than %d MiB; use fewer workers", s.Workers, mem>>20, MaxMemory>>20)
	}
	return nil
}
