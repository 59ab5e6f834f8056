package footprint

import (
	"fmt"
	"runtime"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
)

// A Case is one configuration whose footprint is measured: a page-cache
// spec at one worker on bare locks (Morton's claim is about one CPU's
// footprint, and valgrind serialises threads anyway).
type Case struct {
	Spec workloads.Spec
}

// NewCase is the case of spec at one worker, bare, with its defaults
// filled (so that file-pages is the one that ran).
func NewCase(spec workloads.Spec) Case {
	spec.Workers, spec.Bare = 1, true
	return Case{Spec: spec.WithDefaults()}
}

// Name is the case's name as run writes it, "PageCache/mode=batch/
// batch=16/lock=mutex/threads=1", with GOMAXPROCS 1: a footprint line
// and a run line of one case share their name up to the -N suffix, so
// that benchstat puts them in one row when -N is left out (go test's
// default) or equal.
func (c Case) Name() schema.Name {
	n := schema.ParseName(benchfmt.Name(harness.Case{Spec: c.Spec}.Name()))
	n.Procs = 1
	return n
}

func (c Case) String() string { return c.Name().Case() }

// lap is the pages of one pass over the case's file: after two laps the
// model is in its steady state (every read misses the page cache and
// reclaims), whatever the batch.
func (c Case) lap() int { return c.Spec.FilePages }

// Pages is how many pages a differential measurement runs: first a
// warm-up of two laps of the file, then warm + measure. Both runs include
// the start-up, the build and the warm-up, which their difference
// removes, leaving measure pages of steady state.
func (c Case) Pages(measure int) (first, second int) {
	warm := 2 * c.lap()
	return warm, warm + max(measure, c.lap())
}

// A Model is a case's workload built and ready to step, on the calling
// goroutine only.
type Model struct {
	w  workloads.Workload
	wk workloads.Worker
}

// NewModel builds c's workload.
func NewModel(c Case) (*Model, error) {
	w, err := workloads.New(c.Spec)
	if err != nil {
		return nil, fmt.Errorf("building %s: %w", c, err)
	}
	return &Model{w: w, wk: w.Workers()[0]}, nil
}

// Run steps the model until it has processed at least pages pages and
// returns how many it processed (a step processes a whole batch).
func (m *Model) Run(pages int) int64 {
	var done int64
	for done < int64(pages) {
		done += int64(m.wk.Step())
	}
	return done
}

// Check is the workload's invariant check (page conservation).
func (m *Model) Check() error { return m.w.Check() }

// RunPages builds c and runs it for pages pages on a locked OS thread,
// then checks it: what the process under the simulator does. It returns
// the pages run.
func RunPages(c Case, pages int) (int64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m, err := NewModel(c)
	if err != nil {
		return 0, err
	}
	n := m.Run(pages)
	if err := m.Check(); err != nil {
		return 0, fmt.Errorf("%s after %d pages: %w", c, n, err)
	}
	return n, nil
}

// TimePages is the model's wall time per page natively, on a locked OS
// thread: after the warm-up of Case.Pages, one timed run of the measured
// pages. It is the time beside the footprint when no run results are
// given; on a busy machine it is as noisy as any timing, where the
// footprint is not.
func TimePages(c Case, measure int) (float64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m, err := NewModel(c)
	if err != nil {
		return 0, err
	}
	first, second := c.Pages(measure)
	m.Run(first)
	start := time.Now()
	n := m.Run(second - first)
	ns := float64(time.Since(start).Nanoseconds()) / float64(n)
	if err := m.Check(); err != nil {
		return 0, fmt.Errorf("%s: %w", c, err)
	}
	return ns, nil
}
