package host

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// validName is harness's rule for a machine name (its validMachine), which
// every derived name must pass: one word of 1 to maxMachineName
// characters that is also a valid artifact, folder and column name.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func TestDeriveName(t *testing.T) {
	tests := []struct {
		model  string
		cpus   int
		kernel string
		want   string
		reason string
	}{
		{"Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", 4, "Linux 6.8.0-1012-aws",
			"intel-xeon-platinum-8259cl-cpu-2.50ghz-4cpu-linux-6.8.0-1012-aws", "64 characters: nothing to cut"},
		{"Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz", 16, "Linux 6.5.0-1025-azure",
			"intel-xeon-platinum-8370c-cpu-2.80g-16cpu-linux-6.5.0-1025-azure", "66 characters: the model's end goes, the count and kernel stay"},
		{"AMD EPYC 7B13 64-Core Processor", 8, "Linux 6.8.0-1015-gcp",
			"amd-epyc-7b13-64-core-processor-8cpu-linux-6.8.0-1015-gcp", "short enough: whole"},
		{"x", 2, "Linux 6.8.0-" + strings.Repeat("a", 70),
			"2cpu-linux-6.8.0-" + strings.Repeat("a", 47), "a kernel too long by itself: the model goes, then the kernel's end"},
		{"", 1, "", runtime.GOARCH + "-1cpu", "no model read: the architecture stands in"},
		{".Weird CPU.", 2, "", "weird-cpu.-2cpu", "a leading '.' would not start a valid name"},
	}
	for _, tt := range tests {
		got := deriveName(tt.model, tt.cpus, tt.kernel)
		if got != tt.want {
			t.Errorf("deriveName(%q, %d, %q) = %q, want %q (%s)", tt.model, tt.cpus, tt.kernel, got, tt.want, tt.reason)
		}
		if !validName.MatchString(got) {
			t.Errorf("deriveName(%q, %d, %q) = %q, not a valid --machine (harness.Runner.Machine) (%s)", tt.model, tt.cpus, tt.kernel, got, tt.reason)
		}
	}
}
