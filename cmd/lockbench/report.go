package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lockbench/lockbench/reports"
)

func newReportCmd() *cobra.Command {
	opts := reports.DefaultReportOptions
	var out string
	cmd := &cobra.Command{
		Use:   "report RESULTS... [-o DIR]",
		Short: "Write an HTML and Markdown report with plots from benchmark results",
		Long: `report reads benchmark results in the Go benchmark format — lockbench's
results.txt or plain 'go test -bench' output — and writes into DIR:

  report.html   one self-contained file: inline SVG plots and CSS, no JavaScript
  report.md     the same in Markdown, linking the plots beside it
  plot-*.svg    the plots

The report gives the headline answer (batch against page, with confidence
intervals), the efficiency of each batch size against the one-big-page ideal
(mode large), the knee (the smallest batch reaching --knee of the ideal), plots
of ns/page against batch size, throughput against threads, wait p99 against
batch size and a decomposition of per-page time, counters per page, benchstat
comparison tables of the modes, the machine and the method. Input without
lockbench cases gives a report of what it has, saying what is missing and why.

DIR defaults to the directory of the first RESULTS file. A directory given as
RESULTS stands for the results.txt inside it.

  lockbench report lockbench-results/2026-11-25T22-00-00/results.txt
  lockbench report -o /tmp/r old.txt new.txt`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if math.IsNaN(opts.Knee) || opts.Knee <= 0 || opts.Knee > 1 {
				return usagef("--knee %v: must be a fraction in (0, 1], e.g. 0.9", opts.Knee)
			}
			paths := make([]string, len(args))
			for i, a := range args {
				paths[i] = a
				if fi, err := os.Stat(a); err == nil && fi.IsDir() {
					if _, err := os.Stat(filepath.Join(a, "results.txt")); err == nil {
						paths[i] = filepath.Join(a, "results.txt")
					}
				}
			}
			set, err := reports.Load(paths...)
			if err != nil {
				return usage(err) // several bad files are one line (reports.InputErrors)
			}
			for _, w := range set.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "lockbench: warning: %v\n", w)
			}
			dir := out
			if dir == "" {
				dir = filepath.Dir(paths[0])
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return usagef("cannot write the report into %s: %v (give a writable directory with -o)", dir, err)
			}
			opts.Command = "lockbench report " + strings.Join(args, " ")
			if err := reports.WriteReport(dir, set, opts); err != nil {
				return failure(fmt.Errorf("writing the report into %s: %w", dir, err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s\n",
				filepath.Join(dir, reports.ReportHTMLFile), filepath.Join(dir, reports.ReportMarkdownFile))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "", "write the report into `DIR` (default: the directory of the first RESULTS file)")
	fl.StringVar(&opts.Title, "title", opts.Title, "the report's `title`")
	fl.Float64Var(&opts.Knee, "knee", opts.Knee, "the `fraction` of the one-big-page ideal that marks the knee")
	return cmd
}
