// Package saving is the counterfactual decomposition: where the time of
// a case, and the time batching saves, comes from, measured rather than
// fitted.
//
// For a lock L in one mode (and batch) at T threads, per page of thread
// time (ns/page × T, since ns/page is wall time over the pages of all
// threads together):
//
//	work       = none at 1 thread − dispatch       the page work with no lock at all
//	scaling    = none at T × T − none at 1 thread  what T threads cost with nothing shared but
//	                                               the machine: each worker on a private instance
//	                                               of the model (SMT siblings, frequency, memory
//	                                               bandwidth); 0 at one thread
//	lock       = L at 1 thread − none at 1 thread  the lock instructions, uncontended
//	contention = L at T × T − L at 1 thread − scaling
//	                                               what more threads add through the shared model
//	                                               and the lock; 0 when L scales as the private floor
//	dispatch   = acq/page of L at 1 thread × dispatch-ns of the floor
//	                                               the floor's lock calls through locks.Handle:
//	                                               taken out of work when the floor carries the
//	                                               probe (schema.UnitDispatch); lock holds none
//	                                               of it, since L and none both call through it
//
// The parts add up to L at T × T by construction. Contention splits into
// waiting (wait-ns/page, from the instrumented repetitions) and the rest
// (cache-line transfers of the lock and the data, handoffs). Without a
// private floor at T (results of older runs) scaling is unknown (NaN) and
// contention keeps it, as it did.
//
// Every figure is a function of samples (Input, BlockPairs), not of the
// case model, so that it applies to any group of repetitions: per machine
// regime as well as pooled.
//
// # The stack
//
// saving stands below package reports and beside package reports/cases:
// it imports only reports/stats (medians, the bootstrap, the number
// formatter) and schema (the unit). Package reports gathers the samples
// from the case model (headline.CaseSaving, headline.CaseParts) and calls
// Decompose and OfPaired; package reports/render draws what they return.
// saving never reads the case model, so that no two packages use each
// other (reports' TestNoHarnessImport).
//
// The pieces:
//   - Decompose splits one case's thread time per page (Parts).
//   - Of and OfPaired split the saving of a batched case against page
//     (Split), with percentile bootstrap intervals; OfPaired resamples
//     the blocks page and batched shared whole (BlockPairs), takes the
//     lock part within the 1-thread blocks that held the lock and the
//     floor (Hodges-Lehmann with its Walsh interval, BlockPairs.OneThread)
//     and the total as the headline's paired estimate, the remainder
//     (work at one thread, contention above) keeping the sum.
//   - Split.Text is the split as a headline says it.
package saving
