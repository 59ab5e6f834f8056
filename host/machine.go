package host

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
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
	// harness.Runner.Machine names it): the CPU model, the CPUs allowed and the
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

// maxMachineName is the longest machine name harness accepts
// (harness.Runner.Machine: 1 to 64 letters, digits, '.', '_' or '-').
const maxMachineName = 64

// deriveName makes a machine name of the CPU model, the CPU count and the
// kernel: lower case, "(R)" and "(TM)" dropped, every other run of
// characters but letters, digits and '.' a '-'. A name longer than
// maxMachineName allows (a long model with a long kernel release) loses the
// end of the model first, as the count and the kernel tell apart machines
// of one model; should those alone be too long, their end goes too. The
// name is always a valid harness.Runner.Machine.
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

// Config renders the machine as file configuration lines, in the order
// a results file carries them.
func (m Machine) Config() []benchfmt.Config {
	var c []benchfmt.Config
	add := func(key, value string) { c = append(c, benchfmt.Config{Key: key, Value: []byte(value), File: true}) }
	add(schema.ConfGOOS, runtime.GOOS)
	add(schema.ConfGOARCH, runtime.GOARCH)
	if m.CPUModel != "" {
		add(schema.ConfCPU, m.CPUModel)
	}
	add(schema.ConfCPUs, strconv.Itoa(m.CPUs))
	add(schema.ConfCores, strconv.Itoa(m.Cores))
	add(schema.ConfSMT, strconv.FormatBool(m.SMT))
	add(schema.ConfNUMANodes, strconv.Itoa(m.NUMANodes))
	if m.Kernel != "" {
		add(schema.ConfKernel, m.Kernel)
	}
	add(schema.ConfGo, m.GoVersion)
	add(schema.ConfLockbench, m.Version)
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
//	go build -ldflags "-X github.com/lockbench/lockbench/host.Revision=$(git rev-parse HEAD)" ./cmd/lockbench
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
