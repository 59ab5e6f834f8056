// Package schema is lockbench's results contract: the benchmark base
// names, the name keys, the units and the file configuration keys that
// harness writes into results.txt and that reports, compare, gate and the
// standard tools (benchstat, pprof) read back.
//
// It is a leaf: it imports nothing of lockbench, and both the writer
// (harness) and the readers (reports) import it, so a name used on one
// side only is a compile error rather than a silent "Other". The tests of
// cmd/lockbench (TestContract) write a line of every workload and mode and
// check that every unit and key on it is declared here and understood by
// reports.
//
// The format itself is the Go benchmark format
// (golang.org/x/perf/benchfmt). A result line's name is
//
//	Benchmark<Base>/<key>=<value>/.../threads=<n>-<GOMAXPROCS>
//
// with the keys in the order of Keys; its values carry the units of
// Units (per page for the page-cache workload, per op for cs).
package schema

import (
	"slices"
	"strings"
	"time"
)

// Benchmark base names, without the "Benchmark" prefix.
const (
	BasePageCache = "PageCache"
	BaseCS        = "CS"
	BaseFault     = "Fault" // the kernel's anonymous faults (workload fault)
	BaseShmem     = "Shmem" // the kernel's shmem page cache (workload shmem)
)

// Name keys, in the order they appear in a name.
const (
	KeyMode    = "mode"
	KeyBatch   = "batch"
	KeyLock    = "lock"
	KeyLines   = "lines"
	KeyThink   = "think"
	KeyThreads = "threads"
	// KeyClass names the lock class of a class line: the case's name
	// with "/class=lru" appended, last. Every case with lock counters has
	// one class line per lock class after its case line; the class lines'
	// counts sum to the case line's totals. Readers that judge cases
	// (summary, headlines, compare, gate) leave class lines out unless
	// asked for them.
	KeyClass = "class"
	// KeyRegime (regime.go) is the machine regime of a contended
	// repetition; it comes after threads, before class.
)

// FloorLock is the lock of the floor cases (harness's Plan.Floor): no
// lock at all, at one thread, whose time is the per-page work the locks
// are measured against. Readers find the floor by it.
const FloorLock = "none"

// ClassLockSuffix ends the key of a per-class lock override:
// "zone-lock=mcs" when the zone class runs another lock than lock=.
const ClassLockSuffix = "-lock"

// ClassLockKey is the name key of a per-class lock override.
func ClassLockKey(class string) string { return class + ClassLockSuffix }

// Keys lists the name keys in name order. A class-lock override
// (ClassLockKey) sits right after KeyLock.
func Keys() []string {
	return []string{KeyMode, KeyBatch, KeyLock, KeyLines, KeyThink, KeyThreads, KeyRegime, KeyClass}
}

// IsKey reports whether k is a name key lockbench writes, class-lock
// overrides included.
func IsKey(k string) bool {
	return slices.Contains(Keys(), k) || (strings.HasSuffix(k, ClassLockSuffix) && len(k) > len(ClassLockSuffix))
}

// Denominators of the per-unit units: pages for the page-cache workload,
// operations (one critical section) for cs.
const (
	PerPage = "page"
	PerOp   = "op"
)

// Stems of the units that are divided by the workload's denominator:
// "ns" + "/" + PerPage is "ns/page".
const (
	StemNS        = "ns"        // wall time
	StemCPUNS     = "cpu-ns"    // thread CPU time
	StemAcq       = "acq"       // lock acquisitions, all classes
	StemContended = "contended" // acquisitions whose first TryLock failed
	StemWaitNS    = "wait-ns"   // time spent waiting for contended locks
	// StemInstNS is the wall time of an instrumented repetition run for
	// the lock counts (see TimingBare): "inst-ns/page" beside the lock
	// units on its line, so that "ns/page" stays the bare locks' time.
	StemInstNS = "inst-ns"
	// StemFaults is the kernel workloads' page-fault entries (traps), from
	// a page-faults software counter on each worker's thread: 1/page when
	// every page faults, 1/N for one fault per N-page folio, 0 when
	// MADV_POPULATE_WRITE maps the pages from inside the kernel.
	StemFaults = "faults"
)

// Units that are not per page.
const (
	UnitHandoffs = "handoffs/acq" // share of acquisitions taken from another worker
	UnitWaitP99  = "wait-p99-ns"  // 99th percentile of one wait
	UnitXfer     = "xfer-ns"      // the machine's regime: cache-line transfer, probed
	UnitFairness = "fairness"     // min/max pages over workers; higher is better
	UnitGCCycles = "gc-cycles"    // Go GC cycles during the measured window
	UnitXferEnd  = "xfer-end-ns"  // the regime probe again, right after the repetition
	// UnitBlock numbers the block of a paired run a line belongs to
	// (1, 2, ... in the file); see harness's package doc, "Paired blocks".
	UnitBlock   = "block"
	UnitWaitMax = "wait-max-ns" // the longest single wait
	UnitHoldNS  = "hold-ns"     // sampled mean hold time of one acquisition
	// UnitRunq is the time a worker waited in the run queue during the
	// measured window (runnable, not running), averaged over workers:
	// another process on the workers' CPUs. See Disturbed.
	UnitRunq = "runq-ns"
	// UnitDispatch is, on the lock-free floor's lines at one thread, what
	// one lock+unlock costs through the locks.Handle interface beyond
	// direct calls (the dispatch every lock call of the workloads pays),
	// probed on the repetition's CPU after it.
	UnitDispatch = "dispatch-ns"
	// UnitFolioPages is the kernel workloads' mean folio size in base
	// pages over the window, from the kernel's per-size THP counters: 1
	// for 4K folios, 16 for 64K ones.
	UnitFolioPages = "folio-pages"
	// UnitYields and UnitSleeps are how often a waiter gave up the CPU,
	// per acquisition: a spinning lock whose waiters yield or sleep did
	// not behave as its algorithm. Written only for locks that count them
	// (locks.Stats.WaitCounted).
	UnitYields = "yields/acq"
	UnitSleeps = "sleeps/acq"
)

// DisturbedShare is the share of the window above which a repetition's
// UnitRunq marks it disturbed.
const DisturbedShare = 0.05

// Disturbed reports whether a repetition of threads workers on cpus CPUs,
// whose workers waited runqNS on average in a window of wall, was
// disturbed: runqNS over DisturbedShare of wall beyond what the workers
// make each other wait when they outnumber the CPUs (1 - cpus/threads of
// the window; cpus <= 0 means as many as threads). A negative runqNS
// (not measured) is not disturbed.
func Disturbed(runqNS float64, wall time.Duration, threads, cpus int) bool {
	own := 0.0
	if cpus > 0 && threads > cpus {
		own = 1 - float64(cpus)/float64(threads)
	}
	return runqNS > 0 && wall > 0 && runqNS > (own+DisturbedShare)*float64(wall.Nanoseconds())
}

// ClassUnits returns the units of a class line, in the order harness
// writes them: the lock units of Units(per), per class. A class line
// (one with a KeyClass key, last in its name) carries one lock class's
// share of its case's counts and no time or machine units, so that
// benchstat's ns/page tables never list it; see KeyClass.
func ClassUnits(per string) []string {
	return []string{PerUnit(StemAcq, per), PerUnit(StemContended, per), UnitHandoffs,
		PerUnit(StemWaitNS, per), UnitWaitP99, UnitWaitMax, UnitHoldNS, UnitYields, UnitSleeps}
}

// PerUnit is stem/per, the unit as written: PerUnit(StemNS, PerPage) is
// "ns/page".
func PerUnit(stem, per string) string { return stem + "/" + per }

// The perf_event counters harness reads, by the names it writes them
// under as per-page units ("cycles/page").
const (
	CounterCycles       = "cycles"
	CounterInstructions = "instructions"
	CounterL1DMisses    = "l1d-misses"
	CounterLLCMisses    = "llc-misses"
	CounterBranchMisses = "branch-misses"
	CounterCtxSwitches  = "ctx-switches"
	CounterMigrations   = "migrations"
	CounterPageFaults   = "page-faults"
)

// Counters are the perf_event names that harness writes as per-page
// units ("cycles/page"), hardware first. A counter written but not listed
// here fails TestContract.
func Counters() []string {
	return append(HardwareCounters(), CounterCtxSwitches, CounterMigrations, CounterPageFaults)
}

// HardwareCounters are the Counters that need a hardware PMU.
func HardwareCounters() []string {
	return []string{CounterCycles, CounterInstructions, CounterL1DMisses, CounterLLCMisses, CounterBranchMisses}
}

// UnitThreadNSPage is the unit reports derives for the parts of a case's
// time and of a saving (thread time per page: ns/page x threads); no line
// carries it.
const UnitThreadNSPage = "thread-ns/page"

// A Kind groups units for display.
type Kind int

// The kinds of unit.
const (
	KindTime      Kind = iota // ns/page, cpu-ns/page
	KindLock                  // acq, contended, handoffs, wait
	KindMachine               // xfer-ns
	KindRun                   // fairness, gc-cycles
	KindCounter               // perf counters per page
	KindFootprint             // cache footprint per page (FootprintUnits)
	KindKernel                // what the kernel did: folio sizes, fault entries
)

// A Unit describes one unit of a result line.
type Unit struct {
	Name   string // as written: "ns/page"
	Kind   Kind
	Higher bool   // higher is better (benchstat assumes lower)
	Doc    string // one line, for the README's table and reports
}

// Units returns every unit a line of the workload with denominator per
// may carry, in the order harness writes them.
func Units(per string) []Unit {
	u := []Unit{
		{PerUnit(StemNS, per), KindTime, false, "wall time over all " + per + "s of all workers"},
		{PerUnit(StemCPUNS, per), KindTime, false, "thread CPU time per " + per},
		{PerUnit(StemInstNS, per), KindTime, false, "wall time per " + per + " of an instrumented repetition, run for the lock counts on its line"},
		{PerUnit(StemAcq, per), KindLock, false, "lock acquisitions per " + per + ", all classes"},
		{PerUnit(StemContended, per), KindLock, false, "acquisitions whose first TryLock failed, per " + per},
		{UnitHandoffs, KindLock, false, "share of acquisitions where the lock passed to another worker"},
		{PerUnit(StemWaitNS, per), KindLock, false, "time waiting for contended locks, per " + per},
		{UnitWaitP99, KindLock, false, "99th percentile of one wait"},
		{UnitWaitMax, KindLock, false, "the longest single wait"},
		{UnitHoldNS, KindLock, false, "mean hold time of one acquisition, sampled (one in hold-every); absent when none was sampled"},
		{UnitYields, KindLock, false, "waits' yields of the processor per acquisition, after the spin budget; absent for locks that do not count them"},
		{UnitSleeps, KindLock, false, "waits' sleeps (spinpark: parks) per acquisition; absent for locks that do not count them"},
		{UnitXfer, KindMachine, false, "one-way cache-line transfer between the workers' own CPUs (mean over their pairs), probed before the repetition"},
		{UnitFairness, KindRun, true, "fewest pages of a worker over most; 1 is perfectly fair"},
		{UnitGCCycles, KindRun, false, "Go GC cycles completed in the measured window"},
		{UnitXferEnd, KindMachine, false, "the xfer-ns probe again, right after the repetition"},
		{UnitBlock, KindRun, false, "paired runs: the block of back-to-back slices this line belongs to"},
		{UnitDispatch, KindMachine, false, "lock-free floor at one thread: one lock+unlock through the Handle interface less the same by direct calls, probed on its CPU after the repetition; the saving split books acq/page × it as dispatch, out of per-page work"},
		{UnitRunq, KindRun, false, "time a worker waited for its CPU in the window, mean of workers: over 5% of the window, beyond what oversubscribed workers make each other wait, marks the repetition disturbed (another process on its CPUs)"},
		{UnitFolioPages, KindKernel, false, "kernel workloads: mean folio size the kernel allocated, in base pages (per-size THP counters)"},
		{PerUnit(StemFaults, per), KindKernel, false, "kernel workloads: page-fault entries per " + per + " (page-faults software counter)"},
		{UnitSpeed, KindMachine, false, "one ALU step plus one step of a pointer chase over 8 MB, on the workers' CPUs, probed before the repetition"},
		{UnitSpeedEnd, KindMachine, false, "the speed-ns probe again, right after the repetition"},
		{UnitMem, KindMachine, false, "the pointer chase's part of speed-ns: the memory side of the machine's state"},
		{UnitCache, KindMachine, false, "a pointer chase over 2 MB (twice a 1 MB L2) walked once, then timed, before the repetition: last-level-cache hits when the cache is the workers', memory when neighbours hold it"},
		{UnitCore, KindMachine, false, "a pointer chase over 512 KB (half a 1 MB L2) walked once, then timed, before the repetition: the core's own caches, which a host's SMT sibling of the vCPU shares (where the 1-thread state of a small VM sits)"},
	}
	for _, c := range Counters() {
		u = append(u, Unit{PerUnit(c, per), KindCounter, false, c + " per " + per + " (perf_event_open)"})
	}
	return u
}

// Lookup returns the description of unit, written in either
// denominator, or a footprint unit (FootprintUnits). ok is false for a unit lockbench does not write.
func Lookup(unit string) (u Unit, ok bool) {
	for _, per := range []string{PerPage, PerOp} {
		for _, x := range Units(per) {
			if x.Name == unit {
				return x, true
			}
		}
	}
	for _, x := range FootprintUnits() {
		if x.Name == unit {
			return x, true
		}
	}
	return Unit{}, false
}

// File configuration keys.
const (
	// The machine (go test's keys where they exist).
	ConfGOOS      = "goos"
	ConfGOARCH    = "goarch"
	ConfCPU       = "cpu"
	ConfCPUs      = "cpus"
	ConfCores     = "cores"
	ConfSMT       = "smt"
	ConfNUMANodes = "numa-nodes"
	ConfKernel    = "kernel"
	ConfGo        = "go"
	ConfLockbench = "lockbench"
	ConfCounters  = "counters"
	ConfCountNote = "counters-note"

	// The run's knobs.
	ConfWorkload = "workload"
	ConfDuration = "duration"
	ConfWarmup   = "warmup"
	ConfCount    = "count"
	ConfOrder    = "order"
	// OrderPaired is the value of ConfOrder of a run in paired blocks
	// (harness.Paired): its lines carry UnitBlock.
	OrderPaired  = "paired"
	ConfAffinity = "affinity"
	// ConfPlacement is the placement of pinned workers (host.Placement:
	// smt, core, llc, node), with why it was chosen when it is the
	// default: "core (default: 2 threads on distinct cores of one LLC (2 cores))".
	ConfPlacement  = "placement"
	ConfBare       = "bare"
	ConfFiles      = "files"
	ConfZones      = "zones"
	ConfTouch      = "touch"
	ConfFilePages  = "file-pages"
	ConfDelay      = "delay"
	ConfHoldEvery  = "hold-every"
	ConfStackEvery = "stack-every"
	// ConfSpin is the spinning locks' relax budget (locks.Spin): "auto"
	// is locks.DedicatedSpin for thread counts within the CPUs and
	// locks.SharedSpin for those listed on the oversubscribed line.
	ConfSpin           = "spin"
	ConfOversubscribed = "oversubscribed"
	// Paired runs (harness.Paired order).
	ConfSeed     = "seed"      // the seed of the blocks' random slice orders
	ConfBudget   = "budget"    // the adaptive run's time budget
	ConfTargetCI = "target-ci" // the adaptive run's target half-width of a headline interval
	// ConfTiming says which locks ns/page timed: TimingBare or
	// TimingInstrumented.
	ConfTiming = "timing"
	// lockbench ab's results (one file, both sides): which side and
	// which worker process of that side a line's slice ran in (proc
	// numbers from 1 per side), and the run's two executables and each
	// side's own flags (ConfSeed is the seed of its orders).
	ConfSide      = "side"
	ConfProc      = "proc"
	ConfBaseExe   = "ab-base"
	ConfNewExe    = "ab-new"
	ConfBaseFlags = "ab-base-flags"
	ConfNewFlags  = "ab-new-flags"
	ConfPlanFlags = "ab-plan-flags"
	// ConfTurns and ConfRewarm: how many turns each side's slice of a
	// block was measured in, interleaved with the other side's (1: whole
	// slices back to back), and the unmeasured re-warm-up before each
	// turn. A case that cannot run in turns (instrumented locks, a
	// kernel workload) ran whole slices.
	ConfTurns = "ab-turns"
	// ConfTurn is run's turn (harness.Runner.Turn): about how long each
	// turn of a paired block's interleaved slices measured; 0s: whole
	// slices. ConfRewarm is the unmeasured re-warm-up before each turn,
	// run's and ab's.
	ConfTurn   = "turn"
	ConfRewarm = "rewarm"
	// ConfBlockProcess is where a paired run measured its timed blocks of
	// bare locks: BlockProcessFresh, each block in a process of its own
	// (the blocks replicate the process), or BlockProcessSweep, every
	// block in the sweep's one process.
	ConfBlockProcess = "block-process"
)

// Values of ConfBlockProcess.
const (
	BlockProcessFresh = "fresh"
	BlockProcessSweep = "sweep"
)

// Values of ConfTiming.
const (
	// TimingBare: ns/page lines ran bare locks; the lock units come from
	// interleaved instrumented repetitions of the same case, whose lines
	// carry the lock units and their own time as inst-ns/page instead of
	// ns/page. Files without a timing line are TimingInstrumented when
	// they carry lock units on ns/page lines.
	TimingBare = "bare"
	// TimingInstrumented: every repetition ran instrumented locks, and
	// ns/page carries the instrumentation's cost (a profiled run, whose
	// stacks need it).
	TimingInstrumented = "instrumented"
)

// ConfigKeys lists every file configuration key lockbench writes, machine
// first.
func ConfigKeys() []string {
	return []string{
		ConfGOOS, ConfGOARCH, ConfCPU, ConfCPUs, ConfCores, ConfSMT, ConfNUMANodes, ConfKernel,
		ConfGo, ConfLockbench, ConfCounters, ConfCountNote,
		ConfWorkload, ConfDuration, ConfWarmup, ConfCount, ConfOrder, ConfAffinity, ConfBare,
		ConfFiles, ConfZones, ConfTouch, ConfFilePages, ConfDelay, ConfHoldEvery, ConfStackEvery,
		ConfSpin, ConfOversubscribed, ConfTiming, ConfSeed, ConfBudget, ConfTargetCI,
		ConfMachine, ConfPlan, ConfShard, ConfCases, ConfSeal, ConfRun, ConfNode, ConfStarted,
		ConfSide, ConfProc, ConfBaseExe, ConfNewExe, ConfBaseFlags, ConfNewFlags, ConfPlanFlags, ConfTurns, ConfTurn, ConfRewarm, ConfBlockProcess,
		ConfCacheSim, ConfCacheI1, ConfCacheD1, ConfCacheLL, ConfFootprintPages,
	}
}
