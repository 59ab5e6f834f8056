package harness

import (
	"time"

	"github.com/lockbench/lockbench/workloads"
)

// A Listing is what a sweep of a plan would run, without running it:
// `lockbench run --dry-run` prints it, as text or as JSON.
type Listing struct {
	Plan  string `json:"plan"`  // Plan.ID
	Shard string `json:"shard"` // the Shard as K/N; 1/1 when the plan is whole
	// Cases are the repetitions of the shard in run order (Plan.Cases:
	// for a paired plan, its fixed blocks; an adaptive run may add more).
	Cases []ListedCase `json:"cases"`
	// Estimate is the sum of the cases' estimates (Runner.Estimate); a
	// busy machine takes longer.
	Estimate time.Duration `json:"estimate_ns"`
	// Groups are the comparison groups of the shard (all of the plan's
	// when it is whole) and PlanGroups those of the plan, both counted
	// as Plan.Groups counts them for --shard: the floor is no group of
	// its own, so that a plan of PlanGroups groups splits into at most
	// that many shards.
	Groups     int `json:"groups"`
	PlanGroups int `json:"plan_groups"`
	// Floor says whether the plan runs the floor (Plan.Floor).
	Floor FloorRun `json:"floor,omitempty"`
}

// A ListedCase is one repetition of a Listing.
type ListedCase struct {
	// Name is the case's benchmark name (Case.Name), Rep its repetition
	// (0-based) of Count; a counting repetition (Case.Counting) has Rep
	// 0 and Count 1.
	Name     string        `json:"name"`
	Rep      int           `json:"rep"`
	Count    int           `json:"count"`
	Counting bool          `json:"counting,omitempty"`
	Estimate time.Duration `json:"estimate_ns"`
	// Text is the case as a log line says it (Case.String).
	Text string `json:"-"`
}

// FloorRun says whether a plan runs the floor, the lock-free cases the
// saving split reads (Plan.Floor, Plan.FloorUsed).
type FloorRun string

const (
	// FloorRuns: the plan asks for the floor and a 1-thread case reads
	// it: it runs (in the shard that holds its group).
	FloorRuns FloorRun = "runs"
	// FloorUnused: the plan asks for the floor, but it has no 1-thread
	// case to split a saving with, so the floor is not run.
	FloorUnused FloorRun = "unused"
	// FloorNone (empty): the plan does not ask for the floor, or its
	// workload has no modes and locks to split a saving by.
	FloorNone FloorRun = ""
)

// List prepares p as a sweep would (Prepare: the timing a profile needs,
// the seed) and lists what it would run with r, and how long that should
// take. Its errors are Prepare's.
func List(p Plan, r Runner) (Listing, error) {
	p, err := Prepare(p, r)
	if err != nil {
		return Listing{}, err
	}
	l := Listing{Plan: p.ID(&r), Shard: p.Shard.String(), PlanGroups: p.Groups()}
	for _, c := range p.Cases() {
		e := r.Estimate(c)
		l.Estimate += e
		l.Cases = append(l.Cases, ListedCase{Name: c.Name(), Rep: c.Rep, Count: c.Count, Counting: c.Counting, Estimate: e, Text: c.String()})
	}
	configs, _ := p.specs()
	groups := map[string]bool{}
	for _, s := range configs {
		groups[Case{Spec: s}.Group()] = true
	}
	l.Groups = len(groups)
	info, _ := workloads.Lookup(p.Base.Workload)
	switch {
	case !p.Floor || !info.Takes(workloads.KnobMode) || !info.Takes(workloads.KnobLock):
	case p.FloorUsed():
		l.Floor = FloorRuns
	default:
		l.Floor = FloorUnused
	}
	return l, nil
}
