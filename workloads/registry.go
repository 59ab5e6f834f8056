package workloads

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lockbench/lockbench/schema"
)

// Workload names.
const (
	PageCache = "pagecache"
	CS        = "cs"
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

	build    func(*builder) (Workload, error)
	validate func(Spec) error // the workload's own knobs
}

// Takes reports whether knob k applies to the workload.
func (i Info) Takes(k Knob) bool {
	return slices.Contains(commonKnobs(), k) || slices.Contains(i.Knobs, k)
}

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
