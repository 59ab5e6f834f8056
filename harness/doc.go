// Package harness plans a sweep of lockbench cases, runs each case on
// pinned OS threads, reads the threads' performance counters and writes
// the results in the Go benchmark format.
//
// It sits on top of the stack: locks (the algorithms and the instrumented
// wrapper), workloads (the page-cache model and the cs micro workload)
// and host (the machine: its CPU topology, the Placement of workers on
// it, its description for the file configuration, and the probes of its
// state) below it; reports and profiles beside it read what it writes
// (reports through benchfmt files only, profiles through Result.Classes).
//
// A run is four values:
//
//   - a Plan expands into Cases (locks x modes x batch x threads,
//     repeated Count times, interleaved by default so that a drift of the
//     machine hits every case alike);
//   - a Runner runs one Case: it builds the workload, pins one OS thread
//     per worker on the CPUs of its Placement, probes the machine's state
//     where the workers run (xfer-ns, speed-ns), warms up, resets
//     the locks' counters, measures for Duration, merges the per-worker
//     counts and checks the workload's invariants;
//   - an Output appends each Result to DIR/results.txt in the Go benchmark
//     format and syncs it at once, so an interrupted sweep keeps every
//     finished line;
//   - a Sweep (NewSweep, Run) prepares the Plan for the Runner (Prepare:
//     the run's policy, the command's too: a profiling runner's
//     instrumented timing, the drawn seed), checks both once, creates the
//     Output, writes the file configuration (FileConfig) and runs the
//     cases in order, calling its Progress and Record hooks after each
//     line; with a Judge and the plan's Budget it adds paired blocks
//     where the headlines are least certain; its Outcome says what
//     finished and why it stopped (StopReason). `lockbench run` is a
//     Sweep with flags, a progress display, a summary and reports' Judge
//     (DefaultPlan and DefaultRunner are its defaults).
//
// Bad input is a *FieldError naming the Plan or Runner field to change
// (FieldLocks, FieldBatches, ...; a knob of Plan.Base by its
// workloads.Knob), never a command-line flag: cmd/lockbench maps fields
// to flags. Each rule is checked once, by its owner: lock names by
// package locks, knobs and modes by workloads.Spec.Validate (for every
// case of the plan), the plan's lists and order by Plan.Validate, the
// profiling rules by Prepare; a Sweep validates its runner once, not per
// case.
//
// # Names
//
// A case is named in sub-benchmark key=value form, so that
// `benchstat -col /mode` and `-row /threads` work unchanged. The base
// name, the keys and their order are the workload's (workloads.Info:
// Base, Keys), the key and unit names package schema's, the results
// contract that reports reads back:
//
//	BenchmarkPageCache/mode=batch/batch=16/lock=mcs/threads=2-2
//	BenchmarkCS/lock=mcs/lines=1/think=0/threads=2-2
//
// Per-class lock overrides add keys after lock (zone-lock=ticket, ...).
// A line whose machine state moved in flight ends with regime=switched,
// a contended one without a transfer probe with regime=unprobed (see
// Result.Regime); the state of the others is not written but labelled by
// the readers from the clusters of the probes (schema.States).
//
// # Paired blocks
//
// In the Paired order (the default) the cases of one Case.Group, every
// mode of one lock, batch and thread count, run back to back as a block,
// in an order drawn per block from Plan.Seed; the floor's 1-thread slices
// (lock none) run inside every block of a lock at one thread, each beside
// the lock's slice of its mode, so that the saving split's lock part is a
// difference within the block (see blockSet). Each line carries its block
// number as the unit block; every slice probes before and after itself. A Sweep with a Budget and a Judge first
// runs Plan.Count blocks of every group, then one block at a time of the
// group Judge names, until it names none or the budget would be passed;
// a block with a switched slice is run again, first when adaptive. One workload is built per
// slice, so memory stays that of one case.
// Mode page ignores the batch size but keeps the batch key, so that its
// lines sit in the same benchstat row as the batched modes. The -N suffix
// is the GOMAXPROCS during the measurement, as in `go test -bench`: the
// Runner raises GOMAXPROCS to the worker count when it is lower, so it is
// max(threads, GOMAXPROCS before the run). Run-wide knobs (files, zones,
// touch, duration, ...) are file configuration lines, not name keys.
//
// # Units
//
// The pages of a line are the pages all workers processed during the
// measured window (the iteration count of the line). Per line:
//
//	ns/page          wall time of the window / pages (testing.B.RunParallel's convention)
//	inst-ns/page     the same, of an instrumented repetition run for the lock counts
//	cpu-ns/page      threads' CPU time (CLOCK_THREAD_CPUTIME_ID) / pages
//	acq/page         lock acquisitions, all classes / pages
//	contended/page   acquisitions whose first TryLock failed / pages
//	handoffs/acq     acquisitions whose previous holder was another worker / acquisitions
//	wait-ns/page     ns waited in contended acquisitions / pages
//	wait-p99-ns      99th percentile of one contended acquisition's wait
//	wait-max-ns      the longest single wait
//	hold-ns          mean hold time of one acquisition, sampled one in HoldEvery
//	                 (absent when none was sampled)
//	xfer-ns          one-way cache-line transfer between the workers' own CPUs: the
//	                 mean over their pairs (host.ProbePairs) of each pair's median
//	                 ping-pong round, just before the repetition (absent with one
//	                 worker, or if no round finished within the ~15 ms budget)
//	xfer-end-ns      the same probe right after the window
//	block            Paired order: the block of the line (1, 2, ... in run order)
//	speed-ns         one dependent ALU step plus one step of a pointer chase over
//	                 8 MB, timed on each worker's CPU before the repetition (the
//	                 median over CPUs of the median of 7 rounds)
//	speed-end-ns     the same probe right after the window
//	mem-ns           the chase's part of speed-ns
//	runq-ns          mean over workers of the time spent runnable but waiting for a
//	                 CPU in the window (/proc/thread-self/schedstat, read at the
//	                 window's edges); over 5% of the window: disturbed
//	fairness         Jain's index of the per-worker page counts: (sum x)^2 / (n sum x^2),
//	                 1 when all workers did the same work, 1/n when one did all of it
//	gc-cycles        Go GC cycles completed during the measured window
//
// and, where perf_event_open allows, the counters per page (cycles/page,
// instructions/page, l1d-misses/page, llc-misses/page, branch-misses/page,
// ctx-switches/page, migrations/page, page-faults/page), scaled by
// time_enabled/time_running.
//
// Timing and counting are separate repetitions (Plan.Timing, TimeBare by
// default): the timed repetitions run bare locks and carry no lock units;
// CountingReps instrumented repetitions per case, spread among the timed ones
// (Case.Counting), carry the lock units and their own wall time as
// inst-ns/page instead of ns/page
// (and no cpu-ns, fairness, gc-cycles or counters, which describe the timed
// runs). So ns/page, and benchstat on it, is always the bare time, and
// inst-ns/page minus ns/page over acq/page is the instrumentation's cost per
// acquisition. TimeInstrumented (a profiled run) puts the lock units on the
// timed lines, whose ns/page then carries the wrapper; the configuration
// line timing says which. With Plan.Floor each mode also runs with lock
// none at one thread: the per-page work floor of reports' decomposition.
// Lock units are absent from a Base.Bare sweep, which has no
// instrumentation to read. The cs workload counts critical
// sections, not pages: its units end in /op instead of /page (ns/op,
// cpu-ns/op, acq/op, ...), as a plain `go test -bench` would write them.
//
// Each case line is followed by its class lines (Result.ClassLines): one
// per lock class, named as the case with "/class=<class>" appended last,
// with the case's pages as iterations and only the lock units above
// (schema.ClassUnits), so that the classes' acq, contended and wait per
// page sum to the case line's.
//
// benchfmt's reader tidies units as it does for ns/op: ns/page is read back
// as sec/page, xfer-ns as xfer-sec (Value.OrigUnit keeps the written unit),
// and benchstat prints them so. The file starts with "Unit fairness
// better=higher", so that benchstat reads a drop in fairness as a
// regression.
//
// # File configuration
//
// Machine lines (goos, goarch, cpu, cpus, cores, smt, numa-nodes, kernel,
// go, lockbench version from the build info), the counters available
// (counters: hardware,software | software | none, and counters-note saying
// why some are missing), and the run's knobs (workload, duration, warmup,
// count, order, affinity, bare, files, zones, touch, file-pages, delay,
// hold-every, stack-every; oversubscribed: threads=N when a thread count
// exceeds the CPUs), then the sweep's place: machine (Runner.Machine or the
// derived host.Machine.Name), plan (Plan.ID), shard (Plan.Shard, 1/1 for the
// whole plan) and cases (the lines a finished run writes); last the run's
// identity: run (the plan's ID and Runner.RunID, the sweep's, or the start
// time), node (Runner.Node or the host name) and started. See FileConfig.
// The CPUs are those the process may run on (Runner.Topology).
//
// # Shards
//
// Plan.Shard splits a sweep over runs, processes or machines: part K of N
// holds whole comparison groups (one lock at one thread count, every mode
// and batch size a headline compares), balanced by their number of
// configurations (every repetition is estimated alike, Runner.Estimate),
// the same split on every machine. Package merge joins the parts again.
//
// # Library use and profiling
//
// Benchmark (and Runner.Benchmark) run any case inside a user's own
// `go test -bench`. With Runner.Labels the workers run under the pprof
// labels of Case.Labels and the workload gets the label context
// (workloads.Spec.Labels) to add class=<class> around critical sections;
// Result.Classes carries each class's merged locks.Stats, stack samples
// included, for the profiles package's contention profile.
package harness
