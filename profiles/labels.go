package profiles

import (
	"context"
	"runtime/pprof"
	"strconv"

	"github.com/lockbench/lockbench/locks"
)

// The label keys of every lockbench profile. All values are strings (also
// batch and threads): `go tool pprof -tagfocus` reads a bare number as a
// numeric range, which string labels never match, so the commands from
// Commands anchor values as regexps (-tagfocus='threads=^2$').
const (
	LabelClass   = "class"   // lock class: zone, mapping, lru, queue, cs
	LabelLock    = "lock"    // lock algorithm's registry name
	LabelMode    = "mode"    // workload mode: page, pagevec, batch, pcp, large
	LabelBatch   = "batch"   // pages per batch
	LabelThreads = "threads" // workers of the case
)

// A Case names one case of a sweep by the labels its profiles carry.
type Case struct {
	Lock    string // algorithm (Spec.Lock)
	Mode    string
	Batch   int
	Threads int
}

// Labels returns the case's labels as a map: lock, mode, batch, threads.
// Empty strings and zero numbers are left out.
func (c Case) Labels() map[string]string {
	m := make(map[string]string, 5)
	put := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put(LabelLock, c.Lock)
	put(LabelMode, c.Mode)
	if c.Batch > 0 {
		put(LabelBatch, strconv.Itoa(c.Batch))
	}
	if c.Threads > 0 {
		put(LabelThreads, strconv.Itoa(c.Threads))
	}
	return m
}

// LabelSet returns the case's labels for runtime/pprof, for pprof.Do.
func (c Case) LabelSet() pprof.LabelSet {
	var kv []string
	for _, k := range []string{LabelLock, LabelMode, LabelBatch, LabelThreads} {
		if v, ok := c.Labels()[k]; ok {
			kv = append(kv, k, v)
		}
	}
	return pprof.Labels(kv...)
}

// Context returns ctx carrying the case's labels. A worker goroutine that
// calls pprof.SetGoroutineLabels(c.Context(ctx)) once at its start is
// attributed to the case in the CPU profile, and so are goroutines it
// starts.
func (c Case) Context(ctx context.Context) context.Context {
	return pprof.WithLabels(ctx, c.LabelSet())
}

// ClassContext returns ctx with the label class=class added. Build one per
// class before the run; around a class's critical section a worker calls
// pprof.SetGoroutineLabels(classCtx) and afterwards
// pprof.SetGoroutineLabels(ctx) again. Each call is one pointer store (no
// allocation, no clock), which is why labelling every critical section is
// cheap enough for the measured path.
func ClassContext(ctx context.Context, class string) context.Context {
	return pprof.WithLabels(ctx, pprof.Labels(LabelClass, class))
}

// Record returns the Record of one lock instance of the case: the case's
// labels plus class, and lock set to the instance's algorithm (a class may
// use another algorithm than c.Lock; an empty lock keeps c.Lock).
func (c Case) Record(class, lock string, st *locks.Stats) Record {
	l := c.Labels()
	if class != "" {
		l[LabelClass] = class
	}
	if lock != "" {
		l[LabelLock] = lock
	}
	return Record{Labels: l, Stats: st}
}

// Labels returns the labels of key, value pairs, as pprof.Labels takes
// them and harness.Case.Labels returns them; a later pair overrides an
// earlier one with the same key. An odd count is a programming error and
// panics, as in pprof.Labels.
func Labels(kv ...string) map[string]string {
	if len(kv)%2 != 0 {
		panic("profiles.Labels: odd number of strings")
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}
