// Package ab compares two builds of lockbench (or one build in two
// configurations) in one run: the A/B comparison a CI regression gate
// can trust on a shared machine.
//
// Both sides run as worker processes ("lockbench worker", Serve) that a
// parent drives through a small line protocol (Protocol; docs/ab.md). A
// block is one slice of one case on each side, back to back, in a random
// order drawn from a seed; only one side runs at a time, and the worker
// pins its threads as `lockbench run` does (harness.Runner). The
// statistic is the per-block paired log ratio ln(new/base): whatever the
// machine does during the block (a regime switch, a noisy neighbour)
// both sides share, and the ratio cancels it.
//
// Workers are restarted every round (at most one block of each case per
// process), so every block of a case comes from its own pair of
// processes: the between-process effect (memory layout, the host's
// placement of the process) is part of each block's ratio, and so of the
// interval, instead of being one shared offset that repetitions of one
// process cannot see.
//
// Judge turns the blocks into a Verdict: per case the Hodges-Lehmann
// estimate of the change with its signed-rank interval
// (stats.PairedCentre) and a status, ok, improved, regressed or
// unjudged with its reason; regressions are tested one-sided against
// the threshold, Holm-adjusted over the judged cases (the family).
//
// The stack: ab sits beside harness (which the worker side runs) and on
// reports/stats; cmd/lockbench adds the ab and worker commands.
package ab
