package main

import (
	"strings"

	"github.com/lockbench/lockbench/reports/compare"
	"github.com/spf13/cobra"
)

func newCompareCmd() *cobra.Command {
	opts := compare.DefaultOptions
	format := string(compare.Text)
	// ns/page and acq/page answer the question; the other units (counters,
	// probes, latencies) are one flag away.
	units := "ns/page,acq/page"
	cmd := &cobra.Command{
		Use:   "compare OLD [NEW...]",
		Short: "Compare benchmark results benchstat's way (medians, 95% CI, Mann-Whitney U)",
		Long: `compare summarizes benchmark results in the Go benchmark format — lockbench's
results.txt or plain 'go test -bench' output — and compares every column with
the first: median ± 95% confidence interval per cell, then the change and the
Mann-Whitney U p-value; "~" means no significant difference at --alpha.

Columns are the input files by default. --col /mode compares the modes inside
one file; --row and --filter take benchstat's projection and filter syntax
(golang.org/x/perf/benchproc), e.g.

  lockbench compare old.txt new.txt
  lockbench compare --col /mode --filter '/threads:2 .unit:ns/page' results.txt
  lockbench compare --col /lock --row /mode,/threads results.txt

Unlike benchstat, results are not split into tables by file configuration
(--table .config does that); the configuration the files share is printed
above the tables and what differs is noted below them. A row that the first
column and another ran in no common machine regime (the regime key in the
name) is listed after the tables as inconclusive, as gate does. Lines whose
machine state changed in flight (regime=switched) are left out, as in every
statistic. By default only ns/page and acq/page are compared: --units all
compares every unit.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := compare.ParseFormat(format)
			if err != nil {
				return usagef("--format: %v", err)
			}
			opts.Units = nil
			if units != "all" {
				opts.Units = strings.Split(units, ",")
			}
			set, err := load(cmd.Context(), args...)
			if err != nil {
				return err
			}
			cmp, err := compare.Tables(set, opts)
			if err != nil {
				return usage(err)
			}
			for _, w := range set.Warnings {
				warn(cmd.ErrOrStderr(), w)
			}
			return failure(cmp.Write(cmd.OutOrStdout(), f))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Row, "row", opts.Row, "split results into rows by distinct values of `projection`")
	fl.StringVar(&opts.Col, "col", opts.Col, "split results into columns by `projection`; each column is compared with the first")
	fl.StringVar(&opts.Table, "table", opts.Table, "split results into tables by `projection` (benchstat's default is .config)")
	fl.StringVar(&opts.Ignore, "ignore", opts.Ignore, "ignore variations in `keys`")
	fl.StringVar(&opts.Filter, "filter", opts.Filter, "use only benchmarks matching the benchproc `query`")
	floatVar(fl, &opts.Alpha, "alpha", opts.Alpha, "consider a change significant if p <= `α`")
	floatVar(fl, &opts.Confidence, "confidence", opts.Confidence, "confidence `level` of the intervals")
	fl.StringVar(&format, "format", format, "output `format`: text, markdown, csv or json")
	fl.StringVar(&units, "units", units, "the `units` compared, comma-separated, or 'all'; files with none of them (plain go test output) compare every unit")
	return cmd
}
