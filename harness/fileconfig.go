package harness

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
)

// FileConfig is the file configuration of a run's results: the machine,
// the counters available, the knobs every line shares (those of the
// plan's workload that are not name keys, in workloads.Info.Knobs order)
// and, when some thread counts exceed m.CPUs, oversubscribed:
// threads=N,....
//
// Last come the lines of a sharded sweep: the machine's name (r.Machine,
// or host.Machine.Name), the plan's ID, the shard (1/1 for the whole plan)
// and the number of lines the run writes when it finishes (cases); then
// the run's identity: the sweep it belongs to (run: the plan's ID, '-'
// and r.RunID, when given), the node it ran on (node: r.Node, else
// m.Node) and when it started (started: r.Started).
func FileConfig(m host.Machine, r *Runner, p Plan, s CounterSupport) Config {
	c := Config(m.Config())
	c.Add(schema.ConfCounters, s.String())
	if note := s.Note(); note != "" {
		c.Add(schema.ConfCountNote, note)
	}
	c = append(c, planConfig(r, p)...)
	if over := oversubscribed(p.Threads, m.CPUs); len(over) > 0 {
		var n []string
		for _, t := range over {
			n = append(n, strconv.Itoa(t))
		}
		c.Add(schema.ConfOversubscribed, schema.KeyThreads+"="+strings.Join(n, ","))
	}
	c.Add(schema.ConfMachine, cmp.Or(r.Machine, m.Name))
	c.Add(schema.ConfPlan, p.ID(r))
	if p.Order == Paired {
		// Not part of the ID: the seed orders the slices within blocks,
		// it does not change what a line means.
		c.Add(schema.ConfSeed, strconv.FormatUint(p.Seed, 10))
	}
	c.Add(schema.ConfShard, p.Shard.String())
	c.Add(schema.ConfCases, strconv.Itoa(len(p.Cases())))
	var groups []string
	for _, cs := range p.Cases() {
		groups = append(groups, cs.Group())
	}
	c.Add(schema.ConfSeal, schema.ShardSeal(p.ID(r), p.Shard.String(), groups))
	if r.RunID != "" {
		c.Add(schema.ConfRun, p.ID(r)+"-"+r.RunID)
	}
	if node := cmp.Or(r.Node, m.Node); node != "" {
		c.Add(schema.ConfNode, node)
	}
	if !r.Started.IsZero() {
		c.Add(schema.ConfStarted, r.Started.UTC().Format(time.RFC3339))
	}
	return c
}

// planConfig is the run's knobs, as FileConfig writes them: what every
// line shares and the plan's ID hashes.
func planConfig(r *Runner, p Plan) Config {
	var c Config
	b := p.Base
	c.Add(schema.ConfWorkload, b.Workload)
	c.Add(schema.ConfDuration, r.Duration.String())
	c.Add(schema.ConfWarmup, r.Warmup.String())
	if p.Order == Paired {
		// The turn in effect: only Turnable timed slices take turns
		// (not instrumented locks, not the running kernel).
		turn := r.Turn
		if !p.timedTurnable() {
			turn = 0
		}
		c.Add(schema.ConfTurn, turn.String())
		c.Add(schema.ConfRewarm, r.Rewarm.String())
	}
	c.Add(schema.ConfCount, strconv.Itoa(p.Count))
	c.Add(schema.ConfOrder, string(p.Order))
	c.Add(schema.ConfAffinity, string(r.Affinity))
	c.Add(schema.ConfBare, strconv.FormatBool(b.Bare))
	if !b.Bare {
		c.Add(schema.ConfTiming, string(p.timing()))
	}
	info, _ := workloads.Lookup(b.Workload)
	// Knobs whose zero means the default (Zones, Lines) are recorded as
	// run, not as 0; FilePages 0 stays 0: it is sized per case.
	eff := b
	eff.Zones, eff.Lines = b.WithDefaults().Zones, b.WithDefaults().Lines
	for _, k := range info.Knobs {
		if !slices.Contains(info.Keys, k) {
			c.Add(k.Key(), eff.Value(k))
		}
	}
	if len(b.Delay) > 0 {
		c.Add(schema.ConfDelay, b.Value(workloads.KnobDelay))
	}
	if !b.Bare {
		c.Add(schema.ConfHoldEvery, strconv.Itoa(b.Instrument.HoldEvery))
		c.Add(schema.ConfStackEvery, strconv.Itoa(b.Instrument.StackEvery))
	}
	c.Add(schema.ConfSpin, b.Spin.String())
	return c
}

// oversubscribed returns the thread counts above cpus, in plan order.
func oversubscribed(threads []int, cpus int) []int {
	var out []int
	for _, n := range threads {
		if n > cpus {
			out = append(out, n)
		}
	}
	return out
}

// timedTurnable reports whether the plan's timed slices are Turnable:
// bare locks on a model, so that they take turns (Runner.Turn) and run
// in processes of their own (Sweep.Exec).
func (p Plan) timedTurnable() bool {
	b := p.Base
	return Case{Spec: workloads.Spec{Workload: b.Workload, Bare: b.Bare || p.timing() == TimeBare}}.Turnable()
}
