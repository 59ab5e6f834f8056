package workloads

import (
	"fmt"
	"unsafe"
)

// A csLine is one shared cache line of the cs critical section.
type csLine struct {
	v uint64
	_ [56]byte
}

// csWorkload is the cs micro workload: one lock whose critical section
// increments Lines shared cache lines, then Think rounds of private work.
type csWorkload struct {
	lines   []csLine
	workers []*csWorker
	locks   []ClassLock
}

var _ Workload = (*csWorkload)(nil)

type csWorker struct {
	_     pad
	l     classHandle
	lines []csLine
	think int64
	x     uint64 // private state of the think loop
	steps uint64 // critical sections done
	_     pad
}

var _ Worker = (*csWorker)(nil)

// Step takes the lock, writes every shared line, releases it, thinks, and
// returns 1.
func (w *csWorker) Step() int {
	w.l.lock()
	for i := range w.lines {
		w.lines[i].v++
	}
	w.l.unlock(&w.x)
	if w.think > 0 {
		w.x = spin(w.think, w.x)
	}
	w.steps++
	return 1
}

func newCS(b *builder) (*csWorkload, error) {
	s := b.spec
	l, err := b.newLock(ClassCS)
	if err != nil {
		return nil, err
	}
	// The lines start on a cache-line boundary: csLine holds no pointers,
	// so slicing inside a larger allocation is safe.
	buf := make([]csLine, s.Lines+1)
	off := uintptr(unsafe.Pointer(&buf[0])) & 63
	lines := buf[:s.Lines]
	if off != 0 {
		lines = unsafe.Slice((*csLine)(unsafe.Add(unsafe.Pointer(&buf[0]), 64-off)), s.Lines)
	}
	cs := &csWorkload{lines: lines, locks: b.locks}
	for i := range s.Workers {
		cs.workers = append(cs.workers, &csWorker{
			l: b.handle(l, ClassCS), lines: lines, think: int64(s.Think), x: uint64(i) + 1,
		})
	}
	return cs, nil
}

func (cs *csWorkload) Workers() []Worker {
	out := make([]Worker, len(cs.workers))
	for i, w := range cs.workers {
		out[i] = w
	}
	return out
}

func (cs *csWorkload) Locks() []ClassLock { return cs.locks }

// Check verifies that no increment was lost: every line was written once
// per critical section of every worker.
func (cs *csWorkload) Check() error {
	var total uint64
	for _, w := range cs.workers {
		total += w.steps
	}
	for i := range cs.lines {
		if v := cs.lines[i].v; v != total {
			return fmt.Errorf("cs line %d holds %d increments but the workers made %d critical sections: the lock let updates be lost", i, v, total)
		}
	}
	return nil
}
