package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/profiles"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/workloads"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/term"
)

// runFlags are the flags of 'lockbench run', as typed.
type runFlags struct {
	locks                                 string
	zoneLock, mappingLock, lruLock, qLock string
	modes, batch, threads                 string
	files                                 string
	duration, warmup                      time.Duration
	count                                 int
	order, affinity, workload             string
	zones, touch, filePages, lines, think int
	delay                                 string
	out                                   string
	force, quiet, json, bare, profile     bool
	profileClasses                        bool
	noReport                              bool
	grace                                 time.Duration
}

// defaultRunFlags answer the question in under 60 s on 2 cores: 2 locks
// x 5 modes x 2 thread counts x 5 repetitions = 100 repetitions of 0.25 s
// (50 ms warm-up, 200 ms measured) plus the per-repetition setup (build
// the model, probe, threads): 28 s measured on a quiet 2-vCPU VM, about
// 45 s on a busy one.
func defaultRunFlags() runFlags {
	return runFlags{
		locks:    "mutex,mcs",
		modes:    strings.Join(modeStrings(), ","),
		batch:    "16",
		threads:  defaultThreads(),
		files:    "shared",
		duration: 200 * time.Millisecond,
		warmup:   50 * time.Millisecond,
		count:    5,
		order:    string(harness.Interleaved),
		affinity: string(harness.Compact),
		workload: workloads.PageCache,
		zones:    workloads.DefaultSpec.Zones,
		touch:    workloads.DefaultSpec.Touch,
		lines:    workloads.DefaultSpec.Lines,
		think:    workloads.DefaultSpec.Think,
		grace:    harness.DefaultRunner.Grace,
	}
}

func modeStrings() []string {
	var s []string
	for _, m := range workloads.Modes() {
		s = append(s, string(m))
	}
	return s
}

func defaultThreads() string {
	if n := runtime.NumCPU(); n > 1 {
		return "1," + strconv.Itoa(n)
	}
	return "1"
}

func newRunCmd() *cobra.Command {
	f := defaultRunFlags()
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a sweep and answer how much batching saves",
		Long: `run sweeps lock algorithms x modes x batch sizes x thread counts on pinned
cores, repeats every case --count times (interleaved), writes one line per
repetition in the Go benchmark format to DIR/results.txt the moment it ends,
and prints a summary with the headline: how much batching saves per lock and
thread count, and how close it gets to one big page.

With no flags it answers the question in under a minute on 2 cores.
Compare runs with 'go tool benchstat -col /mode DIR/results.txt'.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.locks, "locks", f.locks, "lock algorithms to sweep, comma-separated (see 'lockbench list')")
	fl.StringVar(&f.zoneLock, "zone-lock", "", "lock for the zone class in every case (overrides --locks for it)")
	fl.StringVar(&f.mappingLock, "mapping-lock", "", "lock for the mapping class in every case")
	fl.StringVar(&f.lruLock, "lru-lock", "", "lock for the LRU class in every case")
	fl.StringVar(&f.qLock, "queue-lock", "", "lock for the block-queue class in every case")
	fl.StringVar(&f.modes, "modes", f.modes, "pagecache modes to sweep, comma-separated: "+strings.Join(modeStrings(), ", "))
	fl.StringVar(&f.batch, "batch", f.batch, "batch sizes in pages to sweep, comma-separated (the large-page unit in mode large)")
	fl.StringVar(&f.threads, "threads", f.threads, "worker thread counts to sweep, comma-separated; more than the CPUs is allowed (oversubscribed)")
	fl.StringVar(&f.files, "files", f.files, "shared (one file read by all workers) or private (a file per worker)")
	fl.DurationVar(&f.duration, "duration", f.duration, "measured time per repetition")
	fl.DurationVar(&f.warmup, "warmup", f.warmup, "unmeasured warm-up before each repetition")
	fl.IntVar(&f.count, "count", f.count, "repetitions of every case")
	fl.StringVar(&f.order, "order", f.order, "interleaved (A B A B) or grouped (A A B B) repetitions")
	fl.StringVar(&f.affinity, "affinity", f.affinity, "worker placement: compact, spread or none")
	fl.StringVar(&f.workload, "workload", f.workload, "pagecache or cs (one lock, a critical section of --lines cache lines)")
	fl.IntVar(&f.zones, "zones", f.zones, "pagecache: number of zones (zone locks)")
	fl.IntVar(&f.touch, "touch", f.touch, "pagecache: bytes of page data written per page (0-4096)")
	fl.IntVar(&f.filePages, "file-pages", 0, "pagecache: pages per file (0: sized from batch and threads)")
	fl.StringVar(&f.delay, "delay", "", "extra time inside critical sections, class=duration,... (e.g. zone=200ns,lru=1us)")
	fl.IntVar(&f.lines, "lines", f.lines, "cs: shared cache lines written in the critical section")
	fl.IntVar(&f.think, "think", f.think, "cs: units of private work after the critical section")
	fl.StringVar(&f.out, "out", "", "results folder (default lockbench-results/<timestamp>; an existing non-empty one needs --force)")
	fl.BoolVar(&f.force, "force", false, "write into an existing non-empty --out folder (results.txt is overwritten)")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress, no notes; only the summary")
	fl.BoolVar(&f.json, "json", false, "print the summary as JSON on stdout")
	fl.BoolVar(&f.noReport, "no-report", false, "do not write report.html and report.md into the results folder")
	fl.BoolVar(&f.bare, "bare", false, "run the locks without instrumentation (to measure what it costs); lock units are left out")
	fl.BoolVar(&f.profile, "profile", false, "write CPU, mutex, block and lock-contention profiles (pprof) beside the results")
	fl.BoolVar(&f.profileClasses, "profile-classes", false, "with --profile: also label each lock class's critical section (class=...) in the CPU profile; costs ~13 ns per acquisition, so ns/page rises")
	fl.DurationVar(&f.grace, "watchdog", f.grace, "how long a worker may overrun a phase before the run is stopped")
	return cmd
}

// sweep is a validated run: what to run and where to write it.
type sweep struct {
	plan   harness.Plan
	runner harness.Runner
	outDir string
}

// parse validates every flag before anything runs; each error is one
// line naming the flag.
func (f *runFlags) parse(cmd *cobra.Command) (*sweep, error) {
	changed := cmd.Flags().Changed
	s := &sweep{}
	r := harness.DefaultRunner
	if f.duration <= 0 {
		return nil, usagef("--duration %v: must be positive", f.duration)
	}
	if f.warmup < 0 {
		return nil, usagef("--warmup %v: must not be negative", f.warmup)
	}
	if f.count <= 0 {
		return nil, usagef("--count %d: must be at least 1", f.count)
	}
	if f.profileClasses && !f.profile {
		return nil, usagef("--profile-classes labels the CPU profile and needs --profile")
	}
	if f.grace <= 0 {
		return nil, usagef("--watchdog %v: must be positive", f.grace)
	}
	r.Duration, r.Warmup, r.Grace = f.duration, f.warmup, f.grace
	aff, err := harness.ParseAffinity(f.affinity)
	if err != nil {
		return nil, usagef("--affinity: %v", err)
	}
	r.Affinity = aff
	order := harness.Order(f.order)
	if order != harness.Interleaved && order != harness.Grouped {
		return nil, usagef("--order %q: want interleaved or grouped", f.order)
	}

	base := workloads.DefaultSpec
	base.Workload = f.workload
	base.Bare = f.bare
	switch f.workload {
	case workloads.PageCache:
		for _, name := range []string{"lines", "think"} {
			if changed(name) {
				return nil, usagef("--%s applies to --workload cs only", name)
			}
		}
	case workloads.CS:
		for _, name := range []string{"modes", "batch", "files", "zones", "touch", "file-pages", "zone-lock", "mapping-lock", "lru-lock", "queue-lock"} {
			if changed(name) {
				return nil, usagef("--%s applies to --workload pagecache only", name)
			}
		}
	default:
		return nil, usagef("--workload %q: want %s", f.workload, strings.Join(workloads.Names(), " or "))
	}
	switch f.files {
	case "shared":
		base.SharedFiles = true
	case "private":
		base.SharedFiles = false
	default:
		return nil, usagef("--files %q: want shared or private", f.files)
	}
	base.Zones, base.Touch, base.FilePages, base.Lines, base.Think = f.zones, f.touch, f.filePages, f.lines, f.think
	if f.filePages < 0 {
		return nil, usagef("--file-pages %d: must not be negative (0 sizes files from batch and threads)", f.filePages)
	}
	for flag, cl := range map[string]workloads.Class{"zone-lock": workloads.ClassZone, "mapping-lock": workloads.ClassMapping, "lru-lock": workloads.ClassLRU, "queue-lock": workloads.ClassQueue} {
		v, _ := cmd.Flags().GetString(flag)
		if v == "" {
			continue
		}
		if _, err := locks.Lookup(v); err != nil {
			return nil, usagef("--%s: %v", flag, err)
		}
		if base.ClassLocks == nil {
			base.ClassLocks = map[workloads.Class]string{}
		}
		base.ClassLocks[cl] = v
	}
	if base.Delay, err = parseDelays(f.delay); err != nil {
		return nil, usagef("--delay: %v", err)
	}

	p := harness.Plan{Base: base, Count: f.count, Order: order}
	if p.Locks, err = parseList(f.locks); err != nil {
		return nil, usagef("--locks: %v", err)
	}
	for _, l := range p.Locks {
		if _, err := locks.Lookup(l); err != nil {
			return nil, usagef("--locks: %v", err)
		}
	}
	modes, err := parseList(f.modes)
	if err != nil {
		return nil, usagef("--modes: %v", err)
	}
	for _, m := range modes {
		if !slices.Contains(modeStrings(), m) {
			return nil, usagef("--modes: unknown mode %q (known: %s)", m, strings.Join(modeStrings(), ", "))
		}
		p.Modes = append(p.Modes, workloads.Mode(m))
	}
	if p.Batches, err = parseInts(f.batch); err != nil {
		return nil, usagef("--batch: %v", err)
	}
	if p.Threads, err = parseInts(f.threads); err != nil {
		return nil, usagef("--threads: %v", err)
	}
	if err := p.Validate(); err != nil {
		return nil, usage(err)
	}
	s.plan, s.runner = p, r
	s.outDir = f.out
	if s.outDir == "" {
		s.outDir = harness.DefaultOutDir(time.Now())
	}
	return s, nil
}

// parseList splits a comma-separated list, refusing empty items and
// duplicates.
func parseList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty list")
	}
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("malformed list %q: empty item", s)
		}
		if slices.Contains(out, item) {
			return nil, fmt.Errorf("malformed list %q: %q twice", s, item)
		}
		out = append(out, item)
	}
	return out, nil
}

// parseInts parses a list of positive integers.
func parseInts(s string) ([]int, error) {
	items, err := parseList(s)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, it := range items {
		n, err := strconv.Atoi(it)
		if err != nil {
			return nil, fmt.Errorf("malformed list %q: %q is not a whole number", s, it)
		}
		if n <= 0 {
			return nil, fmt.Errorf("%d: must be at least 1", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseDelays parses class=duration,... .
func parseDelays(s string) (map[workloads.Class]time.Duration, error) {
	if s == "" {
		return nil, nil
	}
	items, err := parseList(s)
	if err != nil {
		return nil, err
	}
	out := map[workloads.Class]time.Duration{}
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		if !ok {
			return nil, fmt.Errorf("malformed item %q: want class=duration, e.g. zone=200ns", it)
		}
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("malformed duration in %q: want e.g. 200ns or 1us", it)
		}
		cl := workloads.Class(strings.TrimSpace(k))
		if _, dup := out[cl]; dup {
			return nil, fmt.Errorf("class %s given twice", cl)
		}
		out[cl] = d
	}
	return out, nil
}

// runRun validates, then runs the sweep. Results go to the output folder
// as they come; the summary goes to stdout; progress and notes to stderr.
func runRun(cmd *cobra.Command, f *runFlags) error {
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	s, err := f.parse(cmd)
	if err != nil {
		return err
	}
	topo, err := s.runner.Topology()
	if err != nil {
		return failure(err)
	}
	out, err := harness.CreateOutput(s.outDir, f.force)
	if err != nil {
		return usage(err)
	}
	defer out.Close()

	var prof *profiles.Session
	if f.profile {
		// Started before the sweep so that an unwritable path fails now.
		if prof, err = profiles.Start(out.Dir, profiles.DefaultOptions); err != nil {
			return usage(err)
		}
		s.runner.Labels = true
		s.runner.ClassLabels = f.profileClasses
	}

	note := func(format string, a ...any) {
		if !f.quiet {
			fmt.Fprintf(stderr, "lockbench: "+format+"\n", a...)
		}
	}
	support := s.runner.CounterSupport()
	if n := support.Note(); n != "" {
		note("%s", n)
	}
	cfg := harness.FileConfig(harness.ReadMachine(topo), &s.runner, s.plan, support)
	cpus := len(topo.CPUs)
	var over []string
	for _, n := range s.plan.Threads {
		if n > cpus {
			over = append(over, strconv.Itoa(n))
		}
	}
	if len(over) > 0 {
		cfg.Add("oversubscribed", "threads="+strings.Join(over, ","))
		note("threads %s oversubscribed: more workers than the %d CPUs", strings.Join(over, ","), cpus)
	}

	cases := s.plan.Cases()
	prog := newProgress(stderr, len(cases), f.quiet)
	var lines []*benchfmt.Result
	var runErr error
	for i, c := range cases {
		res, err := s.runner.Run(ctx, c)
		if err != nil {
			runErr = err
			break
		}
		line := res.Benchfmt(cfg)
		if err := out.Write(line); err != nil {
			runErr = err
			break
		}
		lines = append(lines, line)
		prog.step(i, c, res, cpus)
		if prof != nil {
			if err := prof.Add(profileRecords(res)...); err != nil {
				runErr = failure(err)
				break
			}
		}
	}
	prog.finish()
	if prof != nil {
		if err := prof.Stop(nil); err != nil && runErr == nil {
			runErr = failure(err)
		}
	}
	if err := out.Close(); err != nil && runErr == nil {
		runErr = err
	}

	interrupted := errors.Is(runErr, context.Canceled)
	if len(lines) > 0 {
		if interrupted || runErr != nil {
			fmt.Fprintf(stdout, "partial summary: %d of %d repetitions finished\n", len(lines), len(cases))
		}
		if err := writeSummary(stdout, lines, f.json); err != nil && runErr == nil {
			runErr = failure(err)
		}
		if err := saveSummary(filepath.Join(out.Dir, "summary.txt"), lines); err != nil && runErr == nil {
			runErr = failure(err)
		}
		if !f.noReport {
			// Also after an interrupt: a partial sweep still deserves its report.
			set := &reports.Set{Results: lines, Files: []string{out.Path}}
			opts := reports.DefaultReportOptions
			opts.Command = commandLine(cmd)
			if err := reports.WriteReport(out.Dir, set, opts); err != nil && runErr == nil {
				runErr = failure(fmt.Errorf("writing the report: %w", err))
			}
		}
	}
	where := stdout
	if f.json {
		where = stderr // keep stdout pure JSON
	}
	if len(lines) > 0 || runErr == nil {
		fmt.Fprintf(where, "results: %s (%d lines)\ncompare: go tool benchstat -col /mode %s\n", out.Path, len(lines), out.Path)
		if !f.noReport && len(lines) > 0 {
			fmt.Fprintf(where, "report:  %s\n", filepath.Join(out.Dir, reports.ReportHTMLFile))
		}
		if prof != nil {
			fmt.Fprintf(where, "profiles: %s\n", strings.Join(profiles.Files(), ", "))
			for _, c := range prof.Commands() {
				fmt.Fprintf(where, "  %s\n", c)
			}
		}
	}
	switch {
	case runErr == nil:
		return nil
	case interrupted:
		return fmt.Errorf("interrupted after %d of %d repetitions; finished lines kept in %s: %w", len(lines), len(cases), out.Path, context.Canceled)
	default:
		return failure(runErr)
	}
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
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetDescription("running"),
		)
	}
	return p
}

func (p *progress) step(i int, c harness.Case, r *harness.Result, cpus int) {
	switch {
	case p.quiet:
	case p.bar != nil:
		p.bar.Describe(c.Name())
		_ = p.bar.Add(1)
	default:
		per := c.Per()
		ns := 0.0
		if r.Pages > 0 {
			ns = float64(r.Wall.Nanoseconds()) / float64(r.Pages)
		}
		over := ""
		if c.Oversubscribed(cpus) {
			over = " (oversubscribed)"
		}
		fmt.Fprintf(p.w, "[%*d/%d] %s%s: %.1f ns/%s, xfer %.0f ns\n", len(strconv.Itoa(p.total)), i+1, p.total, c.Name(), over, ns, per, r.XferNS)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// writeSummary prints the summary of the sweep's lines (reports.Summarize:
// the table, the headlines and the regime warnings), as text or JSON.
func writeSummary(w io.Writer, lines []*benchfmt.Result, asJSON bool) error {
	sum, err := reports.Summarize(lines)
	if err != nil {
		return fmt.Errorf("summarizing: %w", err)
	}
	if asJSON {
		b, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			return fmt.Errorf("summarizing: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	return sum.WriteText(w)
}

// saveSummary writes the text summary beside the results.
func saveSummary(path string, lines []*benchfmt.Result) error {
	var b bytes.Buffer
	if err := writeSummary(&b, lines, false); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the summary: %w", err)
	}
	return nil
}

// profileRecords turns a repetition's per-class lock counts into the
// contention profile's records.
func profileRecords(r *harness.Result) []profiles.Record {
	sp := r.Case.Spec
	pc := profiles.Case{Lock: sp.Lock, Threads: sp.Workers}
	if sp.Workload != workloads.CS {
		pc.Mode, pc.Batch = string(sp.Mode), sp.Batch
	}
	var recs []profiles.Record
	for i := range r.Classes {
		cl := &r.Classes[i]
		recs = append(recs, pc.Record(string(cl.Class), cl.Lock, &cl.Stats))
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
