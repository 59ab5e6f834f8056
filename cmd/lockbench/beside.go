package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/headline"
)

func newBesideCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "beside RESULTS...",
		Short: "Print the model beside the kernel: batch and large against page, per workload and threads",
		Long: `beside reads the results of runs of the page-cache model and of the kernel
workloads (fault, shmem) and prints one table of their headlines: for each
workload, batch size, lock and thread count, batch against page and large
against page (median ns/page), and how far batch gets toward large
(efficiency: (page - batch) / (page - large)). The model's rows answer
Morton's question on the 2002 path; the kernel's rows answer it on the
running kernel. A directory given as RESULTS stands for the results.txt
inside it.

  lockbench beside lockbench-results/model lockbench-results/fault`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := load(cmd.Context(), resultsPaths(args, folderWithResults)...)
			if err != nil {
				return err
			}
			for _, w := range set.Warnings {
				warn(cmd.ErrOrStderr(), w)
			}
			s, err := reports.Summarize(set.Results)
			if err != nil {
				return usage(err)
			}
			return writeBeside(cmd.OutOrStdout(), s.Headlines)
		},
	}
}

// writeBeside prints one row per headline, in the summary's order.
func writeBeside(w io.Writer, hs []headline.Headline) error {
	if len(hs) == 0 {
		return usagef("no batch-against-page comparison in the results: run modes page and batch (and large)")
	}
	pct := func(f float64) string {
		if math.IsNaN(f) {
			return "—"
		}
		return fmt.Sprintf("%+.0f%%", 100*f)
	}
	t := tablewriter.NewTable(w)
	t.Header("workload", "mode", "batch", "lock", "threads", "regime", "batch vs page", "95% CI", "large vs page", "batch efficiency")
	for _, h := range hs {
		large, eff := "—", "—"
		if h.Large != nil && h.Page > 0 {
			large = pct(float64(*h.Large)/float64(h.Page) - 1)
		}
		if h.Efficiency != nil {
			eff = fmt.Sprintf("%.0f%%", 100*float64(*h.Efficiency))
		}
		lock := h.Lock
		if lock == "" {
			lock = "(kernel's)"
		}
		ci := pct(float64(h.DeltaLo)) + " .. " + pct(float64(h.DeltaHi))
		if err := t.Append(strings.ToLower(h.Workload), h.Mode, h.Batch, lock, h.Threads, h.Regime, pct(float64(h.Delta)), ci, large, eff); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "medians of ns/page; batch efficiency = (page - batch) / (page - large): 100% reaches one large page or folio")
	return err
}
