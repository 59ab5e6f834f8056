package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lockbench/lockbench/footprint"
	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/results"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"github.com/spf13/cobra"
)

// footprintFlags are the flags of 'lockbench footprint': run's plan flags
// (the same parse) and the footprint's own.
type footprintFlags struct {
	runFlags
	pages    int
	count    int
	results  string
	hardware bool
}

// modelCmd is the hidden subcommand the footprint runs under the
// simulator: one case, a fixed page count.
const modelCmd = "footprint-model"

func newFootprintCmd() *cobra.Command {
	f := footprintFlags{runFlags: defaultRunFlags(), pages: 131072, count: 3}
	f.modes = strings.Join(workloads.ModeStrings(workloads.Modes()), ",")
	f.threads = "1"
	cmd := &cobra.Command{
		Use:   "footprint",
		Short: "Measure each mode's L1d and last-level cache misses per page (cachegrind, or the PMU)",
		Long: `footprint measures the cache footprint per page of the page-cache model at
one thread, for each lock x mode x batch size: L1d misses and references,
last-level misses and instructions, under valgrind's cachegrind with the
machine's own cache geometry (from sysfs), or with the PMU (--hardware)
where the machine has one. Each case runs twice, a fixed page count each
(two laps of its file to warm up, then --pages more), and the difference
is the steady state's, start-up and set-up removed.

It writes DIR/results.txt in run's format, a line per repetition
(l1d-miss/page, l1d-ref/page, ll-miss/page, instr/page, and ns/page timed
natively unless --results gives a run's timings) and prints the answer: the fit of ns/page against
l1d-miss/page per lock, how much of each mode's 1-thread saving over page
the miss reduction accounts for, and the batch-size curve where the
batch's working set reaches L1d. Lock none (the floor, --floor) gives the
per-page work saving without any lock.

  lockbench footprint --locks mutex --modes page,batch,large --batch 16
  go tool benchstat -col /mode DIR/results.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runFootprint(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.locks, "locks", f.locks, "lock algorithms, comma-separated (see 'lockbench list')")
	for _, c := range classLockFlags() { // parse reads every class's
		f.classLocks[c.class] = fl.String(c.flag, "", c.usage)
	}
	fl.StringVar(&f.modes, "modes", f.modes, "pagecache modes, comma-separated: "+strings.Join(workloads.ModeStrings(workloads.Modes()), ", "))
	fl.StringVar(&f.batch, "batch", f.batch, "batch sizes in pages, comma-separated (e.g. 1,2,4,8,16,32,64,128,256 for the batch-size curve)")
	fl.StringVar(&f.files, "files", f.files, "shared (one file) or private (a file per worker)")
	fl.IntVar(&f.zones, "zones", f.zones, "number of zones (zone locks)")
	fl.IntVar(&f.touch, "touch", f.touch, "bytes of page data written per page (0-4096)")
	fl.IntVar(&f.filePages, "file-pages", f.filePages, "pages per file (0: sized from batch)")
	fl.BoolVar(&f.floor, "floor", true, "also measure lock none, the floor: the per-page work without any lock")
	fl.IntVar(&f.pages, "pages", f.pages, "steady-state pages measured per case (at least a lap of the file)")
	fl.IntVar(&f.count, "count", f.count, "repetitions of every case: each a differential measurement, and a native timed run for ns/page unless --results")
	fl.StringVar(&f.results, "results", "", "a run results file (or folder) whose 1-thread ns/page to fit against, instead of timing here")
	fl.BoolVar(&f.hardware, "hardware", false, "count with the PMU (perf generic cache events) instead of simulating; needs hardware counters")
	fl.StringVar(&f.out, "out", "", "results folder (default lockbench-results/<timestamp>; an existing non-empty one needs --force)")
	fl.BoolVar(&f.force, "force", false, "write into an existing non-empty --out folder, removing the files an earlier run wrote there")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress; only the summary")
	return cmd
}

// newFootprintModelCmd is the process the simulator runs: one case for a
// fixed page count, which prints "pages N".
func newFootprintModelCmd() *cobra.Command {
	var spec string
	var pages int
	cmd := &cobra.Command{
		Use:    modelCmd,
		Short:  "run one case of the model for a fixed page count (footprint runs it under cachegrind)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var s workloads.Spec
			if err := json.Unmarshal([]byte(spec), &s); err != nil {
				return usagef("--spec: %v", err)
			}
			if pages < 1 {
				return usagef("--pages %d: must be at least 1", pages)
			}
			n, err := footprint.RunPages(footprint.NewCase(s), pages)
			if err != nil {
				return failure(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "pages %d\n", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&spec, "spec", "", "the workloads.Spec, as JSON")
	cmd.Flags().IntVar(&pages, "pages", 0, "pages to run")
	return cmd
}

// modelCommand is the footprint's Simulator.Command: this executable with
// the hidden subcommand.
func modelCommand(exe string) func(c footprint.Case, pages int) []string {
	return func(c footprint.Case, pages int) []string {
		b, _ := json.Marshal(c.Spec) // a Spec always marshals: no channels or funcs
		return []string{exe, modelCmd, "--spec", string(b), "--pages", strconv.Itoa(pages)}
	}
}

func runFootprint(cmd *cobra.Command, f *footprintFlags) error {
	plan, runner, err := f.parse(cmd)
	if err != nil {
		return err
	}
	// The plan's rules (locks, modes, batch sizes, knobs) are the
	// library's, as for run: a bad value is refused before anything runs.
	if plan, err = harness.Prepare(plan, runner); err != nil {
		return flagged(err)
	}
	if plan.Base.Workload != workloads.PageCache {
		return usagef("footprint measures the pagecache workload only")
	}
	if f.pages < 1 {
		return usagef("--pages %d: must be at least 1", f.pages)
	}
	if f.count < 1 {
		return usagef("--count %d: must be at least 1", f.count)
	}
	var timings footprint.Timings
	if f.results != "" {
		if timings, err = loadTimings(f.results); err != nil {
			return usage(err)
		}
	}
	var meter footprint.Meter
	var geom *footprint.Geometry
	var cfg harness.Config
	sim := "hardware"
	if f.hardware {
		r := harness.DefaultRunner
		if s := r.CounterSupport(); !s.Hardware {
			return usagef("--hardware: this machine gives no hardware counters (%v); leave --hardware out to simulate with cachegrind", s.HardwareErr)
		}
		meter = &footprint.Hardware{}
	} else {
		exe, err := os.Executable()
		if err != nil {
			return failure(err)
		}
		s, err := footprint.NewSimulator(modelCommand(exe))
		if errors.Is(err, footprint.ErrNoValgrind) {
			return usage(err)
		} else if err != nil {
			return usage(fmt.Errorf("%w (use --hardware on a machine with a PMU)", err))
		}
		meter, geom, sim = s, &s.Geometry, "cachegrind "+valgrindVersion(s.Valgrind)
	}
	var cases []footprint.Case
	locksTo := plan.Locks
	if f.floor && !slices.Contains(locksTo, "none") {
		locksTo = append(locksTo, "none")
	}
	for _, l := range locksTo {
		for _, m := range plan.Modes {
			for _, b := range plan.Batches {
				s := plan.Base
				s.Lock, s.Mode, s.Batch = l, m, b
				cases = append(cases, footprint.NewCase(s))
			}
		}
	}

	dir := f.out
	if dir == "" {
		if dir, err = harness.NewOutDir(time.Now()); err != nil {
			return usage(err)
		}
	}
	out, err := harness.CreateOutput(dir, f.force)
	if err != nil {
		switch {
		case errors.Is(err, harness.ErrOutputExists):
			return usagef("%v (use --force to replace lockbench's files in it, or another --out)", err)
		case errors.Is(err, harness.ErrOutputBusy):
			return usagef("%v: another lockbench run is writing there (use another --out)", err)
		}
		return usage(err)
	}
	defer out.Close()
	topo, err := harness.DefaultRunner.Topology()
	if err != nil {
		return failure(err)
	}
	cfg = harness.Config(host.ReadMachine(topo).Config())
	cfg.Add(schema.ConfWorkload, plan.Base.Workload)
	cfg.Add(schema.ConfBare, "true")
	cfg.Add(schema.ConfFiles, plan.Base.Value(workloads.KnobFiles))
	cfg.Add(schema.ConfZones, strconv.Itoa(plan.Base.WithDefaults().Zones))
	cfg.Add(schema.ConfTouch, strconv.Itoa(plan.Base.Touch))
	cfg.Add(schema.ConfCacheSim, sim)
	if geom != nil {
		cfg.Add(schema.ConfCacheI1, geom.I1.String())
		cfg.Add(schema.ConfCacheD1, geom.D1.String())
		cfg.Add(schema.ConfCacheLL, geom.LL.String())
	}
	cfg.Add(schema.ConfFootprintPages, fmt.Sprintf("2 laps of the file to warm up, then %d more (at least a lap)", f.pages))

	stderr := cmd.ErrOrStderr()
	var fps []footprint.Footprint
	for i, c := range cases {
		for rep := range f.count {
			if !f.quiet {
				fmt.Fprintf(stderr, "lockbench: footprint %d/%d %s (repetition %d of %d)\n", i+1, len(cases), c, rep+1, f.count)
			}
			fp, err := footprint.Measure(cmd.Context(), meter, c, f.pages)
			if err != nil {
				if cmd.Context().Err() != nil {
					return err
				}
				return failure(err)
			}
			if timings == nil {
				if fp.NS, err = footprint.TimePages(c, f.pages); err != nil {
					return failure(err)
				}
			}
			fps = append(fps, fp)
			if err := out.Write(fp.Line(cfg)); err != nil {
				return failure(err)
			}
		}
	}
	sum := footprint.Summarize(sim, geom, fps, timings)
	if err := sum.Write(cmd.OutOrStdout()); err != nil {
		return failure(err)
	}
	if err := safefile.WriteFile(filepath.Join(out.Dir, harness.SummaryFile), 0o644, sum.Write); err != nil {
		return failure(err)
	}
	if err := sum.WritePlots(out.Dir); err != nil {
		return failure(err)
	}
	if !f.quiet {
		fmt.Fprintf(stderr, "lockbench: results in %s; compare with %s\n", out.Dir, benchstatHint(out.Path))
	}
	return nil
}

// loadTimings reads a run's results file, or DIR/results.txt.
func loadTimings(path string) (footprint.Timings, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, harness.ResultsFile)
	}
	r, err := safefile.OpenInput(context.Background(), path, results.MaxInput) // regular files of the format's size only
	if err != nil {
		return nil, fmt.Errorf("--results: %w", err)
	}
	defer r.Close()
	t, err := footprint.LoadTimings(r, path)
	if err != nil {
		return nil, fmt.Errorf("--results: %w", err)
	}
	return t, nil
}

// valgrindVersion is "3.19.0", or "" when valgrind does not say.
func valgrindVersion(vg string) string {
	b, err := exec.Command(vg, "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSpace(string(b)), "valgrind-")
}
