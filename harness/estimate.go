package harness

import (
	"math"
	"time"

	"github.com/lockbench/lockbench/workloads"
)

// Estimate is how long r takes to run p: every repetition's
// Runner.Estimate (warm-up, measured window and setup), the floor cases
// and the counting repetitions included. It neither expands the cases nor
// overflows: a plan of absurd length (a duration of 2562047h, a count of
// a billion) saturates at the largest time.Duration, about 292 years.
// Call p.Validate and r.Validate first.
func Estimate(p Plan, r Runner) time.Duration {
	info, _ := workloads.Lookup(p.Base.Workload)
	configs := p.configs(info, true)
	configs = append(configs, p.floorConfigs(info, configs)...)
	reps := float64(len(configs)) * float64(max(p.Count, 0))
	if !p.Base.Bare && p.timing() == TimeBare {
		reps += float64(len(p.configs(info, true))) // one counting repetition each
	}
	total := reps * float64(max(r.Estimate(Case{}), 0))
	if total >= math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(total)
}
