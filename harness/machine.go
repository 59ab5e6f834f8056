package harness

import (
	"bufio"
	"cmp"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

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
	Node      string // the kernel's host name (uname's nodename)
	// Name is the machine's derived name (config key machine, unless
	// Runner.Machine names it): the CPU model, the CPUs allowed and the
	// kernel release, as one word:
	// "intel-xeon-platinum-8259cl-cpu-2.50ghz-2cpu-linux-6.8.0-1012-aws".
	Name string
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
		m.Node = unix.ByteSliceToString(u.Nodename[:])
	}
	if m.CPUs == 0 {
		m.CPUs = runtime.NumCPU()
	}
	m.Name = deriveName(m.CPUModel, m.CPUs, m.Kernel)
	return m
}

// maxMachineName is the longest name validMachine accepts.
const maxMachineName = 64

// deriveName makes a machine name of the CPU model, the CPU count and the
// kernel: lower case, "(R)" and "(TM)" dropped, every other run of
// characters but letters, digits and '.' a '-'. A name longer than
// validMachine allows (a long model with a long kernel release) loses the
// end of the model first, as the count and the kernel tell apart machines
// of one model; should those alone be too long, their end goes too. The
// name is always a valid Runner.Machine.
func deriveName(model string, cpus int, kernel string) string {
	model = strings.NewReplacer("(R)", "", "(r)", "", "(TM)", "", "(tm)", "").Replace(model)
	if model == "" {
		model = runtime.GOARCH
	}
	m, rest := nameWords(model), nameWords(strconv.Itoa(cpus)+"cpu "+kernel)
	if room := maxMachineName - len(rest) - 1; len(m) > room {
		m = strings.TrimRight(m[:max(room, 0)], ".-")
	}
	name := rest
	if m != "" {
		name = m + "-" + rest
	}
	if len(name) > maxMachineName {
		name = strings.TrimRight(name[:maxMachineName], ".-")
	}
	return name
}

// nameWords lowers s and joins its runs of letters, digits and '.' with
// '-', dropping everything else; it starts with a letter or a digit.
func nameWords(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.' && b.Len() > 0:
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	return b.String()
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

// Revision is the source revision the binary was built from, stamped by
// the build where the binary cannot read it from Go's build info (a
// container build without .git):
//
//	go build -ldflags "-X github.com/lockbench/lockbench/harness.Revision=$(git rev-parse HEAD)" ./cmd/lockbench
//
// It is a package variable only because -X can set nothing else; nothing
// assigns it at run time. The lockbench config line carries it.
var Revision string

// version is the main module's version, with the VCS revision when the
// binary was built from a checkout, or stamped in Revision.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = &debug.BuildInfo{}
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
	if rev == "" {
		rev = Revision
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
//
// Last come the lines of a sharded sweep: the machine's name (r.Machine,
// or Machine.Name), the plan's ID, the shard (1/1 for the whole plan)
// and the number of lines the run writes when it finishes (cases); then
// the run's identity: the sweep it belongs to (run: the plan's ID, '-'
// and r.RunID, when given), the node it ran on (node: r.Node, else
// m.Node) and when it started (started: r.Started).
func FileConfig(m Machine, r *Runner, p Plan, s CounterSupport) Config {
	c := m.Config()
	c.Add(schema.ConfCounters, s.String())
	if note := s.Note(); note != "" {
		c.Add(schema.ConfCountNote, note)
	}
	c = append(c, planConfig(r, p)...)
	if over := oversubscribed(p.Threads, m.CPUs); len(over) > 0 {
		var n []string
		for _, t := range over {
			n = append(n, strconv.Itoa(t))
		}
		c.Add(schema.ConfOversubscribed, schema.KeyThreads+"="+strings.Join(n, ","))
	}
	c.Add(schema.ConfMachine, cmp.Or(r.Machine, m.Name))
	c.Add(schema.ConfPlan, p.ID(r))
	if p.Order == Paired {
		// Not part of the ID: the seed orders the slices within blocks,
		// it does not change what a line means.
		c.Add(schema.ConfSeed, strconv.FormatUint(p.Seed, 10))
	}
	c.Add(schema.ConfShard, p.Shard.String())
	c.Add(schema.ConfCases, strconv.Itoa(len(p.Cases())))
	if r.RunID != "" {
		c.Add(schema.ConfRun, p.ID(r)+"-"+r.RunID)
	}
	if node := cmp.Or(r.Node, m.Node); node != "" {
		c.Add(schema.ConfNode, node)
	}
	if !r.Started.IsZero() {
		c.Add(schema.ConfStarted, r.Started.UTC().Format(time.RFC3339))
	}
	return c
}

// planConfig is the run's knobs, as FileConfig writes them: what every
// line shares and the plan's ID hashes.
func planConfig(r *Runner, p Plan) Config {
	var c Config
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
	c.Add(schema.ConfSpin, b.Spin.String())
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
