package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/mthp"
	"github.com/lockbench/lockbench/profiles"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"github.com/spf13/cobra"
	"golang.org/x/perf/benchfmt"
)

// blockProcessEnv is added to the environment of run's block processes:
// empty, but under test the variable that makes the test binary
// lockbench (TestMain).
var blockProcessEnv []string

// runFlags are the flags of 'lockbench run', as typed.
type runFlags struct {
	locks                                    string
	classLocks                               map[workloads.Class]*string // --zone-lock, ...
	modes, batch, threads, files             string
	duration, warmup, grace                  time.Duration
	turn, rewarm                             time.Duration
	count                                    int
	order, affinity, placement, workload     string
	zones, touch, filePages, lines, think    int
	delay, out                               string
	force, quiet, json, bare, profile        bool
	probe, freshProcess                      bool
	profileClasses, noReport, verbose, floor bool
	dryRun, kernelSetup                      bool
	thpSysfs                                 string // tests: a fake THP settings tree
	shard, machine, timing                   string
	runID, node                              string
	budget                                   time.Duration
	targetCI                                 string
	seed                                     uint64
	spin                                     string
}

// defaultRunFlags are harness.DefaultPlan and harness.DefaultRunner, as
// flags: the library's defaults are the command's.
func defaultRunFlags() runFlags {
	p, r := harness.DefaultPlan, harness.DefaultRunner
	return runFlags{
		locks: strings.Join(p.Locks, ","), modes: strings.Join(workloads.ModeStrings(p.Modes), ","),
		batch: joinInts(p.Batches), threads: joinInts(p.Threads), files: p.Base.Value(workloads.KnobFiles),
		duration: r.Duration, warmup: r.Warmup, grace: r.Grace, count: p.Count,
		turn: r.Turn, rewarm: r.Rewarm,
		order: string(p.Order), affinity: string(r.Affinity), workload: p.Base.Workload,
		zones: p.Base.Zones, touch: p.Base.Touch, filePages: p.Base.FilePages, lines: p.Base.Lines, think: p.Base.Think,
		classLocks: map[workloads.Class]*string{}, floor: p.Floor,
		// The plan leaves the timing to the runner (bare, instrumented
		// when profiling); the flag names the default it usually takes.
		budget: p.Budget, targetCI: harness.TargetString(p.Target), timing: string(harness.TimeBare),
		probe: r.Probe >= 0, freshProcess: true,
		spin: p.Base.Spin.String(),
	}
}

func newRunCmd() *cobra.Command {
	cmd, _ := runCommand()
	return cmd
}

// runCommand returns the run command and the flags it parses into.
func runCommand() (*cobra.Command, *runFlags) {
	f := defaultRunFlags()
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a sweep and answer how much batching saves",
		Long: `run sweeps lock algorithms x modes x batch sizes x thread counts on pinned
cores, repeats every case --count times (interleaved), writes one line per
repetition in the Go benchmark format to DIR/results.txt the moment it ends,
and prints a summary with the headline: how much batching saves per lock and
thread count, where the saving comes from (fewer lock instructions, less
contention, per-page work batched), and how close it gets to one big page.

ns/page times bare locks; the lock counts (acq/page, contended/page, wait)
come from three instrumented repetitions of each case, spread through the
run, whose own time is written as inst-ns/page. --timing instrumented (and --profile) makes
every repetition instrumented instead: the counts sit on every line, and
ns/page then carries the instrumentation's cost.

With no flags it answers the question in under a minute on 2 cores.
Compare runs with 'go tool benchstat -col "/mode@(page pagevec batch pcp large)" DIR/results.txt'.`,
		Args:        noArgs,
		Annotations: map[string]string{keepsOnInterrupt: "partial summary and report"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.locks, "locks", f.locks, "lock algorithms to sweep, comma-separated (see 'lockbench list')")
	for _, c := range classLockFlags() {
		f.classLocks[c.class] = fl.String(c.flag, "", c.usage)
	}
	fl.StringVar(&f.modes, "modes", f.modes, "pagecache modes to sweep, comma-separated: "+strings.Join(workloads.ModeStrings(workloads.Modes()), ", "))
	fl.StringVar(&f.batch, "batch", f.batch, "batch sizes in pages to sweep, comma-separated (the large-page unit in mode large)")
	fl.StringVar(&f.threads, "threads", f.threads, "worker thread counts to sweep, comma-separated; more than the CPUs is allowed (oversubscribed)")
	fl.StringVar(&f.files, "files", f.files, "shared (one file read by all workers) or private (a file per worker)")
	fl.DurationVar(&f.duration, "duration", f.duration, "measured time per repetition")
	fl.DurationVar(&f.warmup, "warmup", f.warmup, "unmeasured warm-up before each repetition")
	fl.DurationVar(&f.turn, "turn", f.turn, "paired blocks at one thread: measure the block's slices interleaved, in turns of about this long (each slice's --duration cut into turns); 0: whole slices back to back")
	fl.DurationVar(&f.rewarm, "rewarm", f.rewarm, "paired blocks in turns: unmeasured run before each turn, to bring back the caches the other slices' turns took")
	fl.IntVar(&f.count, "count", f.count, "repetitions of every case (paired: blocks of every lock and thread count); given, the run is fixed, not adaptive")
	fl.StringVar(&f.order, "order", f.order, "paired (blocks of every mode back to back, random order), interleaved (A B A B) or grouped (A A B B)")
	fl.DurationVar(&f.budget, "budget", f.budget, "paired: time the adaptive sweep may take; it stops earlier when every headline is within --target-ci")
	fl.StringVar(&f.targetCI, "target-ci", f.targetCI, "paired: the half-width each headline's 95% interval should reach, relative to its ratio (5%: batch/page = 0.30 ± 0.015), as a percentage or fraction")
	fl.Uint64Var(&f.seed, "seed", 0, "paired: seed of the blocks' random orders (default: from the clock; written to results.txt)")
	fl.StringVar(&f.affinity, "affinity", f.affinity, "pinned (to the CPUs --placement picks), none (the scheduler places workers), or the older orders compact and spread")
	fl.BoolVar(&f.probe, "probe", f.probe, "probe the machine's state where the workers run, before and after every slice (xfer-ns, speed-ns); --probe=false writes no state, so nothing is switched or run again")
	fl.StringVar(&f.placement, "placement", "", "pinned workers' CPUs: smt (siblings first), core (distinct cores of one LLC), llc (spread across LLCs) or node (spread across NUMA nodes); default core where one LLC has enough cores, else llc ('lockbench topology' shows the pick)")
	fl.StringVar(&f.workload, "workload", f.workload, "pagecache, cs (one lock, a critical section of --lines cache lines), or fault or shmem (the running kernel's page faults and shmem page cache: modes page, batch, large; see --kernel-setup)")
	fl.IntVar(&f.zones, "zones", f.zones, "pagecache: number of zones (zone locks)")
	fl.IntVar(&f.touch, "touch", f.touch, "pagecache: bytes of page data written per page (0-4096)")
	fl.IntVar(&f.filePages, "file-pages", f.filePages, "pagecache: pages per file (0: sized from batch and threads)")
	fl.StringVar(&f.delay, "delay", "", "extra time inside critical sections, class=duration,... (e.g. zone=200ns,lru=1us)")
	fl.IntVar(&f.lines, "lines", f.lines, "cs: shared cache lines written in the critical section")
	fl.IntVar(&f.think, "think", f.think, "cs: units of private work after the critical section")
	fl.StringVar(&f.spin, "spin", f.spin, "spinning locks' relax hints before a waiter yields the CPU: auto (65536 when threads <= CPUs, 256 when oversubscribed), forever (pure spinning), or a number")
	fl.StringVar(&f.out, "out", "", "results folder (default lockbench-results/<timestamp>; an existing non-empty one needs --force)")
	fl.BoolVar(&f.force, "force", false, "write into an existing non-empty --out folder, removing the files an earlier run wrote there (and only those); also run a sweep estimated over a day")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress, no notes; only the summary")
	fl.BoolVar(&f.json, "json", false, "print the summary as JSON on stdout")
	fl.BoolVar(&f.verbose, "verbose", false, "also print the summary's details (probe clusters per case, 1-thread cases by regime) and the lock classes of every case, lockstat's way (summary.txt always has them)")
	fl.BoolVar(&f.noReport, "no-report", false, "do not write report.html and report.md into the results folder")
	fl.StringVar(&f.timing, "timing", f.timing, "what ns/page times: bare (bare locks; three instrumented counting repetitions per case) or instrumented (every repetition instrumented: ns/page then carries the instrumentation)")
	fl.BoolVar(&f.freshProcess, "fresh-process", f.freshProcess, "paired: run each timed block of bare locks in a fresh process of this executable, so that the blocks replicate the process and the intervals carry the spread between processes (a process's ns/page moved about 7% from another's); false: every block in this process")
	fl.BoolVar(&f.bare, "bare", false, "no instrumented repetitions at all: bare locks only, lock units left out")
	fl.BoolVar(&f.floor, "floor", f.floor, "also run each mode with no lock (lock=none, 1 thread), the floor that splits each saving into locks, contention and per-page work")
	fl.BoolVar(&f.profile, "profile", false, "write CPU, mutex, block and lock-contention profiles (pprof) beside the results; every repetition is then instrumented, and ns/page carries it")
	fl.BoolVar(&f.profileClasses, "profile-classes", false, "with --profile: also label each lock class's critical section (class=...) in the CPU profile; costs ~13 ns per acquisition, so ns/page rises")
	fl.DurationVar(&f.grace, "watchdog", f.grace, "how long a worker may overrun a phase before the run is stopped")
	fl.StringVar(&f.shard, "shard", "", "run part `K/N` of the sweep: whole comparison groups (a lock at a thread count), balanced by estimated time; 'lockbench merge' joins the parts")
	fl.StringVar(&f.machine, "machine", "", "the machine's `name` in the results (default: from the CPU model, CPU count and kernel); 'benchstat -col machine' compares machines")
	fl.StringVar(&f.runID, "run-id", "", "the sweep's `id`, the same for every shard (its start time, a CI run's ID): results record run: PLAN-ID and merge refuses shards of different runs (default: this run's start time)")
	fl.StringVar(&f.node, "node", "", "the `host` the run is on, in the results' node: line (default: the host name; in a pod, pass spec.nodeName)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the cases the sweep (or --shard) would run and their estimated time, and run nothing")
	fl.BoolVar(&f.dryRun, "list", false, "the same as --dry-run")
	fl.BoolVar(&f.kernelSetup, "kernel-setup", false, "fault, shmem: set the THP settings mode large needs for the run (root), saving the originals in the results folder first, and restore them on exit")
	fl.StringVar(&f.thpSysfs, "thp-sysfs", "", "the THP settings directory --kernel-setup reads and changes (tests)")
	fl.MarkHidden("thp-sysfs")
	return cmd, &f
}

// The run's judge is reports': harness cannot import it.
var _ harness.Judge = (*reports.Judge)(nil)

// runRun validates, then runs the sweep. Results go to the output folder
// as they come; the summary goes to stdout; progress and notes to stderr.
func runRun(cmd *cobra.Command, f *runFlags) error {
	plan, runner, err := f.parse(cmd)
	if err != nil {
		return err
	}
	kp, err := f.planKernel(cmd, &plan, mthp.Dir{Root: f.thpSysfs})
	if err != nil {
		return err
	}
	if kp.skipped != "" {
		// Even with --quiet: the run will not measure all it was asked.
		fmt.Fprintf(cmd.ErrOrStderr(), "lockbench: %s\n", kp.skipped)
	}
	if f.dryRun {
		return dryRun(cmd.OutOrStdout(), plan, runner, f.json)
	}
	stderr := cmd.ErrOrStderr()
	note := func(format string, a ...any) {
		if !f.quiet {
			fmt.Fprintf(stderr, "lockbench: "+format+"\n", a...)
		}
	}
	dir := f.out
	if dir == "" {
		// A new folder of its own: runs started in the same second get
		// -2, -3, ... instead of colliding.
		if dir, err = harness.NewOutDir(time.Now()); err != nil {
			return usage(err)
		}
	}
	sw, err := harness.NewSweep(plan, runner, dir, f.force)
	if err != nil {
		if f.out == "" {
			// The folder made for this run holds nothing yet (NewSweep
			// creates results.txt last): a refused plan, an unknown lock
			// among them, leaves no empty folder behind.
			_ = os.Remove(dir)
		}
		return sweepError(err)
	}
	defer sw.Close() // the claim on the folder lasts until the report is written
	restore, err := kp.apply(sw.Dir(), stderr)
	if err != nil {
		return err
	}
	defer restore() // also on a panic; a second call does nothing
	if est := harness.Estimate(sw.Plan(), runner); est > announceOver {
		note("this sweep will take about %s", roughly(est))
	}
	var prof *profiles.Session
	if f.profile {
		// Started before the sweep so that an unwritable path fails now.
		if prof, err = profiles.Start(sw.Dir(), profiles.DefaultOptions); err != nil {
			sw.Close()
			return usage(err)
		}
		sw.Record = func(res *harness.Result, _ *benchfmt.Result) error { return prof.Add(profileRecords(res)...) }
	}
	if n := sw.Support().Note(); n != "" {
		note("%s", n)
	}
	if over := sw.Oversubscribed(); len(over) > 0 {
		note("threads %s oversubscribed: more workers than the %d CPUs", joinInts(over), sw.CPUs())
	}
	if f.freshProcess && sw.Plan().Order == harness.Paired {
		exe, err := os.Executable()
		if err != nil {
			sw.Close()
			return fmt.Errorf("--fresh-process: finding this executable to run each block in: %w (or run with --fresh-process=false)", err)
		}
		sw.Exec = harness.ProcessExec{Path: exe, Command: []string{blockCmd}, RunArgs: blockArgs(cmd), Env: blockProcessEnv}
	}
	sw.Judge = reports.NewJudge() // adaptive when the plan has a budget
	total := len(sw.Cases())
	if sw.Adaptive() {
		total = 0 // unknown: the judge decides
	}
	prog := newProgress(stderr, total, f.quiet)
	sw.Progress = func(i int, res *harness.Result) { prog.step(i, res, sw.CPUs()) }

	out, runErr := sw.Run(cmd.Context())
	prog.finish()
	// Put the kernel's settings back before anything else, so that an
	// interrupt's grace is not spent on the report first.
	if err := restore(); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("restoring the THP settings: %w (run 'lockbench kernel-restore %s')", err, sw.Dir()))
	}
	if out.Disturbed > 0 {
		note("%d of %d repetitions were disturbed: their workers waited for a CPU over %.0f%% of the window (runq-ns in results.txt); another process ran on their CPUs",
			out.Disturbed, out.Done, 100*schema.DisturbedShare)
	}
	switch out.Stopped {
	case harness.StopTight:
		note("adaptive: every headline within ± %s after %d blocks", f.targetCI, out.Blocks)
	case harness.StopBudget:
		note("adaptive: the --budget of %v ran out after %d blocks; headlines wider than ± %s say why", f.budget, out.Blocks, f.targetCI)
	}
	if prof != nil {
		if err := prof.Stop(nil); err != nil && runErr == nil {
			runErr = err
		}
	}
	if err := f.finish(cmd, sw, out, runErr != nil, prof); err != nil && runErr == nil {
		runErr = err
	}
	switch {
	case runErr == nil && kp.skipped != "":
		return failure(errors.New(kp.skipped))
	case runErr == nil:
		return nil
	case out.Interrupted:
		return fmt.Errorf("interrupted after %d of %d repetitions; finished lines kept in %s: %w", out.Done, out.Cases, sw.Path(), runErr)
	default:
		if fe, ok := errors.AsType[*harness.FieldError](runErr); ok && fe.Field == harness.FieldAffinity {
			runErr = fmt.Errorf("%w (try --affinity none)", runErr)
		}
		return failure(runErr)
	}
}
