package workloads

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lockbench/lockbench/internal/mthp"
	"github.com/lockbench/lockbench/schema"
)

// Workload names.
const (
	PageCache = "pagecache"
	CS        = "cs"
	Fault     = "fault" // the kernel's anonymous page faults
	Shmem     = "shmem" // the kernel's shmem (memfd) page cache
)

// A Knob is one setting of a Spec. Its value is the name key or file
// configuration key (package schema) the setting is written under, except
// KnobWorkers, which is written as schema.KeyThreads (see Key).
type Knob string

// The knobs. KnobWorkload, KnobWorkers, KnobLock and KnobDelay apply to
// every workload; the others to the workloads whose Info lists them.
const (
	KnobWorkload  Knob = schema.ConfWorkload  // Spec.Workload
	KnobWorkers   Knob = "workers"            // Spec.Workers
	KnobLock      Knob = schema.KeyLock       // Spec.Lock, and Spec.ClassLocks per class
	KnobDelay     Knob = schema.ConfDelay     // Spec.Delay, per class
	KnobMode      Knob = schema.KeyMode       // Spec.Mode
	KnobBatch     Knob = schema.KeyBatch      // Spec.Batch
	KnobFiles     Knob = schema.ConfFiles     // Spec.SharedFiles: shared or private
	KnobZones     Knob = schema.ConfZones     // Spec.Zones
	KnobTouch     Knob = schema.ConfTouch     // Spec.Touch
	KnobFilePages Knob = schema.ConfFilePages // Spec.FilePages
	KnobLines     Knob = schema.KeyLines      // Spec.Lines
	KnobThink     Knob = schema.KeyThink      // Spec.Think
)

// Knobs returns every knob: first those that apply to every workload,
// then the others.
func Knobs() []Knob {
	return append(commonKnobs(), KnobMode, KnobBatch, KnobFiles, KnobZones, KnobTouch, KnobFilePages, KnobLines, KnobThink)
}

func commonKnobs() []Knob { return []Knob{KnobWorkload, KnobWorkers, KnobLock, KnobDelay} }

// Key is the name key or configuration key the knob is written under.
func (k Knob) Key() string {
	if k == KnobWorkers {
		return schema.KeyThreads
	}
	return string(k)
}

// Info describes a registered workload: how to build it, which lock
// classes it takes, which knobs apply to it, and how its results are
// named and labelled.
type Info struct {
	Name string // Spec.Workload
	Doc  string // one line: what it models

	// Base is the benchmark base name of its result lines
	// (schema.BasePageCache: "BenchmarkPageCache/...").
	Base string
	// Per is the denominator of its units, what one Step's count counts:
	// schema.PerPage ("ns/page") or schema.PerOp ("ns/op").
	Per string
	// Classes are its lock classes, in path order.
	Classes []Class
	// Keys are the knobs written as name keys, in name order (the order
	// of schema.Keys). Per-class lock overrides that differ from Spec.Lock
	// follow KnobLock as schema.ClassLockKey(class)=lock.
	Keys []Knob
	// Labels are the knobs a CPU profile labels the workers with, in
	// order (the profiles package's label keys).
	Labels []Knob
	// Knobs are the knobs that apply to this workload besides those of
	// every workload (workload, workers, lock, delay); Spec.Validate
	// checks them and ignores the others. Those not among Keys are
	// written as file configuration lines, in this order.
	Knobs []Knob
	// Modes are the modes the workload runs, nil for every registered
	// mode (or none, for a workload without KnobMode).
	Modes []Mode

	build    func(*builder) (Workload, error)
	validate func(Spec) error // the workload's own knobs
	kind     mthp.Kind        // the kernel workloads' fault path
}

// Takes reports whether knob k applies to the workload. The lock and
// delay knobs apply only to a workload with lock classes: the kernel
// workloads take the kernel's locks, none of lockbench's.
func (i Info) Takes(k Knob) bool {
	if (k == KnobLock || k == KnobDelay) && len(i.Classes) == 0 {
		return false
	}
	return slices.Contains(commonKnobs(), k) || slices.Contains(i.Knobs, k)
}

// RunsMode reports whether the workload runs mode m.
func (i Info) RunsMode(m Mode) bool {
	if !slices.Contains(i.Knobs, KnobMode) {
		return false
	}
	return i.Modes == nil || slices.Contains(i.Modes, m)
}

// ModeList is the modes the workload runs, in historical order.
func (i Info) ModeList() []Mode {
	var out []Mode
	for _, m := range Modes() {
		if i.RunsMode(m) {
			out = append(out, m)
		}
	}
	return out
}

// Kernel reports whether the workload measures the running kernel (its
// mode large needs the THP settings of package mthp) rather than a model.
func (i Info) Kernel() bool { return i.kind != "" }

// THPKind is the fault path whose THP settings and counters the kernel
// workload uses: "anon" or "shmem"; "" for a model.
func (i Info) THPKind() string { return string(i.kind) }

// workloadTable registers the workloads. Adding a workload is one entry
// here, its build and validate functions, and its section of the package
// doc; TestWorkloadRegistry names what is missing.
func workloadTable() []Info {
	return []Info{
		{
			Name: PageCache, Doc: "the page-cache read path: zone, mapping, LRU and block-queue locks",
			Base: schema.BasePageCache, Per: schema.PerPage,
			Classes:  PageCacheClasses(),
			Keys:     []Knob{KnobMode, KnobBatch, KnobLock, KnobWorkers},
			Labels:   []Knob{KnobLock, KnobMode, KnobBatch, KnobWorkers},
			Knobs:    []Knob{KnobMode, KnobBatch, KnobFiles, KnobZones, KnobTouch, KnobFilePages},
			build:    func(b *builder) (Workload, error) { return newPageCache(b) },
			validate: validatePageCache,
		},
		{
			Name: CS, Doc: "one lock around a critical section of shared cache lines: the algorithms alone",
			Base: schema.BaseCS, Per: schema.PerOp,
			Classes:  []Class{ClassCS},
			Keys:     []Knob{KnobLock, KnobLines, KnobThink, KnobWorkers},
			Labels:   []Knob{KnobLock, KnobWorkers},
			Knobs:    []Knob{KnobLines, KnobThink},
			build:    func(b *builder) (Workload, error) { return newCS(b) },
			validate: validateCS,
		},
		{
			Name: Fault, Doc: "the running kernel's anonymous page faults: one fault per page, MADV_POPULATE_WRITE per batch, or one per large folio",
			Base: schema.BaseFault, Per: schema.PerPage,
			Keys:     []Knob{KnobMode, KnobBatch, KnobWorkers},
			Labels:   []Knob{KnobMode, KnobBatch, KnobWorkers},
			Knobs:    []Knob{KnobMode, KnobBatch},
			Modes:    kernelModes(),
			build:    func(b *builder) (Workload, error) { return buildKernel(b, mthp.Anon) },
			validate: validateKernel,
			kind:     mthp.Anon,
		},
		{
			Name: Shmem, Doc: "the running kernel's shmem page cache: faults into one shared memfd, holes punched to stay steady",
			Base: schema.BaseShmem, Per: schema.PerPage,
			Keys:     []Knob{KnobMode, KnobBatch, KnobWorkers},
			Labels:   []Knob{KnobMode, KnobBatch, KnobWorkers},
			Knobs:    []Knob{KnobMode, KnobBatch},
			Modes:    kernelModes(),
			build:    func(b *builder) (Workload, error) { return buildKernel(b, mthp.Shmem) },
			validate: validateKernel,
			kind:     mthp.Shmem,
		},
	}
}

// Lookup returns the registered workload with the given name. The error
// lists the valid names.
func Lookup(name string) (Info, error) {
	for _, i := range workloadTable() {
		if i.Name == name {
			return i, nil
		}
	}
	return Info{}, fmt.Errorf("unknown workload %q (known: %s)", name, strings.Join(Names(), ", "))
}

// All returns the registered workloads, the default first.
func All() []Info { return workloadTable() }

// Names returns the workload names, the default first.
func Names() []string {
	var n []string
	for _, i := range workloadTable() {
		n = append(n, i.Name)
	}
	return n
}

// Taking returns the names of the workloads that knob k applies to.
func Taking(k Knob) []string {
	var n []string
	for _, i := range workloadTable() {
		if i.Takes(k) {
			n = append(n, i.Name)
		}
	}
	return n
}
