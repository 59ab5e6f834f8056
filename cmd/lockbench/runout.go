package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/profiles"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/render"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
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
		opts := reports.SummaryOptions{}
		if sw.Adaptive() {
			opts.TargetCI = f.target()
		}
		// One summary for stdout and summary.txt: nothing is written when
		// summarizing fails.
		if sum, err := reports.SummarizeWith(out.Lines, opts); err != nil {
			keep(fmt.Errorf("summarizing: %w", err))
		} else {
			if err := writeSummary(stdout, sum, out, partial, f.json, f.verbose); err != nil {
				keep(err)
			}
			if err := saveSummary(filepath.Join(sw.Dir(), harness.SummaryFile), sum); err != nil {
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
		fmt.Fprintf(where, "results: %s (%d lines)\ncompare: go tool benchstat -col /mode %s\n", sw.Path(), len(out.Lines), sw.Path())
		if len(out.Lines) > out.Done {
			fmt.Fprintf(where, "classes: lockbench classes %s\n", sw.Dir())
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

// progress reports finished cases on stderr: a bar on a terminal, one
// plain line per case otherwise, nothing when quiet.
type progress struct {
	w     io.Writer
	total int
	bar   *progressbar.ProgressBar
	quiet bool
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	p := &progress{w: w, total: total, quiet: quiet}
	if quiet {
		return p
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		n := total
		if n == 0 {
			n = -1 // adaptive: a spinner, the total is not known
		}
		p.bar = progressbar.NewOptions(n,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription("running"),
		)
	}
	return p
}

func (p *progress) step(i int, r *harness.Result, cpus int) {
	c := r.Case
	switch {
	case p.quiet:
	case p.bar != nil:
		p.bar.Describe(c.Name())
		_ = p.bar.Add(1)
	default:
		ns := 0.0
		if r.Pages > 0 {
			ns = float64(r.Wall.Nanoseconds()) / float64(r.Pages)
		}
		over := ""
		if c.Oversubscribed(cpus) {
			over = " (oversubscribed)"
		}
		of := "/" + strconv.Itoa(p.total)
		if p.total == 0 {
			of = "" // adaptive: the total is not known
		}
		reg := ""
		if x := r.Regime(); x != "" {
			reg = ", " + x
		}
		fmt.Fprintf(p.w, "[%*d%s] %s%s: %.1f ns/%s, xfer %.0f ns%s\n", len(strconv.Itoa(p.total)), i+1, of, c.Name(), over, ns, c.Per(), r.XferNS, reg)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
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
	var b bytes.Buffer
	if asJSON {
		doc := runJSON{Partial: partial, Finished: out.Done, Cases: out.Cases, Summary: sum}
		data, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return fmt.Errorf("summarizing: %w", err)
		}
		b.Write(data)
		b.WriteByte('\n')
	} else {
		if partial {
			fmt.Fprintf(&b, "partial summary: %d of %d repetitions finished\n", out.Done, out.Cases)
		}
		if err := writeSummaryText(&b, sum, verbose); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeSummaryText writes the text summary and, with verbose, the
// details and the lock-class table after it.
func writeSummaryText(w io.Writer, sum *reports.Summary, verbose bool) error {
	if err := sum.WriteText(w); err != nil {
		return err
	}
	if !verbose {
		return nil
	}
	if err := sum.WriteDetails(w); err != nil {
		return err
	}
	if len(sum.Classes) == 0 {
		return nil
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return err
	}
	return sum.WriteClasses(w)
}

// saveSummary writes the text summary beside the results, details and
// lock classes included, whole or not at all (safefile.WriteFile: a full
// disk leaves no truncated summary).
func saveSummary(path string, sum *reports.Summary) error {
	write := func(w io.Writer) error { return writeSummaryText(w, sum, true) }
	if err := safefile.WriteFile(path, 0o644, write); err != nil {
		return fmt.Errorf("writing the summary: %w", err)
	}
	return nil
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

// commandLine renders the command as the user could type it again, for
// the report's methodology section.
func commandLine(cmd *cobra.Command) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if fl.Value.Type() == "bool" {
			parts = append(parts, "--"+fl.Name)
			return
		}
		parts = append(parts, "--"+fl.Name+"="+fl.Value.String())
	})
	return strings.Join(parts, " ")
}
