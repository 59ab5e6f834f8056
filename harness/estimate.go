package harness

import (
	"math"
	"time"

	"github.com/lockbench/lockbench/workloads"
)

// Estimate is how long r takes to run p: every repetition's warm-up,
// measured window and regime probe, without the time to start threads
// and build the workload (a few ms a case). It neither expands the cases
// nor overflows: a plan of absurd length (a duration of 2562047h, a count
// of a billion) saturates at the largest time.Duration, about 292 years.
// Call p.Validate and r.Validate first.
func Estimate(p Plan, r Runner) time.Duration {
	info, _ := workloads.Lookup(p.Base.Workload)
	reps := float64(len(p.configs(info, false))) * float64(max(p.Count, 0))
	per := float64(max(r.Duration, 0)) + float64(max(r.Warmup, 0)) + float64(max(r.Probe, 0))
	total := reps * per
	if total >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(total)
}
