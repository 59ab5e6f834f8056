// Package headline is the headline engine: it compares each batched case
// of a case model (package reports/cases) with the mode=page case of the
// same lock, threads, other settings and input, and with the large-page
// ideal, and splits the time the batched case saves (package
// reports/saving).
//
// # The stack
//
// headline stands between the case model and the summary: it imports
// reports/cases, reports/saving, reports/stats, schema and workloads,
// and package reports (Summarize, the bottom line, the adaptive run's
// judge) calls Find; package reports/render quotes the headlines and
// draws CaseParts and CaseSaving. It never imports reports or anything
// above it (reports' TestNoHarnessImport).
//
// The pieces:
//   - Find returns the headlines of a model in case order, with the
//     warnings of what could not be compared.
//   - A Headline's Text, Label, Change and Full are how it reads in the
//     summary, the table and the details.
//   - CaseSaving and CaseParts gather the saving split's samples from the
//     model (the 1-thread case, the floors, the blocks page and batched
//     shared) and call package saving.
//   - Efficiency is "how close batching gets to one big page", defined
//     only when large is significantly faster than page.
//
// A headline compares a batched case (every mode of workloads.Modes() but
// page and large) with the mode=page case of the same lock, threads,
// other settings and input: the change of the median ns/page, a 95%
// interval for it (the paired blocks' Hodges-Lehmann ratio with its
// signed-rank interval when the cases ran in paired blocks, else a
// deterministic percentile bootstrap of the ratio of medians,
// stats.RatioCI: 2000 resamples of both samples, a fixed seed), the
// p-value, acquisitions per page before and after, and the efficiency
// (page - batch) / (page - large) on medians.
package headline
