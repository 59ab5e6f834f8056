package reports

import (
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports/headline"
)

// TestTargetRelative: --target-ci is a half-width relative to the ratio.
// Two headlines with the same ± 4 points: on a ratio of 0.3 that is
// ± 13%, wider than a 5% target; on a ratio of 1.0 it is ± 4%, within.
func TestTargetRelative(t *testing.T) {
	s := &Summary{Headlines: []headline.Headline{
		{Text: "big saving", Delta: -0.7, HalfWidth: 0.04, Blocks: 20},
		{Text: "no saving", Delta: 0, HalfWidth: 0.04, Blocks: 20},
	}}
	s.target(0.05)
	if s.Headlines[0].NotTight == "" || !strings.Contains(s.Headlines[0].NotTight, "± 13% of the ratio") {
		t.Errorf("ratio 0.3 ± 0.04: NotTight %q, want ± 13%% of the ratio against the 5%% target", s.Headlines[0].NotTight)
	}
	if s.Headlines[1].NotTight != "" {
		t.Errorf("ratio 1.0 ± 0.04: NotTight %q, want within a 5%% target", s.Headlines[1].NotTight)
	}
	if got := (&headline.Headline{Delta: -1.2, HalfWidth: 0.1}).RelHalfWidth(); got < 1e300 {
		t.Errorf("RelHalfWidth of a ratio below 0 = %v, want +Inf", got)
	}
}
