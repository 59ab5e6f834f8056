package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"github.com/spf13/cobra"
)

// This file turns run's flags into the library's plan and runner, and
// holds what run says about a plan before it runs it: the dry-run listing
// and the estimate's announcement.

// parse turns the flags into a plan and a runner. It parses the syntax
// (lists, numbers, shared|private, class=duration) and leaves every rule
// to the library, whose errors name a field that flagged maps to a flag.
func (f *runFlags) parse(cmd *cobra.Command) (harness.Plan, harness.Runner, error) {
	var p harness.Plan
	r := harness.DefaultRunner
	if f.profileClasses && !f.profile {
		return p, r, usagef("--profile-classes labels the CPU profile and needs --profile")
	}
	r.Duration, r.Warmup, r.Grace, r.Affinity = f.duration, f.warmup, f.grace, harness.Affinity(f.affinity)
	r.Labels, r.ClassLabels = f.profile, f.profileClasses
	r.Machine = f.machine
	if err := r.Validate(); err != nil {
		return p, r, flagged(err)
	}
	if info, err := workloads.Lookup(f.workload); err == nil { // else Plan.Validate says so
		if err := f.applies(cmd, info); err != nil {
			return p, r, err
		}
	}
	base := workloads.DefaultSpec
	base.Workload, base.Bare = f.workload, f.bare
	switch f.files {
	case "shared", "private":
		base.SharedFiles = f.files == "shared"
	default:
		return p, r, usagef("--files %q: want shared or private", f.files)
	}
	base.Zones, base.Touch, base.FilePages, base.Lines, base.Think = f.zones, f.touch, f.filePages, f.lines, f.think
	for _, k := range knobFlags() {
		if k.zeroIsDefault && cmd.Flags().Changed(k.flag) && base.Value(k.knob) == "0" {
			return p, r, usagef("--%s 0: must be at least 1", k.flag)
		}
	}
	for _, c := range classLockFlags() { // in class order: the first bad one is reported
		if v := *f.classLocks[c.class]; v != "" {
			if base.ClassLocks == nil {
				base.ClassLocks = map[workloads.Class]string{}
			}
			base.ClassLocks[c.class] = v
		}
	}
	var err error
	if base.Delay, err = parseDelays(f.delay); err != nil {
		return p, r, usagef("--delay: %v", err)
	}
	if base.Spin, err = locks.ParseSpin(f.spin); err != nil {
		return p, r, usagef("--spin: %v", err)
	}
	p = harness.Plan{Base: base, Count: f.count, Order: harness.Order(f.order), Seed: f.seed,
		Timing: harness.Timing(f.timing), Floor: f.floor}
	if !cmd.Flags().Changed("seed") {
		p.Seed = uint64(time.Now().UnixNano())
	}
	if f.profile {
		// Contention stacks come from the instrumented wrapper.
		switch {
		case f.bare:
			return p, r, usagef("--profile needs instrumented locks (contention stacks come from the wrapper); --bare runs none")
		case cmd.Flags().Changed("timing") && p.Timing != harness.TimeInstrumented:
			return p, r, usagef("--profile times every repetition instrumented (contention stacks come from the wrapper): drop --timing %s", f.timing)
		}
		p.Timing = harness.TimeInstrumented
	}
	if p.Locks, err = parseList(f.locks); err != nil {
		return p, r, usagef("--locks: %v", err)
	}
	modes, err := parseList(f.modes)
	if err != nil {
		return p, r, usagef("--modes: %v", err)
	}
	for _, m := range modes {
		p.Modes = append(p.Modes, workloads.Mode(m))
	}
	if p.Batches, err = parseInts(f.batch); err != nil {
		return p, r, usagef("--batch: %v", err)
	}
	if p.Threads, err = parseInts(f.threads); err != nil {
		return p, r, usagef("--threads: %v", err)
	}
	if f.shard != "" {
		if p.Shard, err = schema.ParseShard(f.shard); err != nil {
			return p, r, usagef("--%v", err)
		}
	}
	if err := p.Validate(); err != nil {
		return p, r, flagged(err)
	}
	if f.shard != "" && !cmd.Flags().Changed("seed") {
		// Every shard, on every machine, must draw the same orders (merge
		// checks the seed like any knob): seed from the plan's ID, which
		// the shards share and the seed is not part of.
		p.Seed, _ = strconv.ParseUint(p.ID(&r), 16, 64)
	}
	if target, err := parseFraction(f.targetCI); err != nil || !(target > 0) {
		return p, r, usagef("--target-ci %q: want a positive percentage (5%%) or fraction (0.05)", f.targetCI)
	}
	if f.budget <= 0 {
		return p, r, usagef("--budget %v: must be positive", f.budget)
	}
	return p, r, nil
}

// Sweeps estimated over announceOver are announced with their estimate
// before they start; over maxUnforced they need --force (2562047h is a
// typo, not a plan).
const (
	announceOver = 10 * time.Minute
	maxUnforced  = 24 * time.Hour
)

// roughly renders an estimate to the minute, or to the day when long.
func roughly(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	}
	return d.Round(time.Minute).String()
}

// announce announces a sweep estimated over announceOver with note, and
// refuses one over maxUnforced without --force.
func (f *runFlags) announce(plan harness.Plan, runner harness.Runner, note func(string, ...any)) error {
	est := harness.Estimate(plan, runner)
	switch {
	case est > maxUnforced && !f.force:
		return usagef("this sweep would take about %s: over %s needs --force (or fewer cases, a smaller --count or --duration)", roughly(est), roughly(maxUnforced))
	case est > announceOver:
		note("this sweep will take about %s", roughly(est))
	}
	return nil
}

// dryRun prints the cases plan would run, in order, with the time each is
// estimated to take (harness.Runner.Estimate), and the total.
func dryRun(w io.Writer, plan harness.Plan, r *harness.Runner) error {
	cases := plan.Cases()
	var total time.Duration
	for _, c := range cases {
		e := r.Estimate(c)
		total += e
		fmt.Fprintf(w, "%-8s %s\n", e.Round(time.Millisecond), c)
	}
	fmt.Fprintf(w, "plan %s shard %s: %d repetitions, %d comparison groups of %d, estimated %s (more on a busy machine)\n",
		plan.ID(r), plan.Shard, len(cases), groupsIn(cases), plan.Groups(), total.Round(100*time.Millisecond))
	return nil
}

// groupsIn counts the comparison groups (harness.Case.Group) of cases.
func groupsIn(cases []harness.Case) int {
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.Group()] = true
	}
	return len(seen)
}
