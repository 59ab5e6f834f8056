package harness

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// TestOutputClaimed: a second Output of a claimed folder is refused at
// once, and default folders of one second never collide (item 2).
func TestOutputClaimed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o, err := CreateOutput(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateOutput(dir, true); !errors.Is(err, ErrOutputBusy) {
		t.Errorf("second CreateOutput of a held folder = %v, want ErrOutputBusy even with force", err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateOutput(dir, false); !errors.Is(err, ErrOutputExists) {
		t.Errorf("CreateOutput after the owner left = %v, want ErrOutputExists (results.txt is there)", err)
	}

	t.Chdir(t.TempDir())
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a, err := NewOutDir(now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewOutDir(now)
	if err != nil {
		t.Fatal(err)
	}
	if a == b || a != DefaultOutDir(now) {
		t.Errorf("NewOutDir twice in one second = %q, %q: want %q then another", a, b, DefaultOutDir(now))
	}
}

// TestForceRemovesOnlyOutputFiles: force clears lockbench's own files of
// an earlier run, left-over temporary files included, and nothing else
// (item 7).
func TestForceRemovesOnlyOutputFiles(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		removed bool
		reason  string
	}{
		{"results.txt", true, "replaced by the new run's"},
		{"plot-ns-page.svg", true, "an old plot"},
		{"mutex.pb.gz", true, "a profile of other locks"},
		{"report.html", true, "the old report"},
		{"notes.txt", false, "the user's"},
		{"plot.svg", false, "not plot-*.svg"},
		{"mine.pb.gz", false, "not a profile lockbench writes"},
	}
	for _, tt := range tests {
		if err := os.WriteFile(filepath.Join(dir, tt.name), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o, err := CreateOutput(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(dir, tt.name))
		gone := err != nil || string(b) != "x\n"
		if gone != tt.removed {
			t.Errorf("%s: removed=%v, want %v (%s)", tt.name, gone, tt.removed, tt.reason)
		}
	}
}

// TestRunnerMinimums: windows too short to measure and watchdog graces
// too short to tell a hang from a busy machine are refused, with the
// minimum in the message (items 8 and 12).
func TestRunnerMinimums(t *testing.T) {
	tests := []struct {
		set    func(*Runner)
		field  string
		want   string
		reason string
	}{
		{func(r *Runner) { r.Duration = time.Nanosecond }, FieldDuration, "minimum is 10ms", "1ns measured one page"},
		{func(r *Runner) { r.Duration = 9 * time.Millisecond }, FieldDuration, "minimum is 10ms", "just below the minimum"},
		{func(r *Runner) { r.Grace = 100 * time.Microsecond }, FieldGrace, "minimum is 50ms", "100us reported workers that were not stuck"},
		{func(r *Runner) { r.Grace = time.Microsecond }, FieldGrace, "minimum is 50ms", "1µs likewise"},
	}
	for _, tt := range tests {
		r := DefaultRunner
		tt.set(&r)
		err := r.Validate()
		fe, ok := errors.AsType[*FieldError](err)
		if !ok || fe.Field != tt.field || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want %s field error containing %q (%s)", err, tt.field, tt.want, tt.reason)
		}
	}
	r := DefaultRunner
	r.Duration, r.Grace = MinDuration, MinGrace
	if err := r.Validate(); err != nil {
		t.Errorf("the minimums themselves are refused: %v", err)
	}
}

// TestWorkerList: a watchdog message names few workers and counts many
// (item 16: 900 ids on one 3.4 KB line).
func TestWorkerList(t *testing.T) {
	many := make([]int, 897)
	for i := range many {
		many[i] = i + 127
	}
	tests := []struct {
		ids    []int
		n      int
		want   string
		reason string
	}{
		{[]int{3}, 4, "worker 3 of 4", "one worker"},
		{[]int{0, 2}, 4, "workers [0 2] of 4", "a few are listed"},
		{many, 1024, "897 of 1024 workers (127, 128, 129, 130, 131, 132, 133, ... 1023)", "many are counted"},
	}
	for _, tt := range tests {
		if got := workerList(tt.ids, tt.n); got != tt.want {
			t.Errorf("workerList = %q, want %q (%s)", got, tt.want, tt.reason)
		}
	}
	e := &WatchdogError{Case: Case{Spec: workloads.Spec{Workers: 1024, Lock: "x"}}, Phase: "measurement", Workers: many, Grace: time.Second}
	if n := len(e.Error()); n > 400 {
		t.Errorf("watchdog message is %d bytes: %s", n, e.Error())
	}
}

// TestEstimate: the estimate counts every repetition and saturates
// instead of overflowing (item 11).
func TestEstimate(t *testing.T) {
	p := DefaultPlan
	r := DefaultRunner
	p.Locks, p.Modes, p.Batches, p.Threads, p.Count = []string{"mcs"}, []workloads.Mode{workloads.ModePage}, []int{16}, []int{1, 2}, 3
	// 2 configurations x 3 timed, the floors (none at 1 thread, private
	// none at 2) x 3, and CountingReps counting repetitions per
	// configuration: 18, each as Runner.Estimate says, as `run --dry-run`
	// lists them.
	if got, want := Estimate(p, r), 18*r.Estimate(Case{}); got != want {
		t.Errorf("Estimate = %v, want %v (18 repetitions)", got, want)
	}
	var listed time.Duration
	for _, c := range p.Cases() {
		listed += r.Estimate(c)
	}
	if got := Estimate(p, r); got != listed {
		t.Errorf("Estimate = %v, the cases' estimates add up to %v", got, listed)
	}
	r.Duration = 2562047 * time.Hour
	if got := Estimate(p, r); got <= 0 || got < 24*time.Hour {
		t.Errorf("Estimate of an absurd plan = %v, want a saturated positive duration", got)
	}
}

// TestFileConfigZeroDefaults: a library user's zero Zones is recorded as
// the zone count that ran, not as 0 (item 9).
func TestFileConfigZeroDefaults(t *testing.T) {
	p := DefaultPlan
	p.Base.Zones = 0
	c := FileConfig(host.Machine{CPUs: 2}, &DefaultRunner, p, CounterSupport{})
	found := false
	for _, kv := range c {
		if kv.Key == workloads.KnobZones.Key() {
			found = true
			if string(kv.Value) != "1" {
				t.Errorf("zones: %s recorded, want 1 (what ran)", kv.Value)
			}
		}
	}
	if !found {
		t.Error("no zones configuration line")
	}
}

// TestFileConfigTurn: the turn recorded is the one in effect: a paired
// plan's bare timed slices are measured in turns, instrumented ones never
// (Case.Turnable), nor are a run's in another order.
func TestFileConfigTurn(t *testing.T) {
	turn := func(p Plan) string {
		for _, kv := range FileConfig(host.Machine{CPUs: 2}, &DefaultRunner, p, CounterSupport{}) {
			if kv.Key == schema.ConfTurn {
				return string(kv.Value)
			}
		}
		return "none"
	}
	p := DefaultPlan
	if got := turn(p); got != DefaultRunner.Turn.String() {
		t.Errorf("default plan: turn %s, want %v", got, DefaultRunner.Turn)
	}
	p.Timing = TimeInstrumented
	if got := turn(p); got != "0s" {
		t.Errorf("instrumented timing: turn %s, want 0s (never in turns)", got)
	}
	p = DefaultPlan
	p.Order = Interleaved
	if got := turn(p); got != "none" {
		t.Errorf("order %s: turn %s recorded, want no line (no paired blocks)", p.Order, got)
	}
}
