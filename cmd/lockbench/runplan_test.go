package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"
)

// TestRunPlanIsTheLibrarys: the plan and runner run builds from its
// flags are those a library user builds from harness.DefaultPlan and
// harness.DefaultRunner, and harness.Prepare (what NewSweep runs) turns
// both into the same cases, seed and configuration lines. The run's
// policy (a profiled run's timing, the seeds, the adaptive budget and
// target) is the library's, so a library sweep cannot drift from the
// command's.
func TestRunPlanIsTheLibrarys(t *testing.T) {
	tests := []struct {
		args   []string
		edit   func(p *harness.Plan, r *harness.Runner)
		clock  bool // the seed is drawn from the clock: equal but for it
		reason string
	}{
		{nil, func(*harness.Plan, *harness.Runner) {}, true, "no flags are the defaults, adaptive, a seed from the clock"},
		{[]string{"--shard", "2/3"}, func(p *harness.Plan, _ *harness.Runner) { p.Shard = schema.Shard{K: 2, N: 3} },
			false, "a shard's seed is drawn from the plan's ID, alike on every machine"},
		{[]string{"--shard", "1/1", "--machine", "box-a"}, func(p *harness.Plan, r *harness.Runner) { p.Shard, r.Machine = schema.Shard{K: 1, N: 1}, "box-a" },
			false, "a machine running the whole plan as shard 1/1 draws the other machines' seed"},
		{[]string{"--profile", "--seed", "9"}, func(p *harness.Plan, r *harness.Runner) { p.Seed, r.Labels = 9, true },
			false, "a profiled run times every repetition instrumented, in the library too"},
		{[]string{"--count", "4", "--seed", "3"}, func(p *harness.Plan, _ *harness.Runner) { p.Count, p.Budget, p.Seed = 4, 0, 3 },
			false, "--count asks for a fixed number of blocks: no budget"},
		{[]string{"--budget", "10s", "--target-ci", "2%", "--seed", "5"}, func(p *harness.Plan, _ *harness.Runner) { p.Budget, p.Target, p.Seed = 10*time.Second, 0.02, 5 },
			false, "the budget and target are the plan's"},
		{[]string{"--timing", "instrumented", "--order", "interleaved", "--seed", "5"}, func(p *harness.Plan, _ *harness.Runner) {
			p.Timing, p.Order, p.Seed = harness.TimeInstrumented, harness.Interleaved, 5
		}, false, "a run in another order has a budget it does not use, as the library's"},
	}
	m := host.Machine{CPUs: 2, Name: "test-machine"}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			cmd, f := runCommand()
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			cp, cr, err := f.parse(cmd)
			if err != nil {
				t.Fatal(err)
			}
			lp, lr := harness.DefaultPlan, harness.DefaultRunner
			tt.edit(&lp, &lr)
			if !reflect.DeepEqual(cp, lp) || !reflect.DeepEqual(cr, lr) {
				t.Errorf("run builds\n%+v\n%+v\nthe library\n%+v\n%+v\n%s", cp, cr, lp, lr, tt.reason)
			}
			cp, err = harness.Prepare(cp, cr)
			if err != nil {
				t.Fatal(err)
			}
			lp, err = harness.Prepare(lp, lr)
			if err != nil {
				t.Fatal(err)
			}
			if cp.Seed == 0 || lp.Seed == 0 {
				t.Fatalf("seeds %d and %d: Prepare draws a seed, never 0", cp.Seed, lp.Seed)
			}
			if tt.clock {
				lp.Seed = cp.Seed
			}
			if !reflect.DeepEqual(cp, lp) {
				t.Errorf("prepared, run's plan\n%+v\nis not the library's\n%+v\n%s", cp, lp, tt.reason)
			}
			if !reflect.DeepEqual(cp.Cases(), lp.Cases()) {
				t.Errorf("run's cases differ from the library's: %s", tt.reason)
			}
			cc, lc := harness.FileConfig(m, &cr, cp, harness.CounterSupport{}), harness.FileConfig(m, &lr, lp, harness.CounterSupport{})
			if !reflect.DeepEqual(cc, lc) {
				t.Errorf("run's configuration lines differ from the library's: %s", tt.reason)
			}
		})
	}
}

// TestDryRunFloor: the dry run says whether the floor runs and why; a
// sweep without a 1-thread case runs none (the README's --threads 2
// sweep used to run it for nothing).
func TestDryRunFloor(t *testing.T) {
	for _, tt := range []struct {
		threads, want string
		floorCases    bool
	}{
		{"1,2", "floor lock=none at 1 thread runs", true},
		{"2", "floor not run: no 1-thread case", false},
	} {
		stdout, stderr, code := execCLI(t, "run", "--threads", tt.threads, "--locks", "mutex", "--modes", "page,batch", "--dry-run")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, tt.want) || strings.Contains(stdout, "lock=none/") != tt.floorCases {
			t.Errorf("--threads %s: want %q and floor cases %v:\n%s", tt.threads, tt.want, tt.floorCases, stdout)
		}
	}
}
