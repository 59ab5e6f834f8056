package host

import (
	"fmt"
	"slices"
	"testing"

	"github.com/lockbench/lockbench/internal/testtree"
)

// fakeSysfs writes a 2-package, 2-core, 2-SMT-thread, 2-node machine with
// Linux's usual numbering (siblings are n and n+4).
func fakeSysfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write := func(path, s string) { testtree.Write(t, root, path, s+"\n") }
	write("devices/system/cpu/online", "0-7")
	for id := range 8 {
		pkg, core := (id/2)%2, id%2
		dir := fmt.Sprintf("devices/system/cpu/cpu%d/topology/", id)
		write(dir+"core_id", fmt.Sprint(core))
		write(dir+"physical_package_id", fmt.Sprint(pkg))
	}
	write("devices/system/node/node0/cpulist", "0-1,4-5")
	write("devices/system/node/node1/cpulist", "2-3,6-7")
	return root
}

func TestTopology(t *testing.T) {
	topo, err := ReadTopology(fakeSysfs(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(topo.CPUs) != 8 || topo.Cores() != 4 || !topo.SMT() || topo.Nodes() != 2 {
		t.Fatalf("cpus %d cores %d smt %v nodes %d, want 8 4 true 2", len(topo.CPUs), topo.Cores(), topo.SMT(), topo.Nodes())
	}
	for _, tt := range []struct {
		a      Affinity
		want   []int
		reason string
	}{
		{Compact, []int{0, 4, 1, 5, 2, 6, 3, 7}, "compact fills a core's SMT siblings, then the package, then the next node"},
		{Spread, []int{0, 2, 1, 3, 4, 6, 5, 7}, "spread takes one CPU per core, alternating packages, before any sibling"},
		{None, []int{0, 4, 1, 5, 2, 6, 3, 7}, "none reports the compact order (the probe's cores)"},
	} {
		if got := topo.Order(tt.a); !slices.Equal(got, tt.want) {
			t.Errorf("Order(%s) = %v, want %v: %s", tt.a, got, tt.want, tt.reason)
		}
	}
}

func TestParseCPUList(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []int
		bad  bool
	}{
		{"0", []int{0}, false},
		{"0-2,5", []int{0, 1, 2, 5}, false},
		{"", nil, false},
		{"3-1", nil, true},
		{"x", nil, true},
	} {
		got, err := parseCPUList(tt.in)
		if (err != nil) != tt.bad || !slices.Equal(got, tt.want) {
			t.Errorf("parseCPUList(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestReadTopologyMissing(t *testing.T) {
	if _, err := ReadTopology(t.TempDir()); err == nil {
		t.Fatal("ReadTopology of an empty sysfs succeeded")
	}
}

func TestRestrict(t *testing.T) {
	topo := Topology{CPUs: []CPU{{ID: 0}, {ID: 1, Core: 1}, {ID: 2, Core: 2}, {ID: 3, Core: 3}}}
	got := topo.Restrict([]int{1, 3, 9})
	if ids(got.CPUs)[0] != 1 || len(got.CPUs) != 2 || got.Cores() != 2 {
		t.Errorf("Restrict to 1,3: got %v, want CPUs 1 and 3 (a cpuset of two)", ids(got.CPUs))
	}
	if got := topo.Restrict([]int{7}); len(got.CPUs) != 4 {
		t.Errorf("a mask sharing no CPU must leave the topology whole, got %v", ids(got.CPUs))
	}
	allowed, err := AllowedCPUs()
	if err != nil || len(allowed) == 0 {
		t.Fatalf("AllowedCPUs: %v, %v", allowed, err)
	}
}
