package harness

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

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
	c.Add("goos", runtime.GOOS)
	c.Add("goarch", runtime.GOARCH)
	if m.CPUModel != "" {
		c.Add("cpu", m.CPUModel)
	}
	c.Add("cpus", strconv.Itoa(m.CPUs))
	c.Add("cores", strconv.Itoa(m.Cores))
	c.Add("smt", strconv.FormatBool(m.SMT))
	c.Add("numa-nodes", strconv.Itoa(m.NUMANodes))
	if m.Kernel != "" {
		c.Add("kernel", m.Kernel)
	}
	c.Add("go", m.GoVersion)
	c.Add("lockbench", m.Version)
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
// the counters available, and the knobs every line shares.
func FileConfig(m Machine, r *Runner, p Plan, s CounterSupport) Config {
	c := m.Config()
	c.Add("counters", s.String())
	if note := s.Note(); note != "" {
		c.Add("counters-note", note)
	}
	c.Add("workload", p.Base.Workload)
	c.Add("duration", fmtDur(r.Duration))
	c.Add("warmup", fmtDur(r.Warmup))
	c.Add("count", strconv.Itoa(p.Count))
	c.Add("order", string(p.Order))
	c.Add("affinity", string(r.Affinity))
	c.Add("bare", strconv.FormatBool(p.Base.Bare))
	b := p.Base
	if b.Workload == workloads.PageCache {
		files := "private"
		if b.SharedFiles {
			files = "shared"
		}
		c.Add("files", files)
		c.Add("zones", strconv.Itoa(b.Zones))
		c.Add("touch", strconv.Itoa(b.Touch))
		fp := strconv.Itoa(b.FilePages)
		if b.FilePages == 0 {
			fp = "auto" // sized per case from batch and threads (workloads.Spec.WithDefaults)
		}
		c.Add("file-pages", fp)
	}
	if len(b.Delay) > 0 {
		var d []string
		for _, cl := range append(workloads.PageCacheClasses(), workloads.ClassCS) {
			if v, ok := b.Delay[cl]; ok {
				d = append(d, string(cl)+"="+v.String())
			}
		}
		c.Add("delay", strings.Join(d, ","))
	}
	if !b.Bare {
		c.Add("hold-every", strconv.Itoa(b.Instrument.HoldEvery))
		c.Add("stack-every", strconv.Itoa(b.Instrument.StackEvery))
	}
	return c
}
