package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/profiles"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/render"
	"github.com/spf13/cobra"
)

// finish prints what the sweep left: the summary of its lines (marked
// partial when it failed or was cut short), saved as summary.txt, the
// report beside the results, and where everything is. It returns the
// first error of its own.
//
// With --json, stdout is one JSON document (runJSON, "partial" says
// whether every repetition finished) or, when no line finished or the
// summary failed, nothing; everything else goes to stderr.
func (f *runFlags) finish(cmd *cobra.Command, sw *harness.Sweep, out harness.Outcome, failed bool, prof *profiles.Session) error {
	stdout := cmd.OutOrStdout()
	where := stdout
	if f.json {
		where = cmd.ErrOrStderr() // keep stdout one JSON document
	}
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	reported := false
	if len(out.Lines) > 0 {
		partial := failed || out.Partial()
		opts := reports.SummaryOptions{Repeated: out.Repeated}
		if sw.Adaptive() {
			opts.TargetCI = sw.Plan().Target
		}
		// One summary for stdout and summary.txt: nothing is written when
		// summarizing fails.
		if sum, err := reports.SummarizeWith(out.Lines, opts); err != nil {
			keep(fmt.Errorf("summarizing: %w", err))
		} else {
			if err := writeSummary(stdout, sum, out, partial, f.json, f.verbose); err != nil {
				keep(err)
			}
			if err := sum.Save(filepath.Join(sw.Dir(), harness.SummaryFile)); err != nil {
				keep(err)
			}
		}
		if !f.noReport {
			// Also after an interrupt: a partial sweep still deserves its report.
			set := &reports.Set{Results: out.Lines, Files: []string{sw.Path()}}
			opts := render.DefaultOptions
			opts.Command = commandLine(cmd)
			if err := render.Write(sw.Dir(), set, opts); err != nil {
				keep(fmt.Errorf("writing the report: %w", err))
			} else {
				reported = true
			}
		}
	}
	if len(out.Lines) > 0 || !failed {
		fmt.Fprintf(where, "results: %s (%d lines)\ncompare: %s\n", sw.Path(), len(out.Lines), benchstatHint(sw.Path()))
		if len(out.Lines) > out.Done {
			fmt.Fprintf(where, "classes: %s classes %s\n", self(), sw.Dir())
		}
		if reported { // a report that failed to write is not there to open
			fmt.Fprintf(where, "report:  %s\n", filepath.Join(sw.Dir(), render.HTMLFile))
		}
		if prof != nil {
			fmt.Fprintf(where, "profiles: %s\n", strings.Join(profiles.Files(), ", "))
			for _, c := range prof.Commands() {
				fmt.Fprintf(where, "  %s\n", c)
			}
		}
	}
	return first
}

// runJSON is `run --json`'s document: the summary's fields, and whether
// the sweep finished every repetition.
type runJSON struct {
	Partial  bool `json:"partial"`
	Finished int  `json:"finished"` // repetitions with a line
	Cases    int  `json:"cases"`    // repetitions planned
	*reports.Summary
}

// writeSummary prints sum, the summary of the sweep out (the table, the
// headlines and the regime line), as text or as one JSON document (which
// always has the details and the lock classes); with verbose, the text
// ends with the details and the lock-class table.
func writeSummary(w io.Writer, sum *reports.Summary, out harness.Outcome, partial, asJSON, verbose bool) error {
	if asJSON {
		if err := writeJSON(w, runJSON{Partial: partial, Finished: out.Done, Cases: out.Cases, Summary: sum}); err != nil {
			return fmt.Errorf("summarizing: %w", err)
		}
		return nil
	}
	var b bytes.Buffer // the summary whole or not at all
	if partial {
		fmt.Fprintf(&b, "partial summary: %d of %d repetitions finished\n", out.Done, out.Cases)
	}
	write := sum.WriteText
	if verbose {
		write = sum.WriteFull
	}
	if err := write(&b); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// profileRecords turns a repetition's per-class lock counts into the
// contention profile's records: the case's labels (harness.Case.Labels),
// the class, and the lock the class ran.
func profileRecords(r *harness.Result) []profiles.Record {
	var recs []profiles.Record
	for i := range r.Classes {
		cl := &r.Classes[i]
		l := append(r.Case.Labels(), profiles.LabelClass, string(cl.Class), profiles.LabelLock, cl.Lock)
		recs = append(recs, profiles.Record{Labels: profiles.Labels(l...), Stats: &cl.Stats})
	}
	return recs
}
