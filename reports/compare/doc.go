// Package compare is lockbench's benchstat: it compares benchmark results
// read by reports.Load, a table per unit (Tables), and judges whether new
// results regressed against a baseline (Gate).
//
// It does not use the case model (package reports/cases) or the headline:
// its rows are the user's choice, so it groups results with
// golang.org/x/perf/benchproc projections and filters ("-col /mode",
// "-filter '/lock:mcs'"), as benchstat does, and judges them with
// golang.org/x/perf/benchmath (Tables) and package reports/stats (Gate).
// It stands above package reports (whose Set it reads) and below package
// reports/render (whose report quotes a mode comparison); it never imports
// harness.
//
// # Statistics
//
// Everything follows benchstat (benchmath.AssumeNothing): medians, their
// distribution-free confidence intervals, and the two-sided Mann-Whitney U
// test. Units are tidied as benchfmt tidies them: ns/page is read as
// sec/page, so the tables show "41.2n" sec/page; Gate speaks in the units
// as written.
//
// Gate fails a benchmark only when its change for the worse is both beyond
// the threshold and significant (p <= alpha). Lower is better for times,
// sizes and counts (ns/page, B/op, acq/page); higher is better for rates
// per second (pages/s, B/s, ops/s) and for any unit the files declare with
// "Unit x better=higher". Samples too small to ever be significant — the
// smallest p-value of the test, MinP, exceeds alpha; 3 against 3 gives
// 0.1 — are reported as insufficient, never as a pass.
//
// Class lines (schema.IsClassLine) and lines whose machine switched
// regime (schema.IsSwitched) are left out unless the user names the class
// key; Gate judges like with like only (schema.KeyRegime).
package compare
