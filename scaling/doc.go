// Package scaling fits Gunther's Universal Scalability Law (USL) to
// throughput measured at several thread counts on one machine:
//
//	X(N) = λN / (1 + σ(N−1) + κN(N−1))
//
// λ is the throughput of one thread without contention, σ (contention)
// the share of the work that is serialised, as in Amdahl's law, and κ
// (coherency) the cost of every pair of threads exchanging data, the
// cache-line ping-pong of a contended lock. With κ > 0 and σ < 1 the
// throughput peaks at N* = sqrt((1−σ)/κ) and falls beyond it (retrograde
// scaling); with κ = 0 it rises towards λ/σ and never falls.
//
// Source: N. J. Gunther, "Guerrilla Capacity Planning" (Springer, 2007),
// and "A General Theory of Computational Scalability Based
// on Rational Functions" (arXiv:0808.1431, 2008).
//
// # Contract
//
// Fit takes the points of one lock × mode on one machine (one point per
// repetition; repeated N are welcome) and returns the least-squares Model:
// it minimises Σ (ln X_i − ln X(N_i))² subject to σ ≥ 0 and κ ≥ 0, with
// λ > 0. Gunther fits X itself; the log form treats a run 2% off the same
// at every N, as benchmark noise is, and recovers σ and κ better on such
// data (measured; see problem in scaling.go). It refuses, with an error
// and no Model,
//
//   - fewer than MinDistinctN distinct thread counts (*TooFewError): three
//     parameters need at least four distinct N to be told apart from noise;
//   - a point with N < 1, or a throughput that is not a finite positive
//     number (*PointError, with the point's index).
//
// Model.R2 is computed on ln X, what the fit minimises.
//
// The fit is deterministic: the same points give the same Model.
// Degenerate data give a Model, not an error: data that rise linearly
// fit σ = κ = 0 and Peak = +Inf; flat data fit σ = 1, κ = 0 and Peak = 1
// (every thread count is as good as one); σ is not bounded above, so
// data that fall from the first point fit σ > 1 or a large κ.
//
// A Model is trustworthy only inside the measured thread counts:
// Extrapolated says whether a thread count, the Peak included, lies
// outside them, and a report must mark such values as extrapolations.
// How well σ and κ are determined depends on the design more than on the
// fit: with 2% noise and 10 repetitions per N, σ and κ come within 10% of
// the truth when the measured thread counts reach about the peak; when
// the peak lies far beyond them, κ is barely visible in the data and may
// be off by 20% or more (see the tests).
//
// # Where it sits
//
// scaling is a leaf: it imports nothing of lockbench. Its caller (the
// reports package) turns ns/page into throughput (pages per second is
// 1e9 / ns/page, since ns/page is wall time over all pages of all
// workers), groups the points by machine, lock and mode, never pooling
// machines, and draws Model.X through the measured points. Contended
// cases carry their machine regime and a 1-thread case has none, so the
// caller fits each regime on every measured N with the 1-thread point
// pooled across regimes, and says so.
package scaling
