package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lockbench/lockbench/ab"
	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/perf/benchfmt"
)

// newWorkerCmd is the hidden worker of 'lockbench ab': it speaks
// ab.Protocol on stdin and stdout (docs/ab.md) and runs the slices its
// parent asks for.
func newWorkerCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "worker",
		Short:  "Run slices for 'lockbench ab' (protocol on stdin and stdout)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := ab.Serve(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), func(args []string) (ab.Bench, error) {
				return openWorkerBench(args)
			})
			if _, ok := errors.AsType[*ab.ProtocolError](err); ok {
				return usage(err)
			}
			return workerStatus(err)
		},
	}
}

// workerStatus is the exit status of a worker (ab's or run's block
// process): an interrupt stays one, an error that has its status keeps
// it, anything else is a failed measurement.
func workerStatus(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	if se, ok := errors.AsType[*statusError](err); ok {
		return se
	}
	return failure(err)
}

// parseRunArgs parses args as 'lockbench run' flags, the same parse run
// makes, into a plan and runner: a worker's side of ab and a block
// process of run build their cases from it.
func parseRunArgs(args []string) (harness.Plan, harness.Runner, error) {
	rc, f := runCommand()
	rc.SetArgs(args)
	if err := rc.ParseFlags(args); err != nil {
		return harness.Plan{}, harness.Runner{}, usagef("%v", err)
	}
	if rest := rc.Flags().Args(); len(rest) > 0 {
		return harness.Plan{}, harness.Runner{}, usagef("unexpected argument %q", rest[0])
	}
	return f.parse(rc)
}

// workerBench runs the timed cases of one side's plan, one slice at a
// time, as a paired run's slices.
type workerBench struct {
	runner harness.Runner
	names  []string
	cases  map[string]harness.Case
	// speed is the process's one speed probe: a probe built per slice
	// read its freshly written chase from cache, 59-207 ns a step before
	// the slice against 213-252 after it, and marked 155 of 188 slices
	// switched in an A/A run.
	speed *host.SpeedProbe
}

var _ ab.TurnBench = (*workerBench)(nil)

// openWorkerBench parses args as 'lockbench run' flags (the same parse,
// so a side's flags mean what they mean to run) into the side's plan.
// The worker runs its timed cases only: no counting repetitions, no
// floor unless asked.
func openWorkerBench(args []string) (*workerBench, error) {
	plan, runner, err := parseRunArgs(args)
	if err != nil {
		return nil, err
	}
	w := &workerBench{runner: runner, cases: map[string]harness.Case{}, speed: host.NewSpeedProbe(plan.Seed)}
	for _, c := range plan.Cases() {
		if c.Counting {
			continue
		}
		name := c.Name()
		if _, ok := w.cases[name]; ok {
			continue
		}
		c.Rep, c.Count, c.Block = 0, 1, 0
		w.cases[name] = c
		w.names = append(w.names, name)
	}
	return w, nil
}

func (w *workerBench) Cases() []string { return w.names }

func (w *workerBench) Run(ctx context.Context, name string, block int) (ab.Reply, error) {
	c, err := w.lookup(name, block)
	if err != nil {
		return ab.Reply{}, err
	}
	res, err := w.runner.RunProbed(ctx, c, w.speed)
	if err != nil {
		return ab.Reply{}, err
	}
	return reply(name, c, res)
}

func (w *workerBench) lookup(name string, block int) (harness.Case, error) {
	c, ok := w.cases[name]
	if !ok {
		return c, fmt.Errorf("no case %q in this side's plan", name)
	}
	c.Block = block
	return c, nil
}

// TurnCases are the plan's cases that can be measured in turns
// (harness.Case.Turnable): bare locks on a model.
func (w *workerBench) TurnCases() []string {
	var out []string
	for _, n := range w.names {
		if w.cases[n].Turnable() {
			out = append(out, n)
		}
	}
	return out
}

func (w *workerBench) Open(ctx context.Context, name string, block, turns int, rewarm time.Duration) (ab.Turns, error) {
	c, err := w.lookup(name, block)
	if err != nil {
		return nil, err
	}
	if turns < 1 {
		return nil, fmt.Errorf("%d turns: want 1 or more", turns)
	}
	turn := w.runner.Duration / time.Duration(turns)
	if turn < harness.MinTurn {
		return nil, fmt.Errorf("--duration %v in %d turns: turns of %v, shorter than %v (give a longer --duration or fewer --turns)", w.runner.Duration, turns, turn, harness.MinTurn)
	}
	s, err := w.runner.Open(ctx, c, w.speed)
	if err != nil {
		return nil, err
	}
	return &workerTurns{s: s, name: name, c: c, turn: turn, rewarm: rewarm}, nil
}

// workerTurns is one case open in turns.
type workerTurns struct {
	s            *harness.Session
	name         string
	c            harness.Case
	turn, rewarm time.Duration
}

func (t *workerTurns) Turn() error { return t.s.Turn(t.rewarm, t.turn) }

func (t *workerTurns) End() (ab.Reply, error) {
	res, err := t.s.Close()
	if err != nil {
		return ab.Reply{}, err
	}
	rep, err := reply(t.name, t.c, res)
	rep.Turns = res.Turns
	return rep, err
}

// reply is a slice's Reply: its time per unit, state and result lines.
func reply(name string, c harness.Case, res *harness.Result) (ab.Reply, error) {
	rep := ab.Reply{Case: name, Unit: schema.PerUnit(schema.StemNS, c.Per()), Regime: res.Regime(), XferNS: res.XferNS, XferEndNS: res.XferEndNS}
	if res.Pages > 0 {
		rep.Value = float64(res.Wall.Nanoseconds()) / float64(res.Pages)
	}
	var buf bytes.Buffer
	bw := benchfmt.NewWriter(&buf)
	for _, l := range res.Lines(nil) {
		if err := bw.Write(l); err != nil {
			return rep, err
		}
	}
	rep.Lines = strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	return rep, nil
}

// blockCmd is the hidden command run starts for each timed block of a
// paired sweep (harness.ProcessExec): it reads one harness.BlockRequest
// on stdin, parses its args as run's flags, runs the block in this fresh
// process and writes each slice's result on stdout.
const blockCmd = "block"

func newBlockCmd() *cobra.Command {
	return &cobra.Command{
		Use:    blockCmd,
		Short:  "Run one timed block of 'lockbench run' in this process (request on stdin)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return workerStatus(harness.ServeBlock(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), parseRunArgs))
		},
	}
}

// blockArgs are the flags of run's command line that a block process
// needs to build the same plan and runner: every flag set, but those
// that only say where results go and how they print.
func blockArgs(cmd *cobra.Command) []string {
	var args []string
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "out", "force", "json", "quiet", "verbose", "no-report", "dry-run", "list", "kernel-setup", "fresh-process":
			return
		}
		args = append(args, "--"+fl.Name+"="+fl.Value.String())
	})
	return args
}
