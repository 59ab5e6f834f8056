package reports

import (
	"fmt"
	"strings"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/stats"
)

// An InstrumentationCost is what the instrumented wrapper adds to one
// acquisition of a lock, measured in the run itself: over the lock's
// 1-thread cases, the instrumented repetitions' time (inst-ns/page)
// minus the bare repetitions' (ns/page), divided by the acquisitions.
type InstrumentationCost struct {
	Variant  string `json:"variant"`
	NSPerAcq Float  `json:"ns_per_acq"`
	Cases    int    `json:"cases"`
}

// instrumentationCosts returns the cost per variant, for the variants
// whose 1-thread cases have both times and acq/page: Σ(inst − bare) /
// Σ acq/page over them, on medians (the modes with most acquisitions
// weigh most, where the cost is best resolved).
func instrumentationCosts(m *cases.Model) []InstrumentationCost {
	var out []InstrumentationCost
	for _, v := range m.Variants {
		var extra, acq float64
		n := 0
		for _, c := range m.PageCache {
			if c.Variant != v || c.Threads != 1 || !c.Has(cases.NSPage) || !c.Has(cases.InstNSPage) || !c.Has(cases.AcqPage) {
				continue
			}
			extra += c.Median(cases.InstNSPage) - c.Median(cases.NSPage)
			acq += c.Median(cases.AcqPage)
			n++
		}
		if n == 0 || acq <= 0 {
			continue
		}
		out = append(out, InstrumentationCost{Variant: v, NSPerAcq: Float(extra / acq), Cases: n})
	}
	return out
}

// instrumentationText is the summary's line on the instrumentation's cost.
func instrumentationText(costs []InstrumentationCost) string {
	if len(costs) == 0 {
		return ""
	}
	var parts []string
	for _, c := range costs {
		if c.NSPerAcq < 0 {
			// Counting cannot make a lock faster: below zero, the
			// difference is the noise of the two medians.
			parts = append(parts, fmt.Sprintf("%s ≈0 ns (measured %s: noise)", VariantLabel(c.Variant), stats.Format(float64(c.NSPerAcq), 2)))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s ns", VariantLabel(c.Variant), stats.Format(float64(c.NSPerAcq), 2)))
	}
	return "instrumentation cost per acquisition (1-thread cases, " + cases.InstNSPage + " − " + cases.NSPage + " over " + cases.AcqPage + "): " + strings.Join(parts, ", ")
}
