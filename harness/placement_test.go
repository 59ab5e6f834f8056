package harness

import (
	"path/filepath"
	"slices"
	"testing"
)

// Fake sysfs trees under testdata/sysfs, with Linux's usual numbering
// (first threads of every core, then their siblings):
//
//	intel-2s-smt      2 sockets x 4 cores x 2 threads, one L3 and one node
//	                  per socket: socket 0 is 0-3,8-11, CPU n's sibling n+8
//	amd-2s-2ccd       2 sockets x 2 CCDs x 2 cores x 2 threads, one L3 per
//	                  CCD (0-1,8-9 | 2-3,10-11 | 4-5,12-13 | 6-7,14-15),
//	                  one node per socket
//	container-masked  4 CPUs whose cache and node files are masked
func readTree(t *testing.T, name string) Topology {
	t.Helper()
	topo, err := ReadTopology(filepath.Join("testdata", "sysfs", name))
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

// first returns the first n CPUs workers get under p.
func first(topo Topology, p Placement, n int) []int { return topo.Place(p)[:n] }

func TestReadTopologyTrees(t *testing.T) {
	for _, tt := range []struct {
		tree                   string
		cpus, cores, llcs, nds int
		reason                 string
	}{
		{"intel-2s-smt", 16, 8, 2, 2, "one L3 per socket"},
		{"amd-2s-2ccd", 16, 8, 4, 2, "two CCDs, each its own L3, per socket"},
		{"container-masked", 4, 4, 1, 1, "no cache files: the package is the LLC; no node files: one node"},
	} {
		topo := readTree(t, tt.tree)
		if len(topo.CPUs) != tt.cpus || topo.Cores() != tt.cores || topo.LLCs() != tt.llcs || topo.Nodes() != tt.nds {
			t.Errorf("%s: cpus %d cores %d llcs %d nodes %d, want %d %d %d %d: %s", tt.tree,
				len(topo.CPUs), topo.Cores(), topo.LLCs(), topo.Nodes(), tt.cpus, tt.cores, tt.llcs, tt.nds, tt.reason)
		}
	}
}

// TestPlacementIntel is the done-when on the 2-socket SMT tree.
func TestPlacementIntel(t *testing.T) {
	topo := readTree(t, "intel-2s-smt")
	cpu := func(id int) CPU { c, _ := topo.cpu(id); return c }
	t.Run("core4", func(t *testing.T) {
		got := first(topo, PlaceCore, 4)
		cores := map[coreKey]bool{}
		for _, id := range got {
			c := cpu(id)
			cores[coreKey{c.Package, c.Core}] = true
			if c.LLC != cpu(got[0]).LLC {
				t.Errorf("core --threads 4 = %v: CPU %d is in another L3 than CPU %d", got, id, got[0])
			}
		}
		if len(cores) != 4 {
			t.Errorf("core --threads 4 = %v: %d distinct cores, want 4", got, len(cores))
		}
	})
	t.Run("smt2", func(t *testing.T) {
		got := first(topo, PlaceSMT, 2)
		if topo.Relation(got[0], got[1]) != "smt" {
			t.Errorf("smt --threads 2 = %v, relation %s, want two siblings", got, topo.Relation(got[0], got[1]))
		}
	})
	t.Run("llc2", func(t *testing.T) {
		got := first(topo, PlaceLLC, 2)
		if cpu(got[0]).LLC == cpu(got[1]).LLC {
			t.Errorf("llc --threads 2 = %v: one L3, want two", got)
		}
	})
	t.Run("node4", func(t *testing.T) {
		got := first(topo, PlaceNode, 4)
		per := map[int]int{}
		for _, id := range got {
			per[cpu(id).Node]++
		}
		if per[0] != 2 || per[1] != 2 {
			t.Errorf("node --threads 4 = %v: per node %v, want two on each", got, per)
		}
	})
	for _, tt := range []struct {
		p      Placement
		want   []int
		reason string
	}{
		{PlaceSMT, []int{0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15}, "siblings, then the next core of the L3, then the next L3"},
		{PlaceCore, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, "the cores of L3 0, the cores of L3 1, then siblings"},
		{PlaceLLC, []int{0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15}, "one core of each L3 in turn"},
		{PlaceNode, []int{0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15}, "one core of each node in turn (here an L3 is a node)"},
	} {
		if got := topo.Place(tt.p); !slices.Equal(got, tt.want) {
			t.Errorf("Place(%s) = %v, want %v: %s", tt.p, got, tt.want, tt.reason)
		}
	}
	if p, _ := topo.DefaultPlacement(4); p != PlaceCore {
		t.Errorf("DefaultPlacement(4) = %s, want core: one L3 has 4 cores", p)
	}
	if p, _ := topo.DefaultPlacement(6); p != PlaceLLC {
		t.Errorf("DefaultPlacement(6) = %s, want llc: no L3 has 6 cores", p)
	}
}

func TestPlacementAMD(t *testing.T) {
	topo := readTree(t, "amd-2s-2ccd")
	for _, tt := range []struct {
		p      Placement
		n      int
		want   []int
		reason string
	}{
		{PlaceSMT, 2, []int{0, 8}, "siblings of core 0"},
		{PlaceCore, 2, []int{0, 1}, "the two cores of CCD 0"},
		{PlaceCore, 3, []int{0, 1, 2}, "a CCD has two cores: the third worker goes to the next CCD, not to a sibling"},
		{PlaceLLC, 4, []int{0, 2, 4, 6}, "one core of each of the four CCDs"},
		{PlaceNode, 4, []int{0, 4, 1, 5}, "two per socket"},
	} {
		if got := first(topo, tt.p, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("%s --threads %d = %v, want %v: %s", tt.p, tt.n, got, tt.want, tt.reason)
		}
	}
	if topo.Relation(0, 2) != "node" || topo.Relation(0, 1) != "llc" || topo.Relation(0, 4) != "remote" || topo.Relation(0, 8) != "smt" {
		t.Errorf("relations 0-2 %s, 0-1 %s, 0-4 %s, 0-8 %s; want node llc remote smt",
			topo.Relation(0, 2), topo.Relation(0, 1), topo.Relation(0, 4), topo.Relation(0, 8))
	}
}

// TestPlacementCpuset: a container's cpuset leaves part of the host's
// tree (Restrict), and placements choose within it: the LLC with more
// allowed cores comes first.
func TestPlacementCpuset(t *testing.T) {
	topo := readTree(t, "intel-2s-smt").Restrict([]int{3, 5, 6, 13})
	for _, tt := range []struct {
		p      Placement
		want   []int
		reason string
	}{
		{PlaceCore, []int{5, 6, 3, 13}, "socket 1 has two allowed cores, socket 0 one; 13 is 5's sibling"},
		{PlaceSMT, []int{3, 5, 13, 6}, "13 follows its sibling 5"},
		{PlaceNode, []int{3, 5, 6, 13}, "alternating nodes, siblings last"},
	} {
		if got := topo.Place(tt.p); !slices.Equal(got, tt.want) {
			t.Errorf("Place(%s) = %v, want %v: %s", tt.p, got, tt.want, tt.reason)
		}
	}
	masked := readTree(t, "container-masked")
	if got := first(masked, PlaceCore, 4); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("masked tree: core 4 = %v, want 0-3", got)
	}
}

func TestFormatCPUList(t *testing.T) {
	for _, tt := range []struct {
		in   []int
		want string
	}{
		{nil, ""},
		{[]int{3}, "3"},
		{[]int{3, 0, 1, 2, 8, 10, 11, 11}, "0-3,8,10-11"},
	} {
		got := FormatCPUList(tt.in)
		if got != tt.want {
			t.Errorf("FormatCPUList(%v) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := parseCPUList(got)
		if err != nil || !slices.Equal(back, slices.Compact(slices.Sorted(slices.Values(tt.in)))) {
			t.Errorf("parseCPUList(%q) = %v, %v: not the set %v", got, back, err, tt.in)
		}
	}
}

func TestParsePlacement(t *testing.T) {
	for _, s := range []string{"", "smt", "core", "llc", "node"} {
		if _, err := ParsePlacement(s); err != nil {
			t.Errorf("ParsePlacement(%q): %v", s, err)
		}
	}
	if _, err := ParsePlacement("socket"); err == nil {
		t.Error("ParsePlacement(socket) succeeded")
	}
}
