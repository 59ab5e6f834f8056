package profiles

import (
	"context"
	"runtime/pprof"
	"strconv"
	"testing"

	"github.com/lockbench/lockbench/locks"
)

func TestLabels(t *testing.T) {
	got := Labels("lock", "mcs", "mode", "batch", "threads", "2", "lock", "tas")
	if labelString(got) != "lock=tas mode=batch threads=2" {
		t.Errorf("Labels = %v, want the later lock to win", got)
	}
}

// testCase stands for a harness case in these tests: the labels that
// harness.Case.Labels gives a page-cache case (lock, mode, batch,
// threads), as harness and cmd/lockbench build records from them.
type testCase struct {
	lock, mode     string
	batch, threads int
}

func (c testCase) labels() []string {
	return []string{LabelLock, c.lock, LabelMode, c.mode, LabelBatch, strconv.Itoa(c.batch), LabelThreads, strconv.Itoa(c.threads)}
}

// record is the Record of one lock instance of the case: its labels,
// class, and lock set to the instance's algorithm ("" keeps the case's).
func (c testCase) record(class, lock string, st *locks.Stats) Record {
	l := append(c.labels(), LabelClass, class)
	if lock != "" {
		l = append(l, LabelLock, lock)
	}
	return Record{Labels: Labels(l...), Stats: st}
}

// context returns ctx with the case's labels, for the workers.
func (c testCase) context(ctx context.Context) context.Context {
	return pprof.WithLabels(ctx, pprof.Labels(c.labels()...))
}

// classContext returns ctx with class=class added, set around a class's
// critical section as workloads.Spec.Labels does.
func classContext(ctx context.Context, class string) context.Context {
	return pprof.WithLabels(ctx, pprof.Labels(LabelClass, class))
}
