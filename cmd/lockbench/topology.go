package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/lockbench/lockbench/harness"
	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
)

// sysfsEnv names the environment variable that reads the CPU topology
// from another sysfs root: a fake tree in tests, or a copy of the host's
// for a container that masks /sys. With it the allowed CPUs are the
// tree's online CPUs, not this process's mask.
const sysfsEnv = "LOCKBENCH_SYSFS"

// sysfsRoot is the sysfs root of harness.Runner.Sysfs: $LOCKBENCH_SYSFS,
// or "" for /sys with this process's allowed CPUs.
func sysfsRoot() string { return os.Getenv(sysfsEnv) }

// checkSysfs refuses a $LOCKBENCH_SYSFS that is no sysfs tree (bad
// input: exit 2, naming the variable), before anything reads it.
func checkSysfs() error {
	root := sysfsRoot()
	if root == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(root, "devices", "system", "cpu", "online")); err != nil {
		return usagef("%s=%s: no devices/system/cpu/online under it: give the root of a sysfs tree (a copy of /sys)", sysfsEnv, root)
	}
	return nil
}

func newTopologyCmd() *cobra.Command {
	var placement string
	var threads int
	cmd := &cobra.Command{
		Use:   "topology",
		Short: "Print the CPUs, how they share cores, caches and nodes, and the CPUs a placement picks",
		Long: `topology reads the CPU topology from sysfs (or $LOCKBENCH_SYSFS): each allowed
CPU's core, SMT siblings, last-level cache (the CPUs sharing it), package and
NUMA node. Then the CPUs --threads pinned workers get under --placement (the
default placement when not given), one line per worker with its relation to
worker 0, and one line 'cpus: LIST' in the kernel's list syntax.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := harness.DefaultRunner
			r.Sysfs, r.Placement = sysfsRoot(), harness.Placement(placement)
			if err := checkSysfs(); err != nil {
				return err
			}
			if threads < 1 {
				return usagef("--threads %d: want at least 1", threads)
			}
			if err := r.Validate(); err != nil {
				return flagged(err)
			}
			topo, err := r.Topology()
			if err != nil {
				return failure(err)
			}
			return writeTopology(cmd.OutOrStdout(), topo, &r, threads)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&placement, "placement", "", "smt, core, llc or node (default: as 'lockbench run' chooses for --threads)")
	fl.IntVar(&threads, "threads", 2, "pinned workers to place")
	return cmd
}

// writeTopology prints topo's CPUs and relations, then the CPUs threads
// workers take under r's placement.
func writeTopology(w io.Writer, topo harness.Topology, r *harness.Runner, threads int) error {
	t := tablewriter.NewWriter(w)
	t.Header("cpu", "core", "smt siblings", "llc", "llc cpus", "package", "node")
	for _, c := range topo.CPUs {
		if err := t.Append(strconv.Itoa(c.ID), strconv.Itoa(c.Core), harness.FormatCPUList(topo.Siblings(c)),
			strconv.Itoa(c.LLC), harness.FormatCPUList(topo.SharingLLC(c)), strconv.Itoa(c.Package), strconv.Itoa(c.Node)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	order, p, why := r.Place(topo, threads)
	fmt.Fprintf(w, "\n%d CPUs, %d cores, %d LLCs, %d nodes\n", len(topo.CPUs), topo.Cores(), topo.LLCs(), topo.Nodes())
	if why != "" {
		fmt.Fprintf(w, "placement: %s (%s)\n", p, why)
	} else {
		fmt.Fprintf(w, "placement: %s\n", p)
	}
	cpus := make([]int, threads)
	for i := range cpus {
		cpus[i] = order[i%len(order)]
		rel := "first"
		if i > 0 {
			rel = topo.Relation(cpus[0], cpus[i]) + " of worker 0"
		}
		fmt.Fprintf(w, "worker %d: cpu %d (%s)\n", i, cpus[i], rel)
	}
	_, err := fmt.Fprintf(w, "cpus: %s\n", harness.FormatCPUList(cpus))
	return err
}
