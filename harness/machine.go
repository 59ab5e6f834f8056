package harness

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/sys/unix"
)

// Machine describes the machine a run measures, for the results file.
type Machine struct {
	CPUModel  string
	CPUs      int // online logical CPUs
	Cores     int // physical cores
	SMT       bool
	NUMANodes int
	Kernel    string
	GoVersion string
	Version   string // lockbench module version from the build info
}

// ReadMachine describes this machine, its CPUs from topo.
func ReadMachine(topo Topology) Machine {
	m := Machine{
		CPUModel:  cpuModel(),
		CPUs:      len(topo.CPUs),
		Cores:     topo.Cores(),
		SMT:       topo.SMT(),
		NUMANodes: topo.Nodes(),
		GoVersion: runtime.Version(),
		Version:   version(),
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		m.Kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:])
	}
	if m.CPUs == 0 {
		m.CPUs = runtime.NumCPU()
	}
	return m
}

// Config renders the machine as file configuration lines.
func (m Machine) Config() Config {
	var c Config
	c.Add(schema.ConfGOOS, runtime.GOOS)
	c.Add(schema.ConfGOARCH, runtime.GOARCH)
	if m.CPUModel != "" {
		c.Add(schema.ConfCPU, m.CPUModel)
	}
	c.Add(schema.ConfCPUs, strconv.Itoa(m.CPUs))
	c.Add(schema.ConfCores, strconv.Itoa(m.Cores))
	c.Add(schema.ConfSMT, strconv.FormatBool(m.SMT))
	c.Add(schema.ConfNUMANodes, strconv.Itoa(m.NUMANodes))
	if m.Kernel != "" {
		c.Add(schema.ConfKernel, m.Kernel)
	}
	c.Add(schema.ConfGo, m.GoVersion)
	c.Add(schema.ConfLockbench, m.Version)
	return c
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// version is the main module's version, with the VCS revision when the
// binary was built from a checkout.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + dirty
	}
	return v
}

// FileConfig is the file configuration of a run's results: the machine,
// the counters available, the knobs every line shares (those of the
// plan's workload that are not name keys, in workloads.Info.Knobs order)
// and, when some thread counts exceed m.CPUs, oversubscribed:
// threads=N,....
func FileConfig(m Machine, r *Runner, p Plan, s CounterSupport) Config {
	c := m.Config()
	c.Add(schema.ConfCounters, s.String())
	if note := s.Note(); note != "" {
		c.Add(schema.ConfCountNote, note)
	}
	b := p.Base
	c.Add(schema.ConfWorkload, b.Workload)
	c.Add(schema.ConfDuration, r.Duration.String())
	c.Add(schema.ConfWarmup, r.Warmup.String())
	c.Add(schema.ConfCount, strconv.Itoa(p.Count))
	c.Add(schema.ConfOrder, string(p.Order))
	c.Add(schema.ConfAffinity, string(r.Affinity))
	c.Add(schema.ConfBare, strconv.FormatBool(b.Bare))
	if !b.Bare {
		c.Add(schema.ConfTiming, string(p.timing()))
	}
	info, _ := workloads.Lookup(b.Workload)
	// Knobs whose zero means the default (Zones, Lines) are recorded as
	// run, not as 0; FilePages 0 stays 0: it is sized per case.
	eff := b
	eff.Zones, eff.Lines = b.WithDefaults().Zones, b.WithDefaults().Lines
	for _, k := range info.Knobs {
		if !slices.Contains(info.Keys, k) {
			c.Add(k.Key(), eff.Value(k))
		}
	}
	if len(b.Delay) > 0 {
		c.Add(schema.ConfDelay, b.Value(workloads.KnobDelay))
	}
	if !b.Bare {
		c.Add(schema.ConfHoldEvery, strconv.Itoa(b.Instrument.HoldEvery))
		c.Add(schema.ConfStackEvery, strconv.Itoa(b.Instrument.StackEvery))
	}
	if over := oversubscribed(p.Threads, m.CPUs); len(over) > 0 {
		var n []string
		for _, t := range over {
			n = append(n, strconv.Itoa(t))
		}
		c.Add(schema.ConfOversubscribed, schema.KeyThreads+"="+strings.Join(n, ","))
	}
	return c
}

// oversubscribed returns the thread counts above cpus, in plan order.
func oversubscribed(threads []int, cpus int) []int {
	var out []int
	for _, n := range threads {
		if n > cpus {
			out = append(out, n)
		}
	}
	return out
}
