package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lockbench/lockbench/reports"
)

func newAgreeCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "agree RESULTS RESULTS...",
		Short: "Check that separate runs agree, and pool them: each run's estimate inside the other runs' 95% intervals",
		Long: `agree reads the results of separate runs of one plan (results.txt, or a
results folder) and prints, for every headline and each part of its saving
split, every run's estimate with its 95% interval side by side, checks each
run's estimate against each other run's interval, and pools the runs: a
random-effects mean with its 95% interval (Hartung-Knapp), the figure for the
machine over the runs' span, and the sd between the runs beyond their own
intervals (DerSimonian-Laird; 0 when chance explains them).

Run the plan as three or more separate processes, minutes apart, before you
call a comparison stable: repetitions inside one process share its layout,
its heap and its minute of the host, and an interval that excludes the next
run's estimate did not carry the spread that matters. Alike runs hold about
83% of the checks or more (the two estimates' errors add), and three alike runs
hold all six checks of a row in only about 65% of series; clearly fewer says
the runs differed by more than their intervals allow, and "between" says by
how much. A run's interval is for its own minutes of the host; where the host
moves between runs, the pooled interval is the one that carries it (it is
wide with three runs: its t quantile has two degrees of freedom).

  for i in 1 2 3; do lockbench run --out r$i; sleep 120; done
  lockbench agree r1 r2 r3

The exit status is 0 whatever the checks say: agree describes; gate and ab judge.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			paths := resultsPaths(args, folderWithResults)
			sums := make([]*reports.Summary, len(paths))
			for i, p := range paths {
				set, err := load(cmd.Context(), p)
				if err != nil {
					return err
				}
				for _, w := range set.Warnings {
					warn(cmd.ErrOrStderr(), w)
				}
				if sums[i], err = reports.Summarize(set.Results); err != nil {
					return usagef("%s: %v", p, err)
				}
			}
			rows := reports.Agree(sums)
			if len(rows) == 0 {
				return usagef("no headline in any of the %d results: agree compares runs of lockbench run (a batched mode against page)", len(paths))
			}
			out := cmd.OutOrStdout()
			if asJSON {
				held, checks := reports.AgreeHeld(rows)
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return failure(enc.Encode(struct {
					Runs   []string           `json:"runs"`
					Rows   []reports.AgreeRow `json:"rows"`
					Held   int                `json:"held"`
					Checks int                `json:"checks"`
				}{args, rows, held, checks}))
			}
			names := make([]string, len(args))
			for i := range args {
				names[i] = "run " + strconv.Itoa(i+1)
			}
			for i, a := range args {
				fmt.Fprintf(out, "run %d: %s\n", i+1, filepath.Clean(a))
			}
			fmt.Fprintln(out)
			return failure(reports.WriteAgree(out, rows, names))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the rows and checks as JSON")
	return cmd
}
