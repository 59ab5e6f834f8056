package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lockbench/lockbench/reports/render"
	"github.com/spf13/cobra"
)

func newReportCmd() *cobra.Command {
	opts := render.DefaultOptions
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
			if opts.Knee <= 0 || opts.Knee > 1 { // finite: a floatVar
				return usagef("--knee %v: must be a fraction in (0, 1], e.g. 0.9", opts.Knee)
			}
			paths := resultsPaths(args, folderWithResults)
			set, err := load(cmd.Context(), paths...)
			if err != nil {
				return err
			}
			for _, w := range set.Warnings {
				warn(cmd.ErrOrStderr(), w)
			}
			dir := out
			if dir == "" {
				dir = filepath.Dir(paths[0])
			}
			opts.Command = "lockbench report " + strings.Join(args, " ")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return reportWriteError(dir, err)
			}
			if err := render.Write(dir, set, opts); err != nil {
				return reportWriteError(dir, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s\n",
				filepath.Join(dir, render.HTMLFile), filepath.Join(dir, render.MarkdownFile))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "", "write the report into `DIR` (default: the directory of the first RESULTS file)")
	fl.StringVar(&opts.Title, "title", opts.Title, "the report's `title`")
	floatVar(fl, &opts.Knee, "knee", opts.Knee, "the `fraction` of the one-big-page ideal that marks the knee")
	return cmd
}

// reportWriteError classifies a failure to write the report into dir the
// same way whether dir was given (-o) or is the results' own folder: a
// folder that cannot be written (permissions, read-only, not a folder) is
// the user's to change, exit 2; anything else (a full disk, an I/O
// error) is a failure, exit 1.
func reportWriteError(dir string, err error) error {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
		return usagef("cannot write the report into %s: %v (give a writable directory with -o)", dir, err)
	}
	return failure(fmt.Errorf("writing the report into %s: %w", dir, err))
}
