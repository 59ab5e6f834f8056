package harness

import (
	"math"
	"time"
)

// Estimate is how long r takes to run p: every repetition's
// Runner.Estimate (warm-up, measured window and setup), the floor cases
// and the counting repetitions included, of p's Shard only (the
// configurations Cases runs). It counts the repetitions without expanding
// them, and does not overflow: a plan of absurd length (a duration of
// 2562047h, a count of a billion) saturates at the largest
// time.Duration, about 292 years. Call p.Validate and r.Validate first.
func Estimate(p Plan, r Runner) time.Duration {
	configs, floor := p.specs()
	reps := float64(len(configs)+len(floor)) * float64(max(p.Count, 0))
	if p.counting() {
		reps += float64(len(configs)) * CountingReps
	}
	total := reps * float64(max(r.Estimate(Case{}), 0))
	if total >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(total)
}
