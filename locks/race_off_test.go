//go:build !race

package locks

// raceEnabled: the race detector is off.
const raceEnabled = false
