package harness

import (
	"testing"

	"github.com/lockbench/lockbench/schema"
)

// TestListGroups: List counts a shard's comparison groups as --shard
// counts the plan's (Plan.Groups: the floor is no group), so the shards'
// groups add up to the plan's and every shard has at least one.
func TestListGroups(t *testing.T) {
	p := shardTestPlan()
	p.Floor = true
	r := DefaultRunner
	for n := 1; n <= p.Groups(); n++ {
		total := 0
		for k := 1; k <= n; k++ {
			q := p
			q.Shard = schema.Shard{K: k, N: n}
			l, err := List(q, r)
			if err != nil {
				t.Fatalf("shard %d/%d: %v", k, n, err)
			}
			if l.Groups < 1 || l.PlanGroups != p.Groups() || l.Shard != q.Shard.String() || len(l.Cases) != len(mustPrepare(t, q, r).Cases()) {
				t.Errorf("shard %d/%d: %d groups of %d, shard %q, %d cases; want at least 1 of %d, the plan's cases", k, n, l.Groups, l.PlanGroups, l.Shard, len(l.Cases), p.Groups())
			}
			total += l.Groups
		}
		if total != p.Groups() {
			t.Errorf("%d shards: groups add up to %d, the plan has %d (the floor counted as a group?)", n, total, p.Groups())
		}
	}
}

// TestListFloor: the listing says whether the floor runs: it does beside
// a 1-thread case, is unused without one, and a workload without modes
// (cs) has none to run.
func TestListFloor(t *testing.T) {
	tests := []struct {
		workload string
		threads  []int
		floor    bool
		want     FloorRun
		reason   string
	}{
		{"pagecache", []int{1, 2}, true, FloorRuns, "a 1-thread case reads the floor"},
		{"pagecache", []int{2}, true, FloorUnused, "no 1-thread case to split a saving with"},
		{"pagecache", []int{1, 2}, false, FloorNone, "not asked"},
		{"cs", []int{1, 2}, true, FloorNone, "cs has no modes: Plan.Floor adds no case to it"},
	}
	for _, tt := range tests {
		p := DefaultPlan
		p.Base.Workload, p.Threads, p.Floor = tt.workload, tt.threads, tt.floor
		if tt.workload != "pagecache" {
			p.Modes, p.Batches = nil, nil
		}
		l, err := List(p, DefaultRunner)
		if err != nil {
			t.Fatalf("%s %v: %v", tt.workload, tt.threads, err)
		}
		if l.Floor != tt.want {
			t.Errorf("%s threads %v floor %v: %q, want %q: %s", tt.workload, tt.threads, tt.floor, l.Floor, tt.want, tt.reason)
		}
	}
}

func mustPrepare(t *testing.T, p Plan, r Runner) Plan {
	t.Helper()
	p, err := Prepare(p, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
