package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Affinity says how workers are placed on CPUs.
type Affinity string

// The affinities.
const (
	// Pinned pins each worker to the CPU its Runner's Placement picks
	// (the default).
	Pinned Affinity = "pinned"
	// Compact fills the CPUs of one core, then of one package, before the
	// next: workers share caches as much as possible. It is the order of
	// earlier versions, kept for their command lines; PlaceSMT is the
	// same idea with the LLCs read from sysfs.
	Compact Affinity = "compact"
	// Spread puts workers on different physical cores, and different
	// packages or NUMA nodes, before it doubles up on SMT siblings. Kept
	// like Compact; PlaceNode is its successor.
	Spread Affinity = "spread"
	// None leaves placement to the scheduler (threads are still locked).
	None Affinity = "none"
)

// ParseAffinity parses pinned, compact, spread or none.
func ParseAffinity(s string) (Affinity, error) {
	switch a := Affinity(s); a {
	case Pinned, Compact, Spread, None:
		return a, nil
	}
	return "", fmt.Errorf("unknown affinity %q (known: pinned, compact, spread, none)", s)
}

// A CPU is one logical CPU and where it sits.
type CPU struct {
	ID      int
	Core    int // core_id (unique within a package)
	Package int // physical_package_id
	Node    int // NUMA node, 0 if the machine has none
	// LLC numbers the CPU's last-level cache: the CPUs of one LLC (the
	// highest cache level's shared_cpu_list, index3 on x86) share it, in
	// the order of their lowest CPU, from 0. A tree without cache files
	// (a container that masks them) takes the package for the LLC.
	LLC int
}

// Topology is the machine's online CPUs, read from sysfs.
type Topology struct {
	CPUs []CPU // sorted by ID
}

// ReadTopology reads the online CPUs under sysfs (normally "/sys"). A
// missing topology file leaves the CPU on its own core, package 0.
func ReadTopology(sysfs string) (Topology, error) {
	cpuDir := filepath.Join(sysfs, "devices/system/cpu")
	online, err := os.ReadFile(filepath.Join(cpuDir, "online"))
	if err != nil {
		return Topology{}, fmt.Errorf("reading CPU topology: %w", err)
	}
	ids, err := parseCPUList(strings.TrimSpace(string(online)))
	if err != nil {
		return Topology{}, fmt.Errorf("reading CPU topology: %s/online: %w", cpuDir, err)
	}
	nodeOf := map[int]int{}
	nodes, _ := filepath.Glob(filepath.Join(sysfs, "devices/system/node/node[0-9]*"))
	for _, n := range nodes {
		id, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(n), "node"))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(n, "cpulist"))
		if err != nil {
			continue
		}
		cpus, err := parseCPUList(strings.TrimSpace(string(b)))
		if err != nil {
			continue
		}
		for _, c := range cpus {
			nodeOf[c] = id
		}
	}
	var t Topology
	for _, id := range ids {
		dir := filepath.Join(cpuDir, fmt.Sprintf("cpu%d", id), "topology")
		c := CPU{ID: id, Core: id, Node: nodeOf[id]}
		if v, err := readInt(filepath.Join(dir, "core_id")); err == nil {
			c.Core = v
		}
		if v, err := readInt(filepath.Join(dir, "physical_package_id")); err == nil && v >= 0 {
			c.Package = v
		}
		t.CPUs = append(t.CPUs, c)
	}
	sort.Slice(t.CPUs, func(i, j int) bool { return t.CPUs[i].ID < t.CPUs[j].ID })
	t.readLLCs(cpuDir)
	return t, nil
}

// readLLCs numbers the last-level caches: each CPU's highest cache level
// (cache/index*/level) names the CPUs that share it (shared_cpu_list);
// its lowest CPU keys the LLC. A CPU without cache files shares its LLC
// with its package (keyed apart from every CPU's by a negative key).
func (t *Topology) readLLCs(cpuDir string) {
	key := make([]int, len(t.CPUs))
	for i, c := range t.CPUs {
		key[i] = -1 - c.Package
		dirs, _ := filepath.Glob(filepath.Join(cpuDir, fmt.Sprintf("cpu%d", c.ID), "cache", "index[0-9]*"))
		best := -1
		for _, d := range dirs {
			level, err := readInt(filepath.Join(d, "level"))
			if err != nil || level <= best {
				continue
			}
			b, err := os.ReadFile(filepath.Join(d, "shared_cpu_list"))
			if err != nil {
				continue
			}
			shared, err := parseCPUList(strings.TrimSpace(string(b)))
			if err != nil || len(shared) == 0 {
				continue
			}
			best, key[i] = level, slices.Min(shared)
		}
	}
	// Number the keys in order of first appearance by CPU ID: LLC 0 is
	// CPU 0's (packages' fallback keys sort by package).
	number := map[int]int{}
	for i := range t.CPUs {
		if _, ok := number[key[i]]; !ok {
			number[key[i]] = len(number)
		}
		t.CPUs[i].LLC = number[key[i]]
	}
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// parseCPUList parses the kernel's list format: "0-3,8,10-11".
func parseCPUList(s string) ([]int, error) {
	var out []int
	if s == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad CPU list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad CPU list %q", s)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

type coreKey struct{ pkg, core int }

// Cores returns the number of physical cores.
func (t Topology) Cores() int {
	seen := map[coreKey]bool{}
	for _, c := range t.CPUs {
		seen[coreKey{c.Package, c.Core}] = true
	}
	return len(seen)
}

// SMT reports whether some core has more than one online CPU.
func (t Topology) SMT() bool { return t.Cores() < len(t.CPUs) }

// LLCs returns the number of last-level caches (at least 1).
func (t Topology) LLCs() int {
	seen := map[int]bool{}
	for _, c := range t.CPUs {
		seen[c.LLC] = true
	}
	return max(len(seen), 1)
}

// Nodes returns the number of NUMA nodes (at least 1).
func (t Topology) Nodes() int {
	seen := map[int]bool{}
	for _, c := range t.CPUs {
		seen[c.Node] = true
	}
	return max(len(seen), 1)
}

// Order returns the CPU IDs in the order workers take them under a: worker
// i runs on Order(a)[i % len]. Pinned and None return the compact order
// (a Runner pins by its Placement: Runner.Place).
func (t Topology) Order(a Affinity) []int {
	cpus := append([]CPU(nil), t.CPUs...)
	// Compact: node, package, core, then CPU: SMT siblings are adjacent.
	sort.SliceStable(cpus, func(i, j int) bool {
		a, b := cpus[i], cpus[j]
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if a.Core != b.Core {
			return a.Core < b.Core
		}
		return a.ID < b.ID
	})
	if a != Spread {
		return ids(cpus)
	}
	// Spread: the k-th CPU of every core before the (k+1)-th of any, and
	// within one round the cores alternate between packages and nodes.
	type slot struct {
		cpu         CPU
		rank, index int // SMT rank within its core; index of its core within its package
	}
	rank := map[coreKey]int{}
	coreIndex := map[coreKey]int{}
	perPkg := map[int]int{}
	var slots []slot
	for _, c := range cpus {
		k := coreKey{c.Package, c.Core}
		if _, ok := coreIndex[k]; !ok {
			coreIndex[k] = perPkg[c.Package]
			perPkg[c.Package]++
		}
		slots = append(slots, slot{c, rank[k], coreIndex[k]})
		rank[k]++
	}
	sort.SliceStable(slots, func(i, j int) bool {
		a, b := slots[i], slots[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		return a.index < b.index // packages interleave: core 0 of each, then core 1 of each
	})
	out := make([]int, len(slots))
	for i, s := range slots {
		out[i] = s.cpu.ID
	}
	return out
}

func ids(cpus []CPU) []int {
	out := make([]int, len(cpus))
	for i, c := range cpus {
		out[i] = c.ID
	}
	return out
}

// AllowedCPUs returns the CPUs the calling process may run on
// (sched_getaffinity), ascending.
func AllowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("reading the CPU affinity: %w", err)
	}
	var out []int
	for i := range len(set) * 64 {
		if set.IsSet(i) {
			out = append(out, i)
		}
	}
	return out, nil
}

// Restrict returns t with only the CPUs in allowed. An allowed set that
// shares no CPU with t (a mask read from another machine) leaves t as it
// is rather than leaving no CPU to run on.
func (t Topology) Restrict(allowed []int) Topology {
	var out Topology
	for _, c := range t.CPUs {
		if slices.Contains(allowed, c.ID) {
			out.CPUs = append(out.CPUs, c)
		}
	}
	if len(out.CPUs) == 0 {
		return t
	}
	return out
}
