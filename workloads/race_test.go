//go:build race

package workloads

// raceEnabled is true under the race detector, which slows the workers
// tenfold and flags the busted lock's deliberate races.
const raceEnabled = true
