package workloads

import (
	"errors"
	"io"
	"os"
	"runtime"
	"slices"
	"testing"

	"github.com/lockbench/lockbench/internal/mthp"
	"github.com/lockbench/lockbench/schema"
)

// thpEnv, set to 1, lets TestKernelLargeFolios change the THP settings
// for the test (as root), restoring them after.
const thpEnv = "LOCKBENCH_THP_TEST"

var faultsUnit = schema.PerUnit(schema.StemFaults, schema.PerPage)

// TestKernelSmallFolios checks, from the kernel's own counters, that
// modes page and batch fault 4K folios, and from the page-faults counter
// that page takes one fault entry per page and batch none: the proof
// every line of these modes carries.
func TestKernelSmallFolios(t *testing.T) {
	for _, name := range []string{Fault, Shmem} {
		for _, mode := range []Mode{ModePage, ModeBatch} {
			t.Run(name+"/"+string(mode), func(t *testing.T) {
				wl := mustNew(t, Spec{Workload: name, Mode: mode, Batch: 16, Workers: 1})
				defer wl.(io.Closer).Close()
				steps := 3000 // past the end of the region: the release runs too
				if mode == ModeBatch {
					steps = 200
				}
				got := faultsOnThread(t, wl, steps)
				if fp, ok := got[schema.UnitFolioPages]; !ok {
					t.Logf("no folio-pages: the THP counters cannot be read here (%v)", thpProblem())
				} else if fp != 1 {
					t.Errorf("folio-pages = %v, want 1: MADV_NOHUGEPAGE should give 4K folios whatever the settings", fp)
				}
				f, ok := got[faultsUnit]
				if !ok {
					t.Skip("no page-faults software counter here: perf_event_open refused")
				}
				switch {
				case mode == ModePage && (f < 0.95 || f > 1.1):
					t.Errorf("faults/page = %v in mode page, want 1: one trap per page", f)
				case mode == ModeBatch && f > 0.05:
					t.Errorf("faults/page = %v in mode batch, want 0: MADV_POPULATE_WRITE faults inside the kernel", f)
				}
			})
		}
	}
}

// faultsOnThread runs the one worker of wl on a locked thread of its own,
// Begin and End included, so that its fault counter counts its steps (as
// the runner does: the counter is opened on the worker's thread at its
// first step), and returns End's metrics by unit. A *FallbackError skips
// the test.
func faultsOnThread(t *testing.T, wl Workload, steps int) map[string]float64 {
	t.Helper()
	got, err := onThread(wl, steps)
	var fe *FallbackError
	if errors.As(err, &fe) {
		t.Skipf("mode large fell back: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func onThread(wl Workload, steps int) (got map[string]float64, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread ends with its counter
		w := wl.Workers()[0]
		w.Step()
		m := wl.(Metered)
		if err = m.Begin(); err != nil {
			return
		}
		for range steps {
			w.Step()
		}
		if err = wl.Check(); err != nil {
			return
		}
		var ms []Metric
		ms, err = m.End()
		got = map[string]float64{}
		for _, x := range ms {
			got[x.Unit] = x.Value
		}
	}()
	<-done
	return got, err
}

func thpProblem() error {
	_, err := (mthp.Dir{}).ReadCounts(mthp.Anon)
	return err
}

// TestKernelLargeFolios checks mode large on this kernel: with the 64K
// settings it gets folio-pages 16 and one fault per folio; without them
// the window is a *FallbackError, never a line of mode large. Changing
// the settings needs root and LOCKBENCH_THP_TEST=1; they are restored
// after, from a saved file as a run does.
func TestKernelLargeFolios(t *testing.T) {
	if testing.Short() {
		t.Skip("faults 4 MiB regions")
	}
	for _, tt := range []struct {
		name string
		kind mthp.Kind
	}{{Fault, mthp.Anon}, {Shmem, mthp.Shmem}} {
		t.Run(tt.name, func(t *testing.T) {
			d := mthp.Dir{}
			plan, err := d.PlanFor(tt.kind, 64)
			if errors.Is(err, mthp.ErrNoMTHP) {
				t.Skipf("this kernel has no 64K folios: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !plan.Ready() {
				// The settings as found must not give a large line.
				wl := mustNew(t, Spec{Workload: tt.name, Mode: ModeLarge, Batch: 16, Workers: 1})
				_, err := onThread(wl, 300)
				wl.(io.Closer).Close()
				// Unless a larger size is on (the plan turns it off): then
				// the region may get larger folios, or not, as the kernel
				// finds free blocks of that size (seen both ways with
				// hugepages-2048kB inherit under a global madvise).
				larger := slices.ContainsFunc(plan.Changes, func(c mthp.Change) bool { return c.To == "never" })
				var fe *FallbackError
				if !errors.As(err, &fe) && !larger {
					t.Errorf("mode large with settings %s unchanged: End = %v, want a *FallbackError", plan.Files(), err)
				}
				if os.Geteuid() != 0 || os.Getenv(thpEnv) != "1" {
					t.Skipf("the THP settings do not give 64K folios (%s); as root, %s=1 go test -run TestKernelLargeFolios ./workloads/ sets them for the test and restores them", plan.Files(), thpEnv)
				}
				restore, err := d.Apply(plan, t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					if err := restore(); err != nil {
						t.Errorf("restoring the THP settings: %v", err)
					}
				}()
			}
			wl := mustNew(t, Spec{Workload: tt.name, Mode: ModeLarge, Batch: 16, Workers: 1})
			defer wl.(io.Closer).Close()
			got := faultsOnThread(t, wl, 300) // 4800 pages: past the region's end
			if fp := got[schema.UnitFolioPages]; fp < 15.9 || fp > 16.1 {
				t.Errorf("folio-pages = %v, want 16 (64K folios)", fp)
			}
			if f, ok := got[faultsUnit]; ok && (f < 0.05 || f > 0.08) {
				t.Errorf("faults/page = %v, want 1/16: one fault per 64K folio", f)
			}
		})
	}
}

// TestKernelStepDoesNotAllocate: a kernel workload's step is system calls
// and stores into mapped memory, nothing the garbage collector sees.
func TestKernelStepDoesNotAllocate(t *testing.T) {
	for _, name := range []string{Fault, Shmem} {
		for _, mode := range []Mode{ModePage, ModeBatch} {
			wl := mustNew(t, Spec{Workload: name, Mode: mode, Batch: 16, Workers: 1})
			w := wl.Workers()[0]
			runtime.LockOSThread()
			w.Step() // opens the fault counter
			if n := testing.AllocsPerRun(2000, func() { w.Step() }); n != 0 {
				t.Errorf("%s/%s: %v allocations per step, want 0", name, mode, n)
			}
			runtime.UnlockOSThread()
			wl.(io.Closer).Close()
		}
	}
}
