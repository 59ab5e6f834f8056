package harness

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lockbench/lockbench/schema"
)

// This file holds the policy of a run that a Plan and a Runner leave
// open and Prepare settles: the timing a profiling runner needs, the
// seed, and the rules of the adaptive budget and target. NewSweep applies
// it, so that a library sweep runs as `lockbench run` does.

// MaxUnforced is the longest sweep (Estimate) NewSweep runs without
// force.
const MaxUnforced = 24 * time.Hour

// Prepare checks r and p, as NewSweep does (a *FieldError names the
// field to change), and returns p with what it leaves to the run's
// policy filled in:
//   - Timing: empty becomes TimeInstrumented when r profiles (r.Labels:
//     the contention stacks come from the instrumented wrapper);
//     profiling refuses a bare base (FieldLabels) and TimeBare given
//     explicitly (FieldTiming);
//   - Seed: 0 is drawn, from the plan's ID when a Shard is set (every
//     shard, on every machine, draws the same orders) and from the clock
//     otherwise.
//
// Call it to list or estimate the plan a sweep would run (`run
// --dry-run`); NewSweep calls it itself, and Prepare of a prepared plan
// changes nothing.
func Prepare(p Plan, r Runner) (Plan, error) {
	if err := r.Validate(); err != nil {
		return p, err
	}
	if r.Labels {
		switch {
		case p.Base.Bare:
			return p, &FieldError{Field: FieldLabels, Err: errors.New("needs instrumented locks (contention stacks come from the wrapper), and the plan's base is bare")}
		case p.Timing == "":
			p.Timing = TimeInstrumented
		case p.Timing == TimeBare:
			return p, &FieldError{Field: FieldTiming, Value: string(p.Timing), Err: errors.New("profiling times every repetition instrumented (contention stacks come from the wrapper)")}
		}
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	if p.Seed == 0 {
		p.Seed = p.drawSeed(&r, time.Now)
	}
	return p, nil
}

// drawSeed draws a Seed for a plan that has none: a shard's (any Shard
// set, 1/1 included: a machine that runs the whole plan as one shard of
// a sharded sweep) from the plan's ID, which the shards share and the
// seed is not part of, an unsharded plan's from now. It is never 0, which
// means "draw one".
func (p Plan) drawSeed(r *Runner, now func() time.Time) uint64 {
	var s uint64
	if p.Shard == (schema.Shard{}) {
		s = uint64(now().UnixNano())
	} else {
		s, _ = strconv.ParseUint(p.ID(r), 16, 64)
	}
	return max(s, 1)
}

// validateAdaptive checks Budget and Target: no negative budget, and a
// positive, finite target when there is a budget to reach it with.
func (p Plan) validateAdaptive() error {
	switch {
	case p.Budget < 0:
		return &FieldError{Field: FieldBudget, Value: p.Budget.String(), Err: errors.New("must not be negative")}
	case math.IsNaN(p.Target) || math.IsInf(p.Target, 0) || p.Target < 0 || (p.Budget > 0 && p.Target == 0):
		return &FieldError{Field: FieldTarget, Value: fmt.Sprint(p.Target), Err: errors.New("must be a positive fraction (0.05 for ±5%)")}
	}
	return nil
}

// adaptive reports whether p asks for adaptive blocks: Paired, with a
// Budget.
func (p Plan) adaptive() bool { return p.Order == Paired && p.Budget > 0 }

// TargetString renders a Plan.Target as the configuration line target-ci
// writes it, and as `lockbench run --target-ci` shows its default: a
// percentage, "5%".
func TargetString(t float64) string {
	return strconv.FormatFloat(t*100, 'g', 10, 64) + "%" // 10 digits: 0.07*100 is 7.000000000000001
}

// A StopReason says why an adaptive sweep stopped adding blocks.
type StopReason string

// The stop reasons of Outcome.Stopped.
const (
	// NotStopped: the sweep was not adaptive, or ended on an error.
	NotStopped StopReason = ""
	// StopTight: the Judge named no group; every headline is within the
	// plan's Target.
	StopTight StopReason = "tight"
	// StopBudget: the next block would have ended after the plan's
	// Budget.
	StopBudget StopReason = "budget"
)
