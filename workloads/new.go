package workloads

import (
	"fmt"
	"runtime/pprof"

	"github.com/lockbench/lockbench/locks"
)

// New builds the workload s describes, after filling its zero knobs with
// WithDefaults and validating it: the shared state and one Worker per
// s.Workers, each worker holding its own Handle of every lock it takes.
// Locks are instrumented with s.Instrument unless s.Bare.
func New(s Spec) (Workload, error) {
	s = s.WithDefaults()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.Private {
		return newPrivate(s)
	}
	b := builder{spec: s}
	for _, d := range s.Delay {
		if d > 0 && b.rate == 0 {
			b.rate = spinRate()
		}
	}
	info, err := Lookup(s.Workload)
	if err != nil {
		return nil, err // cannot happen: Validate looked it up
	}
	return info.build(&b)
}

// builder makes a workload's locks and its workers' handles.
type builder struct {
	spec  Spec
	rate  float64 // spin rounds per ns, measured once when a delay is set
	locks []ClassLock
}

// newLock makes one lock instance of class c and records it.
func (b *builder) newLock(c Class) (locks.Lock, error) {
	return b.newLockOpts(c, b.spec.Instrument)
}

// newLockOpts is newLock with instrumentation options of its own.
func (b *builder) newLockOpts(c Class, o locks.Options) (locks.Lock, error) {
	name := b.spec.LockFor(c)
	info, err := locks.Lookup(name) // Validate checked the name and the workers
	if err != nil {
		return nil, fmt.Errorf("%s lock: %w", c, err)
	}
	l := info.NewSpin(b.spec.Spin)
	cl := ClassLock{Class: c, Name: name}
	if !b.spec.Bare {
		il := locks.Instrument(l, o)
		cl.Lock = il
		l = il
	}
	b.locks = append(b.locks, cl)
	return l, nil
}

// handle takes a worker's handle on l for class c, with the class's
// delay and profiler labels computed now, so that the critical section
// does nothing but use them.
func (b *builder) handle(l locks.Lock, c Class) classHandle {
	h := classHandle{h: l.Handle(), spin: spinRounds(b.spec.Delay[c], b.rate)}
	if b.spec.Labels != nil {
		h.base = b.spec.Labels
		h.label = pprof.WithLabels(b.spec.Labels, pprof.Labels("class", string(c)))
	}
	return h
}

func newPageCache(b *builder) (*pageCache, error) {
	s := b.spec
	mode, err := LookupMode(s.Mode)
	if err != nil {
		return nil, err // cannot happen: Validate looked it up
	}
	g := newGeometry(s)
	pc := &pageCache{spec: s, geo: g}
	pc.pages = alignedPages(g.units)
	pc.data = make([]byte, g.memory())
	pc.zones = make([]zone, len(g.zoneUnits))
	pc.lrus = make([]lruList, len(g.zoneUnits))
	base := 0
	for z, nz := range g.zoneUnits {
		pc.zones[z].free = noPage
		pc.lrus[z] = lruList{head: noPage, tail: noPage, limit: g.zoneLimit[z]}
		// Pushed from the top, so the stack pops low page numbers first.
		for p := base + nz - 1; p >= base; p-- {
			pg := &pc.pages[p]
			pg.Zone, pg.Pages, pg.Mapcount, pg.Prev = uint16(z), uint32(g.unit), -1, noPage
			pc.zones[z].push(pc.pages, uint32(p))
		}
		base += nz
	}
	pc.maps = make([]mapping, g.files)
	for f := range pc.maps {
		pc.maps[f].tree = newRadixTree(g.fileUnits, g.units)
	}
	bioCap := (queueDepth + 1) * g.biosPerStep
	pc.bios = make([]bio, s.Workers*bioCap)
	pc.q.head, pc.q.tail = noPage, noPage

	// Locks, listed in path order: zones, mappings, LRUs, queue.
	zoneLocks := make([]locks.Lock, len(pc.zones))
	mapLocks := make([]locks.Lock, len(pc.maps))
	lruLocks := make([]locks.Lock, len(pc.lrus))
	for z := range zoneLocks {
		if zoneLocks[z], err = b.newLock(ClassZone); err != nil {
			return nil, err
		}
	}
	// With private files every worker of a zone holds a handle on every
	// mapping lock of that zone (reclaim meets their pages), so each lock
	// has that many handles: its per-handle stack buffer is cut in
	// proportion, to keep the samples' memory that of one handle per
	// worker.
	mapOpts := s.Instrument
	if wz := g.zoneWorkers[0]; !s.SharedFiles && wz > 1 && mapOpts.MaxStacks > 0 {
		mapOpts.MaxStacks = max(16, mapOpts.MaxStacks/wz)
	}
	for f := range mapLocks {
		if mapLocks[f], err = b.newLockOpts(ClassMapping, mapOpts); err != nil {
			return nil, err
		}
	}
	for z := range lruLocks {
		if lruLocks[z], err = b.newLock(ClassLRU); err != nil {
			return nil, err
		}
	}
	queueLock, err := b.newLock(ClassQueue)
	if err != nil {
		return nil, err
	}
	pc.locks = b.locks

	src := make([]byte, PageSize)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	nz := len(pc.zones)
	for i := range s.Workers {
		z := i % nz
		w := &pcWorker{
			id:    uint32(i),
			pages: pc.pages, data: pc.data, bios: pc.bios, q: &pc.q, maps: pc.maps,
			unit: g.unit, step: g.step,
			perUnitZone: mode.perUnit(ClassZone),
			perUnitMap:  mode.perUnit(ClassMapping),
			perUnitLRU:  mode.perUnit(ClassLRU),
			perUnitBio:  mode.perUnit(ClassQueue),
			pcp:         mode.PerThread,
			zone:        &pc.zones[z], lru: &pc.lrus[z],
			zoneL:  b.handle(zoneLocks[z], ClassZone),
			lruL:   b.handle(lruLocks[z], ClassLRU),
			queueL: b.handle(queueLock, ClassQueue),
			mapL:   make([]classHandle, len(pc.maps)),
			chunks: g.chunks, stride: 1,
			hand:    make([]uint32, 0, g.step),
			done:    make([]uint32, 0, g.step),
			victims: make([]uint32, 0, 2*g.step), // see reclaim
			pcpHead: noPage, pcpHigh: 3 * g.step, lcHead: noPage,
			bioBase: uint32(i * bioCap), bioCap: bioCap, bioLimit: queueDepth * g.biosPerStep,
			touch: s.Touch, src: src[:s.Touch],
		}
		if s.SharedFiles {
			w.stride, w.first = uint64(s.Workers), uint64(i)
			w.chunks = g.chunks / uint64(s.Workers)
		} else {
			w.file = i
		}
		// A worker reclaims from its zone's LRU, which holds pages of the
		// files of every worker homed on that zone: it needs their
		// mapping locks.
		for f := range pc.maps {
			if s.SharedFiles || f%nz == z {
				w.mapL[f] = b.handle(mapLocks[f], ClassMapping)
			}
		}
		pc.workers = append(pc.workers, w)
	}
	return pc, nil
}

// private is the workload of a Private spec: one instance per worker,
// each built from the spec at one worker and sharing nothing with the
// others.
type private struct {
	instances []Workload
}

var _ Workload = (*private)(nil)

func newPrivate(s Spec) (*private, error) {
	p := &private{}
	for range s.Workers {
		w, err := New(s.instance())
		if err != nil {
			return nil, err
		}
		p.instances = append(p.instances, w)
	}
	return p, nil
}

// Workers returns the one worker of each instance, in instance order.
func (p *private) Workers() []Worker {
	var out []Worker
	for _, w := range p.instances {
		out = append(out, w.Workers()...)
	}
	return out
}

// Locks returns every instance's locks (lock none).
func (p *private) Locks() []ClassLock {
	var out []ClassLock
	for _, w := range p.instances {
		out = append(out, w.Locks()...)
	}
	return out
}

// Check checks every instance's invariants.
func (p *private) Check() error {
	for i, w := range p.instances {
		if err := w.Check(); err != nil {
			return fmt.Errorf("private instance %d: %w", i, err)
		}
	}
	return nil
}
