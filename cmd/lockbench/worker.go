package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lockbench/lockbench/ab"
	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/schema"
	"github.com/spf13/cobra"
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
			switch {
			case err == nil:
				return nil
			case errors.Is(err, context.Canceled):
				return err
			}
			if _, ok := errors.AsType[*ab.ProtocolError](err); ok {
				return usage(err)
			}
			if se, ok := errors.AsType[*statusError](err); ok {
				return se
			}
			return failure(err)
		},
	}
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

var _ ab.Bench = (*workerBench)(nil)

// openWorkerBench parses args as 'lockbench run' flags (the same parse,
// so a side's flags mean what they mean to run) into the side's plan.
// The worker runs its timed cases only: no counting repetitions, no
// floor unless asked.
func openWorkerBench(args []string) (*workerBench, error) {
	rc, f := runCommand()
	rc.SetArgs(args)
	if err := rc.ParseFlags(args); err != nil {
		return nil, usagef("%v", err)
	}
	if rest := rc.Flags().Args(); len(rest) > 0 {
		return nil, usagef("unexpected argument %q", rest[0])
	}
	plan, runner, err := f.parse(rc)
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
	c, ok := w.cases[name]
	if !ok {
		return ab.Reply{}, fmt.Errorf("no case %q in this side's plan", name)
	}
	c.Block = block
	res, err := w.runner.RunProbed(ctx, c, w.speed)
	if err != nil {
		return ab.Reply{}, err
	}
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
