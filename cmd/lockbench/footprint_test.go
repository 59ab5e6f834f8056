package main

import (
	"cmp"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/footprint"
	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/benchfile"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

func TestFootprintUsageErrors(t *testing.T) {
	// Without valgrind, input that got past the checks fails at once
	// ("valgrind not found") instead of simulating a bad plan.
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	tests := []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"--count", "0"}, "--count 0: must be at least 1", "a footprint is a repetition at least"},
		{[]string{"--pages", "0"}, "--pages 0", "no pages, no steady state"},
		{[]string{"--modes", "huge"}, `--modes`, "modes are workloads' to check, named by the flag"},
		{[]string{"--batch", "0"}, "--batch", "the plan's rules, as run's"},
		{[]string{"--locks", "nosuch"}, "--locks", "the plan's rules, as run's"},
		{[]string{"--results", filepath.Join(t.TempDir(), "missing.txt")}, "--results", "a run file to fit against that is not there"},
	}
	for _, tt := range tests {
		wantUsageError(t, append([]string{"footprint", "--out", out}, tt.args...), tt.reason, tt.want)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("bad input created the output folder (%v): nothing is written before the input is checked", err)
	}
}

// TestFootprintNoValgrind: without valgrind on PATH, one line says how to
// install it, exit 2, and nothing is written.
func TestFootprintNoValgrind(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	wantUsageError(t, []string{"footprint", "--locks", "mutex", "--modes", "page,batch", "--out", out},
		"an environment without the simulator is the user's to fix", "valgrind not found on PATH", "apt-get install valgrind")
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the output folder was created without a simulator: %v", err)
	}
}

// TestFootprintHardwareUnavailable: --hardware on a machine without a PMU
// (most VMs) says so in one line, exit 2.
func TestFootprintHardwareUnavailable(t *testing.T) {
	r := harness.DefaultRunner
	if r.CounterSupport().Hardware {
		t.Skip("this machine has hardware counters: --hardware would run")
	}
	wantUsageError(t, []string{"footprint", "--hardware", "--out", filepath.Join(t.TempDir(), "out")},
		"no PMU is an environment the user must change", "--hardware: this machine gives no hardware counters", "leave --hardware out")
}

func TestFootprintModelCmd(t *testing.T) {
	stdout, stderr, code := execCLI(t, modelCmd, "--spec", `{"Workload":"pagecache","Lock":"none","Mode":"batch","Batch":4,"Touch":64}`, "--pages", "10")
	if code != 0 || stdout != "pages 12\n" {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want 'pages 12' (whole batches of 4)", modelCmd, code, stdout, stderr)
	}
	wantUsageError(t, []string{modelCmd, "--spec", "{", "--pages", "10"}, "a spec that is not JSON", "--spec")
}

// TestFootprintCachegrind runs the command under cachegrind with small
// page counts, where valgrind is installed (.ci/run installs it), and
// checks the results file against the contract and the summary's answer.
func TestFootprintCachegrind(t *testing.T) {
	if testing.Short() {
		t.Skip("runs valgrind (-short)")
	}
	if _, err := exec.LookPath("valgrind"); err != nil {
		t.Skipf("valgrind is not installed (%v): %s", err, footprint.InstallHint)
	}
	if _, err := footprint.ReadGeometry(footprint.SysfsCacheDir); err != nil {
		t.Skipf("no cache geometry here: %v", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	cmd := lockbenchCmd(t, "footprint", "--locks", "mutex", "--modes", "page,batch", "--batch", "4", "--file-pages", "64",
		"--pages", "1024", "--count", "1", "--floor=false", "--quiet", "--out", out)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("footprint: %v\nstderr: %s", err, stderr.String())
	}
	lines := benchfile.Read(t, filepath.Join(out, harness.ResultsFile))
	if len(lines) != 2 {
		t.Fatalf("%d result lines, want 2 (page and batch, one repetition)", len(lines))
	}
	for _, l := range lines {
		if !strings.HasSuffix(string(l.Name), "/lock=mutex/threads=1-1") {
			t.Errorf("name %s, want run's name of the case at 1 thread", l.Name)
		}
		units := map[string]bool{}
		for _, v := range l.Values {
			units[cmp.Or(v.OrigUnit, v.Unit)] = true
		}
		for _, u := range []string{schema.UnitL1DMissPage, schema.UnitL1DRefPage, schema.UnitLLMissPage, schema.UnitInstrPage, "ns/page"} {
			if !units[u] {
				t.Errorf("%s: no %s", l.Name, u)
			}
		}
		if cfg := configValue(l.Config, schema.ConfCacheD1); !strings.Contains(cfg, "L1 Data") {
			t.Errorf("cache-d1 config %q, want the simulated L1d's geometry", cfg)
		}
	}
	if m := cases.Group(lines); len(m.Unknown()) > 0 || len(m.Warnings) > 0 {
		t.Errorf("reports reads the footprint lines with unknown units %v, warnings %v", m.Unknown(), m.Warnings)
	}
	if s := stdout.String(); !strings.Contains(s, "l1d-miss/page") || !strings.Contains(s, "answer:") || !strings.Contains(s, "saving of batch over page at batch 4") {
		t.Errorf("summary lacks the table or the answer:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(out, harness.SummaryFile)); err != nil {
		t.Errorf("summary.txt: %v", err)
	}
}

// configValue is the value of a file configuration key of a result.
func configValue(cfg []benchfmt.Config, key string) string {
	for _, c := range cfg {
		if c.Key == key {
			return string(c.Value)
		}
	}
	return ""
}
