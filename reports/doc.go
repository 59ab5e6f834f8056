// Package reports judges benchmark results: it reads the Go benchmark
// format (golang.org/x/perf/benchfmt) and gives `lockbench run` its
// summary and headline, `lockbench compare` benchstat-style tables,
// `lockbench gate` its regression verdict and `lockbench report` its
// HTML and Markdown report.
//
// reports reads files, not the harness: it works alike on lockbench's
// results, on plain `go test -bench` output and on last month's baseline.
// It never imports package harness (TestNoHarnessImport); benchfmt is the
// seam, package schema the contract of names, keys and units, and
// package workloads the vocabulary of modes.
//
// # The stack
//
// As x/perf splits benchfmt, benchproc and benchmath under benchstat:
//   - package reports/stats: statistics of samples (a median with its
//     confidence interval, the Mann-Whitney U test, a bootstrap interval
//     for a ratio of medians, a spread) and the one number and
//     percentage formatter. It knows nothing of benchmarks.
//   - package reports/cases: results grouped into cases, the one model
//     the summary, the headline and the report read: names parsed once
//     (schema.ParseName), samples per unit as written, one case per input
//     file, modes placed by workloads.Modes(), units classified by
//     schema.Lookup.
//   - this package: Load reads files into a Set; Summarize and the
//     headline engine (Headline) answer the question; NewReport and
//     WriteReport render it with plots (package reports/plot); Compare
//     and Gate group results by the user's benchproc projections, as
//     benchstat does, and judge them with reports/stats.
//
// The pieces:
//   - Load reads files into a Set. Bad input is an error with its file and
//     line (*InputError, *benchfmt.SyntaxError); what does not stop the
//     analysis is in Set.Warnings.
//   - Compare builds benchstat-style tables: a row per benchmark, a column
//     per file (or per value of a column projection, such as /mode), the
//     median with its 95% confidence interval in each cell, and every
//     column compared with the first by the Mann-Whitney U test; a
//     geomean row.
//   - Gate decides whether new results regressed against a baseline.
//   - Summarize gives `lockbench run` its table and headline; the report
//     quotes the same headlines.
//
// # Statistics
//
// Everything follows benchstat (benchmath.AssumeNothing): medians, their
// distribution-free confidence intervals, and the two-sided Mann-Whitney U
// test. Units are tidied as benchfmt tidies them: ns/page is read as
// sec/page, so Compare's tables show "41.2n" sec/page; Gate, Summarize
// and the report speak in the units as written.
//
// Gate fails a benchmark only when its change for the worse is both beyond
// the threshold and significant (p <= alpha). Lower is better for times,
// sizes and counts (ns/page, B/op, acq/page); higher is better for rates
// per second (pages/s, B/s, ops/s) and for any unit the files declare with
// "Unit x better=higher". Samples too small to ever be significant — the
// smallest p-value of the test, MinP, exceeds alpha; 3 against 3 gives
// 0.1 — are reported as insufficient, never as a pass.
//
// A headline compares a batched case (every mode of workloads.Modes() but
// page and large) with the mode=page case of the same lock, threads,
// other settings and input: the change of the median ns/page, a 95%
// interval for it from a deterministic percentile bootstrap of the ratio
// of medians (stats.RatioCI: 2000 resamples of both samples, a fixed seed:
// the same results always give the same interval), the Mann-Whitney
// p-value, acquisitions per page before and after, and the efficiency
// (page - batch) / (page - large) on medians, "how close batching gets to
// one big page", given only when large is significantly faster than page.
//
// # Machine regimes
//
// lockbench records a cross-core cache-line transfer probe (xfer-ns) with
// each repetition. On small VMs it can switch several-fold within seconds,
// and contended results with it. Summarize gives each case's xfer-ns
// median and range, and warns when cases compared in a headline have
// xfer-ns medians more than 2x apart, or when a case's probe falls into
// two clusters.
package reports
