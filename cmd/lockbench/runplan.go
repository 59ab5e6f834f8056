package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"github.com/spf13/cobra"
)

// This file turns run's flags into the library's plan and runner, and
// holds what run says about a plan before it runs it: the dry-run listing
// and the estimate's announcement.

// parse turns the flags into a plan and a runner. It parses the syntax
// (lists, numbers, shared|private, class=duration, a percentage) and
// leaves every rule to the library (harness.Prepare, run by NewSweep),
// whose errors name a field that flagged maps to a flag. What a flag
// leaves unset stays unset for the library to decide, as it does for a
// library user: the timing (a profiled run's is instrumented), the seed
// (drawn), the budget of a run given --count (none: not adaptive).
func (f *runFlags) parse(cmd *cobra.Command) (harness.Plan, harness.Runner, error) {
	var p harness.Plan
	r := harness.DefaultRunner
	changed := cmd.Flags().Changed
	r.Duration, r.Warmup, r.Grace, r.Affinity = f.duration, f.warmup, f.grace, host.Affinity(f.affinity)
	r.Turn, r.Rewarm = f.turn, f.rewarm
	r.Labels, r.ClassLabels = f.profile, f.profileClasses
	r.Machine, r.RunID, r.Node = f.machine, f.runID, f.node
	if err := checkSysfs(); err != nil {
		return p, r, err
	}
	r.Placement, r.Sysfs = host.Placement(f.placement), sysfsRoot()
	if !f.probe {
		r.Probe = -1
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
		if k.zeroIsDefault && changed(k.flag) && base.Value(k.knob) == "0" {
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
	p = harness.Plan{Base: base, Count: f.count, Order: harness.Order(f.order), Seed: f.seed, Floor: f.floor}
	if changed("seed") && f.seed == 0 {
		// The library's 0 means "draw one", which the flag's default is.
		return p, r, usagef("--seed 0: 0 draws a seed from the clock, the default; give another")
	}
	if changed("timing") {
		p.Timing = harness.Timing(f.timing)
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
	if info, err := workloads.Lookup(f.workload); err == nil && info.Modes != nil && !cmd.Flags().Changed("modes") {
		p.Modes = info.ModeList() // the default is every mode of the model
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
	if p.Target, err = parseFraction(f.targetCI); err != nil {
		return p, r, usagef("--target-ci %q: want a positive percentage (5%%) or fraction (0.05)", f.targetCI)
	}
	if f.budget == 0 {
		// The library's 0 means "not adaptive", which --count asks for.
		return p, r, usagef("--budget 0s: must be positive (a run of a fixed number of blocks: --count)")
	}
	if !changed("count") {
		// --count set by hand asks for a fixed number of blocks.
		p.Budget = f.budget
	}
	return p, r, nil
}

// Sweeps estimated over announceOver are announced with their estimate
// before they start (harness.NewSweep refuses those over
// harness.MaxUnforced without --force).
const announceOver = 10 * time.Minute

// roughly renders an estimate to the minute, or to the day when long.
func roughly(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	}
	return d.Round(time.Minute).String()
}

// dryRun prints what a sweep of plan would run (harness.List): each
// repetition in order with its estimated time, then the plan's line, or,
// with asJSON, the listing as one JSON document.
func dryRun(w io.Writer, plan harness.Plan, r harness.Runner, asJSON bool) error {
	l, err := harness.List(plan, r)
	if err != nil {
		return flagged(err)
	}
	if asJSON {
		return writeJSON(w, l)
	}
	for _, c := range l.Cases {
		fmt.Fprintf(w, "%-8s %s\n", c.Estimate.Round(time.Millisecond), c.Text)
	}
	floor := ""
	switch l.Floor {
	case harness.FloorRuns:
		floor = fmt.Sprintf("; floor %s=%s at 1 thread runs, to split each saving (--floor=false skips it)", schema.KeyLock, schema.FloorLock)
	case harness.FloorUnused:
		floor = "; floor not run: no 1-thread case to split a saving with (add 1 to --threads for the split)"
	}
	fmt.Fprintf(w, "plan %s shard %s: %d repetitions, %d of %d comparison groups, estimated %s (more on a busy machine)%s\n",
		l.Plan, l.Shard, len(l.Cases), l.Groups, l.PlanGroups, l.Estimate.Round(100*time.Millisecond), floor)
	return nil
}

// applies refuses a flag given for a workload it does not apply to,
// from the workload's registered knobs and lock classes.
func (f *runFlags) applies(cmd *cobra.Command, info workloads.Info) error {
	changed := cmd.Flags().Changed
	for _, k := range []knobFlag{{workloads.KnobLock, "locks", false}, {workloads.KnobDelay, "delay", false}} {
		if changed(k.flag) && !info.Takes(k.knob) {
			return usagef("--%s applies to --workload %s only: %s takes the kernel's locks, none of lockbench's", k.flag, strings.Join(workloads.Taking(k.knob), " or "), info.Name)
		}
	}
	for _, k := range knobFlags() {
		if changed(k.flag) && !info.Takes(k.knob) {
			return usagef("--%s applies to --workload %s only", k.flag, strings.Join(workloads.Taking(k.knob), " or "))
		}
	}
	for _, c := range classLockFlags() {
		if changed(c.flag) && !slices.Contains(info.Classes, c.class) {
			var in []string
			for _, w := range workloads.All() {
				if slices.Contains(w.Classes, c.class) {
					in = append(in, w.Name)
				}
			}
			return usagef("--%s applies to --workload %s only", c.flag, strings.Join(in, " or "))
		}
	}
	return nil
}
