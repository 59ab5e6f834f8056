package host

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/sys/unix"
)

// ProbeBudget is the default time the transfer probe may take per slice
// (harness.Runner.Probe): a few rounds of cache-line ping-pong, bounded
// in time so that a descheduled partner cannot stall the sweep.
const ProbeBudget = 15 * time.Millisecond

// The transfer probe's rounds.
const (
	probeRounds    = 7
	probeTransfers = 2000 // one-way transfers per round
)

// pingPong is the cache line the two probe threads pass between them.
type pingPong struct {
	_ [128]byte
	n atomic.Int64
	_ [128]byte
}

// probeXfer measures the one-way cache-line transfer time between CPUs a
// and b: two threads pinned there take turns incrementing one word (A on
// even values, B on odd), so every increment moves the line across. It
// returns the median ns per transfer over the rounds that finished within
// the budget, or 0 if none did (both threads never ran at once). The
// caller makes sure GOMAXPROCS is at least 2.
func probeXfer(a, b int, budget time.Duration) float64 {
	var line pingPong
	var abort atomic.Bool
	var deadline time.Time // set when both players are pinned and ready
	rounds := make([]float64, 0, probeRounds)

	var wg sync.WaitGroup
	ready := make(chan struct{}, 2)
	start := make(chan struct{})
	player := func(cpu int, parity int64, record bool) {
		defer wg.Done()
		runtime.LockOSThread() // never unlocked: the pinned thread dies with the goroutine
		Pin(cpu)
		ready <- struct{}{}
		<-start
		var target int64 = parity
		for r := 0; r < probeRounds; r++ {
			t0 := time.Now()
			for i := 0; i < probeTransfers/2; i++ {
				for spins := 0; line.n.Load() != target; spins++ {
					if spins&1023 == 1023 && abort.Load() {
						return
					}
				}
				line.n.Add(1)
				target += 2
			}
			if record {
				// Player A's round ends after its own last increment; B's
				// last one follows at once, within the noise of a round.
				rounds = append(rounds, float64(time.Since(t0))/probeTransfers)
				if time.Now().After(deadline) {
					abort.Store(true)
					return
				}
			} else if abort.Load() {
				return
			}
		}
	}
	wg.Add(2)
	go player(a, 0, true)
	go player(b, 1, false)
	<-ready
	<-ready
	deadline = time.Now().Add(budget)
	close(start)
	// A partner descheduled past the budget would stall a round: stop.
	watchdog := time.AfterFunc(budget, func() { abort.Store(true) })
	wg.Wait()
	watchdog.Stop()
	if len(rounds) == 0 {
		return 0
	}
	return schema.Median(rounds)
}

// Pin binds the calling thread to cpu. The probes ignore its error (a
// CPU taken offline or a restricted cpuset leaves the thread where it
// was); a caller that must run there checks it. The caller has locked
// the goroutine to its thread (runtime.LockOSThread).
func Pin(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	return unix.SchedSetaffinity(0, &set)
}
