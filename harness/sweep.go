package harness

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"

	"golang.org/x/perf/benchfmt"
)

// A Sweep runs a Plan into a results folder: what `lockbench run` does,
// without its flags, display and summary. NewSweep prepares the plan
// (Prepare: the run's policy, the same as the command's), checks it and
// the runner, reads the machine and creates the folder; Run runs the
// cases in order and appends each one's lines to DIR/results.txt, synced,
// the moment it ends, so that a sweep cut short keeps every finished
// line.
//
//	sw, err := harness.NewSweep(harness.DefaultPlan, harness.DefaultRunner, dir, false)
//	if err != nil {
//		return err // *FieldError, *OutputError, *EstimateError, or the machine's
//	}
//	sw.Judge = reports.NewJudge() // adaptive, as `lockbench run`; nil: Count blocks only
//	sw.Progress = func(i int, res *harness.Result) { fmt.Println(i, res.Case) }
//	out, err := sw.Run(ctx)
//	// out.Lines are the lines written, also when err != nil;
//	// out.Done the repetitions they hold
type Sweep struct {
	// Progress, when set, is called after each case's line is written,
	// with the case's index in Cases.
	Progress func(i int, res *Result)
	// Record, when set, is called after Progress with the case's result
	// and its line (a profile session adds the result's lock records
	// here); an error ends the sweep.
	Record func(res *Result, line *benchfmt.Result) error
	// Judge makes a Paired plan with a Budget adaptive (Adaptive): after
	// the plan's Count blocks of every group, Run asks Judge which groups
	// (Case.Group) still need blocks, most uncertain first, and runs one
	// block of the first, until Judge names none (StopTight) or the next
	// block would end after the plan's Budget from the start of Run
	// (StopBudget). A block is estimated to take as long as the longest
	// block so far. Without a Judge, or in another order, the sweep runs
	// the plan as is. harness has no judge of its own: it would need the
	// summary's headlines; reports.NewJudge is the command's.
	Judge Judge
	// Now is the clock of the plan's Budget; nil means time.Now. Tests
	// inject one.
	Now func() time.Time
	// Exec, when set, runs each timed block of a Paired plan whose cases
	// are all bare locks on a model (Case.Turnable) outside this process
	// (ProcessExec: a fresh process a block, so that the blocks replicate
	// the process; see BlockExec). Counting repetitions, instrumented
	// cases and the running kernel's workloads stay in this process.
	// Results record it (schema.ConfBlockProcess). Set it before Run.
	Exec BlockExec

	runner  Runner
	plan    Plan
	cases   []Case
	out     *Output
	cpus    int
	over    []int
	support CounterSupport
	config  Config
	ran     bool
	speed   *host.SpeedProbe // built at the first case, reused by every one
}

// A Judge decides which comparison groups of an adaptive sweep need more
// blocks. Run hands it every line it writes, block by block (a block's
// lines in one Add, counting blocks and switched blocks included), and
// after each block asks Pending; a Judge keeps what it needs between
// calls, so that a block costs it the block's lines, not the run's.
type Judge interface {
	// Add takes the lines of one finished block, in run order.
	Add(lines []*benchfmt.Result)
	// Pending returns the groups (Case.Group) whose headlines are not yet
	// within target (a fraction: Plan.Target), the most in need first;
	// none when every headline is.
	Pending(target float64) []string
}

// NewSweep prepares p for r (Prepare: it validates r and p once, a
// *FieldError naming the field to change, and draws the seed), refuses a
// sweep estimated over MaxUnforced unless force (an *EstimateError),
// reads the machine's topology and the counters it allows, and claims and
// creates the output folder dir and its results file (CreateOutput: an
// *OutputError when another run holds dir, when dir exists and is not
// empty, unless force, or when it cannot be written). Nothing is created
// when validation fails. Set r.Labels (and r.ClassLabels) before, to
// profile the sweep.
func NewSweep(p Plan, r Runner, dir string, force bool) (*Sweep, error) {
	p, err := Prepare(p, r)
	if err != nil {
		return nil, err
	}
	if est := Estimate(p, r); est > MaxUnforced && !force {
		return nil, &EstimateError{Estimate: est}
	}
	topo, err := r.Topology()
	if err != nil {
		return nil, err
	}
	out, err := CreateOutput(dir, force)
	if err != nil {
		return nil, err
	}
	m := host.ReadMachine(topo)
	if r.Started.IsZero() {
		r.Started = time.Now().Truncate(time.Second)
	}
	// One placement for the whole sweep: the default is chosen for the
	// largest case, so that every thread count runs on the same CPUs' prefix.
	_, placement, why := r.Place(topo, slices.Max(p.Threads))
	r.Placement = placement
	s := &Sweep{runner: r, plan: p, cases: p.Cases(), out: out, cpus: m.CPUs, over: oversubscribed(p.Threads, m.CPUs)}
	s.support = r.CounterSupport()
	s.config = FileConfig(m, &r, p, s.support)
	if placement != "" {
		value := string(placement)
		if why != "" {
			value += " (" + why + ")"
		}
		s.config.Add(schema.ConfPlacement, value)
	}
	return s, nil
}

// Plan is the plan the sweep runs: the one given to NewSweep, prepared
// (Prepare: its seed drawn, its timing filled in).
func (s *Sweep) Plan() Plan { return s.plan }

// Adaptive reports whether Run adds blocks beyond Cases: a Paired plan
// with a Budget, and a Judge.
func (s *Sweep) Adaptive() bool { return s.plan.adaptive() && s.Judge != nil }

// Dir is the output folder.
func (s *Sweep) Dir() string { return s.out.Dir }

// Path is the results file, Dir/results.txt.
func (s *Sweep) Path() string { return s.out.Path }

// Cases are the cases Run runs, in order.
func (s *Sweep) Cases() []Case { return s.cases }

// Config is the file configuration every line carries (FileConfig), and
// when the sweep is Adaptive the plan's budget and target
// (schema.ConfBudget, schema.ConfTargetCI: "25s", "5%"). Run writes the
// configuration of the moment it starts.
func (s *Sweep) Config() Config {
	if s.ran {
		return s.config
	}
	c := slices.Clone(s.config)
	if s.plan.Order == Paired {
		where := schema.BlockProcessSweep
		if s.Exec != nil && s.plan.timedTurnable() {
			where = schema.BlockProcessFresh
		}
		c.Add(schema.ConfBlockProcess, where)
	}
	if s.Adaptive() {
		c.Add(schema.ConfBudget, s.plan.Budget.String())
		c.Add(schema.ConfTargetCI, TargetString(s.plan.Target))
	}
	return c
}

// Support is what counters the machine allows; its Note, if any, says
// what is missing, once for the whole sweep.
func (s *Sweep) Support() CounterSupport { return s.support }

// CPUs is the number of online CPUs the sweep runs on.
func (s *Sweep) CPUs() int { return s.cpus }

// Oversubscribed returns the plan's thread counts above CPUs, in plan
// order (also written as the configuration line oversubscribed).
func (s *Sweep) Oversubscribed() []int { return s.over }

// An Outcome is what a Sweep's Run finished.
type Outcome struct {
	// Lines are the lines written, in run order: each repetition's case
	// line followed by its class lines (Result.Lines).
	Lines       []*benchfmt.Result
	Done        int  // the repetitions finished: case lines among Lines
	Cases       int  // the cases of the sweep (adaptive: those it ran)
	Interrupted bool // the context ended the sweep
	// Paired sweeps: the blocks run, timed ones only, and those of all
	// blocks where the machine changed regime during a slice
	// (schema.RegimeSwitched; see runPaired for which are run again).
	Blocks, Switched int
	// Stopped says why an adaptive sweep stopped adding blocks;
	// NotStopped when it was not adaptive or ended on an error.
	Stopped StopReason
	// Repeated counts the switched work a paired sweep ran again: timed
	// blocks and counting repetitions. A summary says "run again" with
	// this count, and only when it is positive.
	Repeated int
	// Disturbed counts the finished repetitions whose workers waited for
	// their CPUs (Result.Disturbed: another process ran on them).
	Disturbed int
}

// Partial reports whether the sweep ended before its last case.
func (o Outcome) Partial() bool { return o.Done < o.Cases }

// Run runs the cases in order. After each one it writes and syncs its
// lines (Result.Lines: the case line, then its class lines), then calls
// Progress and Record (with the case line). It stops at the first error —
// the case's (a *WatchdogError, an *InvariantError, whose case has no
// line), writing the line, Record's, or ctx's end (Outcome.Interrupted,
// the error wrapping ctx.Err()) — and closes the results file in every
// case; the folder stays claimed until Close. Run runs once.
func (s *Sweep) Run(ctx context.Context) (Outcome, error) {
	o := Outcome{Cases: len(s.cases)}
	if s.ran {
		return o, errors.New("harness: Sweep.Run called twice")
	}
	s.config = s.Config() // the lines' configuration, fixed from here
	s.ran = true
	if s.plan.Order == Paired {
		err := s.runPaired(ctx, &o)
		if cerr := s.out.closeLog(); err == nil {
			err = cerr
		}
		o.Interrupted = err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
		return o, err
	}
	var err error
	for _, c := range s.cases {
		if _, err = s.runCase(ctx, &o, c); err != nil {
			break
		}
	}
	if cerr := s.out.closeLog(); err == nil {
		err = cerr
	}
	o.Interrupted = err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
	return o, err
}

// runCase runs one repetition, writes
// and syncs its lines, adds them to o (Done counts it, Cases grows with
// an adaptive sweep's extra blocks) and calls Progress, with the case's
// index in run order, and Record. On an error the case counts for
// nothing but a line Record refused, which is written already.
func (s *Sweep) runCase(ctx context.Context, o *Outcome, c Case) (*Result, error) {
	res, err := s.runner.run(ctx, c, s.speedProbe())
	if err != nil {
		return nil, err
	}
	return res, s.record(o, res)
}

// speedProbe is the sweep's one speed probe, built at first use (nil
// when the runner does not probe, or scripts its probes).
func (s *Sweep) speedProbe() *host.SpeedProbe {
	if s.speed == nil && s.runner.Probe >= 0 && s.runner.stateProbe == nil {
		s.speed = host.NewSpeedProbe(s.plan.Seed)
	}
	return s.speed
}

// record writes and syncs a repetition's lines, adds them to o and calls
// Progress and Record (runCase).
func (s *Sweep) record(o *Outcome, res *Result) error {
	lines := res.Lines(s.config)
	if err := s.out.Write(lines...); err != nil {
		return err
	}
	o.Lines = append(o.Lines, lines...)
	o.Done++
	o.Cases = max(o.Cases, o.Done)
	if res.Disturbed() {
		o.Disturbed++
	}
	if s.Progress != nil {
		s.Progress(o.Done-1, res)
	}
	if s.Record != nil {
		return s.Record(res, lines[0])
	}
	return nil
}

// Close gives up the sweep's claim on its folder, closing the results
// file too if Run did not. Run keeps the claim, so that what a command
// writes beside the results afterwards (summary, report, profiles) is
// still written by the folder's only owner: call Close when done.
func (s *Sweep) Close() error { return s.out.Close() }
