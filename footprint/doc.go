// Package footprint measures the page-cache model's cache footprint per
// page: L1d misses and references, last-level misses and instructions,
// at one thread, for each lock, mode and batch size, so that Morton's
// claim ("all about reducing the L1 cache footprint") is checked rather
// than assumed.
//
// It sits beside harness in lockbench's stack (locks -> workloads ->
// harness; footprint uses workloads' model, harness's output folder,
// machine description and PMU group, schema's units, and reports/plot),
// and cmd/lockbench's footprint command is its only caller.
//
// # Measuring
//
// Most VMs and CI runners have no PMU, so the default Meter is a
// Simulator: valgrind's cachegrind with the machine's own cache geometry
// (ReadGeometry, from sysfs), running a process that builds one Case and
// runs a fixed page count (RunPages; cachegrind slows a process ~50x, so
// a timed slice would run a different model). Measure runs a case twice,
// Case.Pages apart (a warm-up of two laps of its file, then that plus the
// measured pages), and Differential divides the difference of the two
// runs' totals (ParseCachegrind) by the difference of their pages:
// start-up, the build and the warm-up cancel. Hardware is the same with
// the PMU's generic cache events, in process, where the machine has one.
//
// # The answer
//
// Summarize pools repetitions by their medians and fits, per lock,
// ns/page ≈ a + b·l1d-miss/page over every mode and batch size measured
// (ns/page from TimePages, or a run's results through LoadTimings). Each
// batched mode's 1-thread saving over mode page is then split into the
// part the miss reduction accounts for at that slope (b × misses saved)
// and the rest; with lock none (the floor) measured, that is the per-page
// work saving, which Summary.Answer states. Summary.Curve is the
// batch-size curve of mode batch, marking where the batch's working set
// (WorkingSet) reaches L1d; WritePlots draws it.
package footprint
