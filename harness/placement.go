package harness

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A Placement says which CPUs of the topology a case's workers run on,
// relative to the caches and nodes they share: the distance a cache line
// travels between two workers, which a lock's handoff pays, is a
// property of the placement, not of the lock. It is an explicit axis of a
// run (config line placement), chosen per machine from its topology.
type Placement string

// The placements. Each fills its preferred CPUs first and continues with
// the rest of the machine in the same spirit, so that any thread count
// gets distinct CPUs while there are any (worker i runs on CPU
// Place(p, n)[i % len]).
const (
	// PlaceSMT fills the SMT siblings of one core before the next core of
	// the same LLC: workers share L1 and L2.
	PlaceSMT Placement = "smt"
	// PlaceCore puts workers on distinct physical cores of one LLC (the
	// one with the most cores), then on the cores of the other LLCs, and
	// on SMT siblings only when every core has a worker.
	PlaceCore Placement = "core"
	// PlaceLLC spreads workers across LLCs: one core of each LLC in turn
	// (cross-CCX, cross-die transfers), siblings last.
	PlaceLLC Placement = "llc"
	// PlaceNode spreads workers across NUMA nodes: one core of each node
	// in turn (cross-socket transfers), siblings last.
	PlaceNode Placement = "node"
)

// Placements lists the placements, from the closest workers to the
// farthest.
func Placements() []Placement { return []Placement{PlaceSMT, PlaceCore, PlaceLLC, PlaceNode} }

// ParsePlacement parses smt, core, llc or node; "" is the default
// placement (Topology.DefaultPlacement).
func ParsePlacement(s string) (Placement, error) {
	if s == "" || slices.Contains(Placements(), Placement(s)) {
		return Placement(s), nil
	}
	return "", fmt.Errorf("unknown placement %q (known: smt, core, llc, node)", s)
}

// cpuRank is where one CPU stands among the machine's: its core's index
// within its LLC and within its node, its SMT rank within its core, and
// the index of its LLC and node.
type cpuRank struct {
	cpu                   CPU
	smt                   int // 0 for a core's first CPU, 1 for its sibling, ...
	coreInLLC, coreInNode int
	llc, node             int // order of the CPU's LLC and node
}

// ranks ranks t's CPUs; the LLC ordered first is first (-1: the machine's
// order, LLC 0 first).
func (t Topology) ranks(first int) []cpuRank {
	cpus := slices.Clone(t.CPUs)
	slices.SortStableFunc(cpus, func(a, b CPU) int {
		return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Package, b.Package),
			cmp.Compare(a.LLC, b.LLC), cmp.Compare(a.Core, b.Core), cmp.Compare(a.ID, b.ID))
	})
	smt := map[coreKey]int{}
	coreIndex := map[coreKey][2]int{}
	perLLC, perNode := map[int]int{}, map[int]int{}
	llcOrder, nodeOrder := map[int]int{}, map[int]int{}
	if first >= 0 {
		llcOrder[first] = 0
	}
	out := make([]cpuRank, len(cpus))
	for i, c := range cpus {
		k := coreKey{c.Package, c.Core}
		if _, ok := coreIndex[k]; !ok {
			coreIndex[k] = [2]int{perLLC[c.LLC], perNode[c.Node]}
			perLLC[c.LLC]++
			perNode[c.Node]++
		}
		if _, ok := llcOrder[c.LLC]; !ok {
			llcOrder[c.LLC] = len(llcOrder)
		}
		if _, ok := nodeOrder[c.Node]; !ok {
			nodeOrder[c.Node] = len(nodeOrder)
		}
		out[i] = cpuRank{cpu: c, smt: smt[k], coreInLLC: coreIndex[k][0], coreInNode: coreIndex[k][1]}
		smt[k]++
	}
	for i := range out {
		out[i].llc, out[i].node = llcOrder[out[i].cpu.LLC], nodeOrder[out[i].cpu.Node]
	}
	return out
}

// largestLLC returns the LLC with the most physical cores (the lowest
// numbered among equals) and its core count.
func (t Topology) largestLLC() (llc, cores int) {
	per := map[int]map[coreKey]bool{}
	for _, c := range t.CPUs {
		if per[c.LLC] == nil {
			per[c.LLC] = map[coreKey]bool{}
		}
		per[c.LLC][coreKey{c.Package, c.Core}] = true
	}
	llc = -1
	for id, set := range per {
		if len(set) > cores || len(set) == cores && id < llc {
			llc, cores = id, len(set)
		}
	}
	return llc, cores
}

// Place returns the CPUs of workers under p, in worker order: every CPU
// of t once, the preferred ones first (see the Placement constants);
// worker i of n runs on Place(p)[i % len]. p "" is not resolved here:
// call DefaultPlacement.
func (t Topology) Place(p Placement) []int {
	first := -1
	if p == PlaceCore {
		first, _ = t.largestLLC()
	}
	rs := t.ranks(first)
	var less func(a, b cpuRank) int
	switch p {
	case PlaceSMT:
		less = func(a, b cpuRank) int {
			return cmp.Or(cmp.Compare(a.llc, b.llc), cmp.Compare(a.coreInLLC, b.coreInLLC), cmp.Compare(a.smt, b.smt))
		}
	case PlaceCore:
		less = func(a, b cpuRank) int {
			return cmp.Or(cmp.Compare(a.smt, b.smt), cmp.Compare(a.llc, b.llc), cmp.Compare(a.coreInLLC, b.coreInLLC))
		}
	case PlaceLLC:
		less = func(a, b cpuRank) int {
			return cmp.Or(cmp.Compare(a.smt, b.smt), cmp.Compare(a.coreInLLC, b.coreInLLC), cmp.Compare(a.llc, b.llc))
		}
	default: // PlaceNode
		less = func(a, b cpuRank) int {
			return cmp.Or(cmp.Compare(a.smt, b.smt), cmp.Compare(a.coreInNode, b.coreInNode), cmp.Compare(a.node, b.node))
		}
	}
	slices.SortStableFunc(rs, less)
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.cpu.ID
	}
	return out
}

// DefaultPlacement is the placement of a run whose largest case has
// threads workers when none is asked for: distinct physical cores of one
// LLC (PlaceCore) where one LLC has that many cores, else distinct cores
// across LLCs (PlaceLLC). why says what was chosen and why, for the
// config line.
func (t Topology) DefaultPlacement(threads int) (p Placement, why string) {
	_, cores := t.largestLLC()
	if threads <= cores || t.LLCs() == 1 {
		return PlaceCore, fmt.Sprintf("default: %d threads on distinct cores of one LLC (%d cores)", threads, cores)
	}
	return PlaceLLC, fmt.Sprintf("default: %d threads exceed the %d cores of one LLC: spread across %d LLCs", threads, cores, t.LLCs())
}

// FormatCPUList writes CPUs in the kernel's list format ("0-3,8,10-11"),
// ascending, each once: the inverse of parseCPUList.
func FormatCPUList(cpus []int) string {
	s := slices.Clone(cpus)
	slices.Sort(s)
	s = slices.Compact(s)
	var parts []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(s[i]))
		} else {
			parts = append(parts, strconv.Itoa(s[i])+"-"+strconv.Itoa(s[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// Siblings returns the CPUs of c's physical core, c included, ascending.
func (t Topology) Siblings(c CPU) []int {
	var out []int
	for _, x := range t.CPUs {
		if x.Package == c.Package && x.Core == c.Core {
			out = append(out, x.ID)
		}
	}
	return out
}

// SharingLLC returns the CPUs of c's LLC, ascending.
func (t Topology) SharingLLC(c CPU) []int {
	var out []int
	for _, x := range t.CPUs {
		if x.LLC == c.LLC {
			out = append(out, x.ID)
		}
	}
	return out
}

// Relation names how close two CPUs are: "same" CPU, "smt" siblings of
// one core, "llc" cores sharing a last-level cache, "node" (separate
// LLCs of one NUMA node or package) or "remote" (another node).
func (t Topology) Relation(a, b int) string {
	ca, oka := t.cpu(a)
	cb, okb := t.cpu(b)
	switch {
	case !oka || !okb:
		return "unknown"
	case a == b:
		return "same"
	case ca.Package == cb.Package && ca.Core == cb.Core:
		return "smt"
	case ca.LLC == cb.LLC:
		return "llc"
	case ca.Node == cb.Node && ca.Package == cb.Package:
		return "node"
	}
	return "remote"
}

func (t Topology) cpu(id int) (CPU, bool) {
	for _, c := range t.CPUs {
		if c.ID == id {
			return c, true
		}
	}
	return CPU{}, false
}
