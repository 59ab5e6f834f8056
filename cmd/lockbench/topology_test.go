package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTopologyCommand runs 'lockbench topology' on the fake 2-socket SMT
// tree of the harness's tests (LOCKBENCH_SYSFS): the four
// placements, each by its cpus line.
func TestTopologyCommand(t *testing.T) {
	t.Setenv(sysfsEnv, filepath.Join("..", "..", "harness", "testdata", "sysfs", "intel-2s-smt"))
	for _, tt := range []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"--placement", "core", "--threads", "4"}, "cpus: 0-3\n", "four distinct cores of socket 0's L3"},
		{[]string{"--placement", "smt", "--threads", "2"}, "cpus: 0,8\n", "CPU 0 and its sibling"},
		{[]string{"--placement", "llc", "--threads", "2"}, "cpus: 0,4\n", "one CPU of each L3"},
		{[]string{"--placement", "node", "--threads", "4"}, "cpus: 0-1,4-5\n", "two per socket"},
		{[]string{"--threads", "4"}, "placement: core (default", "one L3 has four cores: the default is core, and says so"},
		{[]string{"--threads", "6"}, "placement: llc (default", "no L3 has six cores"},
	} {
		out, errOut, code := execCLI(t, append([]string{"topology"}, tt.args...)...)
		if code != 0 || !strings.Contains("\n"+out, "\n"+tt.want) {
			t.Errorf("topology %v: exit %d, stderr %q; want %q in:\n%s\n(%s)", tt.args, code, errOut, tt.want, out, tt.reason)
		}
	}
	if _, errOut, code := execCLI(t, "topology", "--placement", "socket"); code != 2 || !strings.Contains(errOut, "--placement") {
		t.Errorf("topology --placement socket: exit %d, stderr %q; want 2 naming --placement", code, errOut)
	}
	t.Setenv(sysfsEnv, t.TempDir())
	for _, args := range [][]string{{"topology"}, {"run", "--dry-run"}} {
		wantUsageError(t, args, "a LOCKBENCH_SYSFS that is no sysfs tree is bad input", sysfsEnv)
	}
}
