package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/lockbench/lockbench/reports"
)

func newClassesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "classes RESULTS...",
		Short: "Print which lock class the time goes to, lockstat's way, from results files",
		Long: `classes reads lockbench results (results.txt, or a results folder) and prints,
per case and per lock class (zone, mapping, lru, queue; cs for the cs
workload), the columns lockstat and 'perf lock contention' print for a lock:
contended acquisitions, total wait, max wait, average wait, acquisitions and
average hold, each case's classes sorted by total wait, with each class's
share of the case's wait. Counts and total wait are per page, medians over
repetitions.

It reads the class lines (.../class=lru) that 'lockbench run' writes after
each case line; results of a bare run, an older lockbench or go test have
none, and that is an input error.

  lockbench classes lockbench-results/20261125-220000
  go tool benchstat -filter /class:lru -col /batch results.txt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := load(cmd.Context(), resultsPaths(args, folderWithResults)...)
			if err != nil {
				return err
			}
			for _, w := range set.Warnings {
				warn(cmd.ErrOrStderr(), w)
			}
			warnings, err := reports.WriteClassTable(cmd.OutOrStdout(), set)
			for _, w := range warnings {
				warn(cmd.ErrOrStderr(), errors.New(w))
			}
			return usage(err)
		},
	}
}
