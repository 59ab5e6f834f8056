// Package reports reads benchmark results and answers lockbench's
// question from them: it reads the Go benchmark format
// (golang.org/x/perf/benchfmt) into a Set (Load) and gives `lockbench
// run` its summary (Summarize): the table, the bottom line, the
// headlines of package reports/headline, machine regimes and lock
// classes, and the adaptive run its judge (Pending, Judge).
//
// reports reads files, not the harness: it works alike on lockbench's
// results, on plain `go test -bench` output and on last month's baseline.
// It never imports package harness (TestNoHarnessImport); benchfmt is the
// seam, package schema the contract of names, keys and units, and
// package workloads the vocabulary of modes.
//
// # The stack
//
// As x/perf splits benchfmt, benchproc and benchmath under benchstat,
// bottom to top:
//   - package reports/stats: statistics of samples (a median with its
//     confidence interval, the Mann-Whitney U test, a bootstrap interval
//     for a ratio of medians, a spread) and the one number and
//     percentage formatter. It knows nothing of benchmarks.
//   - package reports/cases: results grouped into cases, the one model
//     the summary, the headline and the report read: names parsed
//     (schema.ParseName), samples per unit as written, one case per input
//     file, modes placed by workloads.Modes(), units classified by
//     schema.Lookup.
//   - package reports/saving: the counterfactual decomposition of a
//     case's time and the saving split, on plain samples.
//   - package reports/headline: batched against page on the case model,
//     with the saving split of each (headline.Find).
//   - this package: Load reads files into a Set; Summarize answers the
//     question from the headlines; Pending and Judge steer an adaptive
//     run.
//   - package reports/compare, above this one: benchstat-style tables
//     (compare.Tables) and the regression gate (compare.Gate), grouped by
//     the user's benchproc projections; they read a Set, not the case
//     model.
//   - package reports/render, on top: the HTML and Markdown report and
//     its plots (package reports/plot), quoting the headlines.
//
// The pieces:
//   - Load reads files into a Set. Bad input is an error with its file and
//     line (*InputError, *benchfmt.SyntaxError); what does not stop the
//     analysis is in Set.Warnings.
//   - Summarize gives `lockbench run` its table, bottom line and
//     headlines; the report quotes the same headlines.
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
