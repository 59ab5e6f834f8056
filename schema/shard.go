package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Configuration keys of sharded sweeps and merged files. A run writes
// ConfMachine, ConfPlan, ConfShard and ConfCases; `lockbench merge`
// checks them, keeps ConfMachine before each source's lines and moves the
// keys of MachineConfigKeys into a header that describes each machine
// once (MachineKey), so that they do not split benchstat's tables.
const (
	// ConfMachine names the machine a result was measured on: the
	// --machine flag, or a name derived from the CPU model, the CPUs
	// allowed and the kernel. `benchstat -col machine` puts machines side
	// by side.
	ConfMachine = "machine"
	// ConfPlan is the plan's identity: a hash of its knobs, the same on
	// every machine and shard of one sweep.
	ConfPlan = "plan"
	// ConfShard is the part of the plan a run measured: "K/N" (1/1 for a
	// whole plan).
	ConfShard = "shard"
	// ConfCases is the number of case lines (repetitions; class lines,
	// with a KeyClass key, not counted) the run writes when it finishes:
	// a shard file with fewer is incomplete.
	ConfCases = "cases"
	// ConfSeal binds a shard's header to its lines: ShardSeal of its
	// plan, its shard and the comparison groups its case lines hold.
	// Which groups shard K of N holds follows from the plan, so a header
	// edited to claim another shard (1/2 relabelled 1/1, 2/3 as 3/3), or
	// a plan line edited, no longer matches the lines under it; merge
	// recomputes the seal and refuses the shard. It guards against hand
	// edits and mix-ups, not forgery: anyone can recompute it. A file
	// without it (an older lockbench) is not checked.
	ConfSeal = "seal"
	// ConfRun identifies one sweep: the plan's hash, a '-', and the
	// sweep's ID given to every shard (--run-id: the time the sweep was
	// submitted, a CI run's ID): "3f2a9c1e0b7d2a11-20261203t090000z".
	// Shards of one sweep share it; merge refuses shards of different runs
	// unless told, so that a shard left over from an earlier sweep of the
	// same plan is not taken for a missing one. A run given no ID writes
	// no run line.
	ConfRun = "run"
	// ConfNode is the host a shard ran on: --node (a Kubernetes pod's
	// spec.nodeName), else the kernel's host name. Shards of one machine
	// type run on different nodes; the node tells them apart.
	ConfNode = "node"
	// ConfStarted is when the run started, UTC, RFC 3339 to the second.
	ConfStarted = "started"
)

// SourceConfigKeys are the keys that differ between the shards of one
// machine (the node each ran on, when it started) while describing
// neither the machine type nor the plan: a merged file states them per
// machine, all values joined, without a warning.
func SourceConfigKeys() []string { return []string{ConfNode, ConfStarted} }

// MachineConfigKeys are the file configuration keys that describe the
// machine rather than the plan: they differ between machines, so a
// merged file states them once per machine (MachineKey) instead of
// before each machine's lines.
func MachineConfigKeys() []string {
	return []string{ConfGOOS, ConfGOARCH, ConfCPU, ConfCPUs, ConfCores, ConfSMT, ConfNUMANodes,
		ConfKernel, ConfGo, ConfLockbench, ConfCounters, ConfCountNote, ConfOversubscribed,
		// The default placement and its reason follow the topology.
		ConfPlacement}
}

// MachineKey is the key under which a merged file describes machine i
// (1-based, in merge order): MachineKey(1, "") is "machine-1", whose
// value is the machine's name; MachineKey(1, ConfCPU) is
// "machine-1-cpu". benchfmt keys are lower case, machine names need not
// be, hence the index.
func MachineKey(i int, key string) string {
	k := ConfMachine + "-" + strconv.Itoa(i)
	if key != "" {
		k += "-" + key
	}
	return k
}

// ParseMachineKey splits a MachineKey; ok is false for any other key.
func ParseMachineKey(k string) (i int, key string, ok bool) {
	rest, found := strings.CutPrefix(k, ConfMachine+"-")
	if !found {
		return 0, "", false
	}
	num, key, _ := strings.Cut(rest, "-")
	i, err := strconv.Atoi(num)
	if err != nil || i < 1 || strconv.Itoa(i) != num {
		return 0, "", false
	}
	return i, key, true
}

// A Shard is part K of N of a plan (ConfShard). The zero value is the
// whole plan, written as 1/1.
type Shard struct{ K, N int }

// Whole reports whether s is the whole plan.
func (s Shard) Whole() bool { return s.N <= 1 }

// String is "K/N"; the zero Shard is "1/1".
func (s Shard) String() string {
	if s.N == 0 {
		return "1/1"
	}
	return strconv.Itoa(s.K) + "/" + strconv.Itoa(s.N)
}

// Validate checks that s is a part of a plan given as K/N: N at least 1
// and K from 1 to N. The zero Shard (the whole plan, unsharded) is not
// such a part; a caller that accepts it checks for it first.
func (s Shard) Validate() error {
	switch {
	case s.N < 1:
		return errors.New("N must be at least 1")
	case s.K < 1 || s.K > s.N:
		return fmt.Errorf("K must be from 1 to N (%d)", s.N)
	}
	return nil
}

// ParseShard parses "K/N" with 1 <= K <= N (Shard.Validate).
func ParseShard(v string) (Shard, error) {
	k, n, ok := strings.Cut(v, "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	// Written as Shard.String writes it: "+2/02" is a hand edit, not a
	// part of a plan harness wrote.
	if !ok || err1 != nil || err2 != nil || strconv.Itoa(ki) != k || strconv.Itoa(ni) != n {
		return Shard{}, fmt.Errorf("shard %.40q: want K/N, two whole numbers such as 2/4", v)
	}
	s := Shard{K: ki, N: ni}
	if err := s.Validate(); err != nil {
		return Shard{}, fmt.Errorf("shard %.40q: %w", v, err)
	}
	return s, nil
}

// ShardSeal is the ConfSeal of a shard: a hash of its plan (ConfPlan),
// its shard as written (ConfShard, Shard.String) and the distinct
// comparison groups (Name.Group) of its case lines, in any order.
// harness writes it from the shard's cases; merge recomputes it from
// the lines it copies.
func ShardSeal(plan, shard string, groups []string) string {
	gs := slices.Clone(groups)
	slices.Sort(gs)
	gs = slices.Compact(gs)
	h := sha256.New()
	for _, s := range append([]string{plan, shard}, gs...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
