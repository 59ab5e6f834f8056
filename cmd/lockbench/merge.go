package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/printable"
	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/merge"
)

func newMergeCmd() *cobra.Command {
	opts := merge.DefaultOptions
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "merge -o DIR RESULTS...",
		Short: "Merge the shards of a sweep, from one machine or many, into one results file",
		Long: `merge joins the results of 'lockbench run --shard K/N' into DIR/results.txt,
after checking that they make one sweep: the same plan (the flags that decide
what a line means), every shard 1..N exactly once per machine (--machine), every
shard finished, and no case measured twice on one machine. Otherwise it says
what is wrong in one line and writes nothing; DIR must be new or empty
(--force writes into a folder that holds files, replacing its results.txt),
not claimed by a run or merge, and not the folder of an input; --allow-partial merges what is
there and lists what is missing. Shards of different runs of the plan (run:
lines, --run-id) are refused too, naming both, unless --allow-mixed-runs.

Each machine's lines follow a "machine: NAME" line, and each machine's
description (cpu, cores, kernel, ...) is written once at the top. Names lose
their -GOMAXPROCS suffix (the CPU count is the machine's cpus line) and the
regime of a steady repetition (regime=llc: the machine's state; switched
and unprobed repetitions keep theirs, so that they are never pooled), so
that machines with different CPU counts and regimes sit on the same rows:

  lockbench merge -o merged shards/*/results.txt
  go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col machine -filter '.unit:ns/page' merged/results.txt
  lockbench compare --col machine merged/results.txt
  lockbench report merged

A directory given as RESULTS stands for the results.txt inside it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("merge needs the results files of the shards: lockbench merge -o DIR RESULTS...")
			}
			if out == "" {
				return usagef("merge needs -o DIR, the folder for the merged results.txt")
			}
			paths := resultsPaths(args, folderAlways)
			dst := filepath.Join(out, harness.ResultsFile)
			res, err := merge.IntoDir(cmd.Context(), out, harness.ResultsFile, paths, opts, force)
			switch {
			case err != nil && errors.Is(err, context.Canceled):
				return err
			case errors.Is(err, merge.ErrOutputExists):
				return usagef("%v (use --force to replace its results.txt, or another -o)", err)
			case errors.As(err, new(*merge.WriteError)):
				return failure(err) // the disk's fault, not the input's: README's exit status 1
			case errors.Is(err, safefile.ErrBusy):
				return usagef("%v: a lockbench run or merge is writing there (use another -o)", err)
			case err != nil:
				return usage(err)
			}
			stderr := cmd.ErrOrStderr()
			for _, w := range res.Warnings {
				warn(stderr, errors.New(w))
			}
			for _, m := range res.Missing {
				fmt.Fprintf(stderr, "lockbench: partial: %s\n", printable.String(m))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "merged %d repetitions of %d files from %d machines into %s\n",
				res.Lines, len(res.Sources), len(res.Machines), dst)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "", "write the merged results.txt into `DIR`")
	fl.BoolVar(&force, "force", false, "write into a -o folder that holds files already, replacing its results.txt")
	fl.BoolVar(&opts.AllowPartial, "allow-partial", false, "merge what is there when shards are missing or unfinished, and list what is missing")
	fl.BoolVar(&opts.KeepRegimes, "keep-regimes", false, "keep each repetition's regime (regime=llc, ...) in the merged names, so that no statistic pools two regimes of a machine; machines in different regimes then sit on different rows")
	fl.BoolVar(&opts.AllowMixedRuns, "allow-mixed-runs", false, "merge shards of different runs of the plan (their run: lines differ), such as machines measured on different days, instead of refusing them")
	return cmd
}
