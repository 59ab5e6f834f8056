package harness

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

func shardTestPlan() Plan {
	return Plan{Base: workloads.DefaultSpec, Locks: []string{"mutex", "mcs", "ticket"},
		Modes: []workloads.Mode{workloads.ModePage, workloads.ModeBatch}, Batches: []int{4, 16},
		Threads: []int{1, 2}, Count: 3, Order: Interleaved}
}

// TestShardSplit: the shards of a plan are a partition of its cases, in
// whole comparison groups, balanced, and in the plan's order.
func TestShardSplit(t *testing.T) {
	p := shardTestPlan()
	whole := p.Cases()
	for n := 1; n <= p.Groups(); n++ {
		var union []string
		owner := map[string]int{}
		sizes := []int{}
		for k := 1; k <= n; k++ {
			q := p
			q.Shard = schema.Shard{K: k, N: n}
			if err := q.Validate(); err != nil {
				t.Fatalf("shard %d/%d: %v", k, n, err)
			}
			cs := q.Cases()
			sizes = append(sizes, len(cs))
			for _, c := range cs {
				union = append(union, c.String())
				g := c.Spec.Lock + "/" + strconv.Itoa(c.Spec.Workers)
				if o, ok := owner[g]; ok && o != k {
					t.Errorf("N=%d: group %s in shards %d and %d: a headline would mix runs", n, g, o, k)
				}
				owner[g] = k
			}
			// In the plan's order: a subsequence of the whole.
			i := 0
			for _, c := range whole {
				if i < len(cs) && c.String() == cs[i].String() {
					i++
				}
			}
			if i != len(cs) {
				t.Errorf("shard %d/%d is not in the plan's order", k, n)
			}
		}
		var want []string
		for _, c := range whole {
			want = append(want, c.String())
		}
		slices.Sort(union)
		slices.Sort(want)
		if !slices.Equal(union, want) {
			t.Errorf("N=%d: the shards' cases are not the plan's (%d against %d)", n, len(union), len(want))
		}
		// Every group costs the same here, so shards differ by at most one group.
		per := len(whole) / p.Groups()
		if slices.Max(sizes)-slices.Min(sizes) > per {
			t.Errorf("N=%d: shard sizes %v are unbalanced", n, sizes)
		}
	}
}

// TestShardEstimate: a shard's estimate is its own cases', not the whole
// plan's, and the shards' estimates add up to the plan's.
func TestShardEstimate(t *testing.T) {
	p, r := shardTestPlan(), DefaultRunner
	p.Floor = true
	whole := Estimate(p, r)
	var sum time.Duration
	for k := 1; k <= 4; k++ {
		q := p
		q.Shard = schema.Shard{K: k, N: 4}
		got := Estimate(q, r)
		var listed time.Duration
		for _, c := range q.Cases() {
			listed += r.Estimate(c)
		}
		if got != listed || got >= whole {
			t.Errorf("shard %v: Estimate = %v, its cases add up to %v, the whole plan %v; want the shard's own, less than the whole", q.Shard, got, listed, whole)
		}
		sum += got
	}
	if sum != whole {
		t.Errorf("the shards' estimates add up to %v, the whole plan's is %v", sum, whole)
	}
}

func TestShardValidate(t *testing.T) {
	tests := []struct {
		shard  schema.Shard
		want   string
		reason string
	}{
		{schema.Shard{K: 0, N: 3}, "K must be from 1 to N", "shards count from 1"},
		{schema.Shard{K: 4, N: 3}, "K must be from 1 to N", "no fourth of three"},
		{schema.Shard{K: 1, N: 7}, "at most 6 shards", "six groups (3 locks x 2 threads) make at most six shards"},
		{schema.Shard{K: 1, N: 0}, "N must be at least 1", "no zero shards"},
	}
	for _, tt := range tests {
		p := shardTestPlan()
		p.Shard = tt.shard
		err := p.Validate()
		fe, ok := errors.AsType[*FieldError](err)
		if !ok || fe.Field != FieldShard || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want a FieldError of %s saying %q (%s)", tt.shard, err, FieldShard, tt.want, tt.reason)
		}
	}
}

func TestPlanID(t *testing.T) {
	p, r := shardTestPlan(), DefaultRunner
	id := p.ID(&r)
	same := func(name string, q Plan, r2 Runner) {
		if q.ID(&r2) != id {
			t.Errorf("%s changed the plan's ID; every shard and machine must share it", name)
		}
	}
	other := func(name string, q Plan, r2 Runner) {
		if q.ID(&r2) == id {
			t.Errorf("%s kept the plan's ID; merge would mix results that mean different things", name)
		}
	}
	q := p
	q.Shard = schema.Shard{K: 2, N: 3}
	same("a shard", q, r)
	r2 := r
	r2.Machine, r2.Sysfs = "elsewhere", "/nonexistent"
	same("the machine", p, r2)
	q = p
	q.Count = 5
	other("the count", q, r)
	q = p
	q.Threads = []int{1, 4}
	other("the threads", q, r)
	q = p
	q.Base.Zones = 4
	other("a knob (zones)", q, r)
	r2 = r
	r2.Duration *= 2
	other("the duration", p, r2)
	q = p
	q.Floor = !p.Floor
	other("the floor (--floor)", q, r)
	if len(id) != 16 {
		t.Errorf("ID %q: want 16 hex digits", id)
	}
}

// TestMachineErrorClipped: a 10 KB --machine is named in a short error,
// not echoed whole.
func TestMachineErrorClipped(t *testing.T) {
	err := validMachine(strings.Repeat("x", 10000) + "/")
	if err == nil || len(err.Error()) > 300 || !strings.Contains(err.Error(), "10001 bytes") {
		t.Errorf("err %v (%d bytes), want a short one giving the length", err, len(fmt.Sprint(err)))
	}
}
