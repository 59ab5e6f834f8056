package workloads

import "time"

// spin runs n rounds of xorshift64 on x and returns the result. It is the
// unit of both delay injection and the cs workload's think time: a
// dependent chain of ALU operations that touches no memory, so its cost
// does not depend on the caches. The caller stores the result, so the
// compiler cannot delete the loop.
//
//go:noinline
func spin(n int64, x uint64) uint64 {
	x |= 1
	for i := int64(0); i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// spinRate measures spin's speed in rounds per nanosecond, once, at setup:
// delay injection then turns a duration into a round count, so that no
// critical section reads a clock. It keeps the fastest of a few tries, the
// one least disturbed by preemption.
func spinRate() float64 {
	const rounds = 1 << 18
	best := time.Duration(1<<63 - 1)
	var sink uint64
	for range 5 {
		t0 := time.Now()
		sink += spin(rounds, sink)
		if d := time.Since(t0); d < best && d > 0 {
			best = d
		}
	}
	if best <= 0 || best == time.Duration(1<<63-1) {
		return 1
	}
	return float64(rounds) / float64(best.Nanoseconds()) * float64(1|sink&1) // sink keeps the loop alive
}

// spinRounds converts d into spin rounds at rate.
func spinRounds(d time.Duration, rate float64) int64 {
	if d <= 0 {
		return 0
	}
	return max(1, int64(float64(d.Nanoseconds())*rate))
}
