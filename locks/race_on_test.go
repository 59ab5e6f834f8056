//go:build race

package locks

// raceEnabled: the race detector is on. The busted lock's data race would
// be reported (and fail the run) rather than caught by the checker, and
// everything runs several times slower, so tests shrink.
const raceEnabled = true
