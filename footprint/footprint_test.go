package footprint

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/perfevent"
	"github.com/lockbench/lockbench/schema"
	"github.com/lockbench/lockbench/workloads"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/sys/unix"
)

// envModel makes the test binary the model process of a Simulator: it
// runs the case its arguments name and prints "pages N".
const envModel = "FOOTPRINT_TEST_MODEL"

func TestMain(m *testing.M) {
	if os.Getenv(envModel) == "1" {
		modelMain(os.Args[1:])
		return
	}
	os.Exit(m.Run())
}

// modelMain is the test binary as the model: args mode, batch, lock, pages.
func modelMain(args []string) {
	batch, _ := strconv.Atoi(args[1])
	pages, _ := strconv.Atoi(args[3])
	s := workloads.DefaultSpec
	s.Mode, s.Batch, s.Lock = workloads.Mode(args[0]), batch, args[2]
	n, err := RunPages(NewCase(s), pages)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("pages " + strconv.FormatInt(n, 10) + "\n")
	os.Exit(0)
}

func writeCache(t *testing.T, dir, index string, files map[string]string) {
	t.Helper()
	d := filepath.Join(dir, index)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range files {
		if err := os.WriteFile(filepath.Join(d, k), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func cacheFiles(level, typ, size, ways, line string) map[string]string {
	return map[string]string{"level": level, "type": typ, "size": size, "ways_of_associativity": ways, "coherency_line_size": line}
}

func TestReadGeometry(t *testing.T) {
	dir := t.TempDir()
	writeCache(t, dir, "index0", cacheFiles("1", "Data", "32K", "8", "64"))
	writeCache(t, dir, "index1", cacheFiles("1", "Instruction", "64K", "4", "64"))
	writeCache(t, dir, "index2", cacheFiles("2", "Unified", "1024K", "8", "64"))
	writeCache(t, dir, "index3", cacheFiles("3", "Unified", "32M", "16", "64"))
	g, err := ReadGeometry(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Geometry{
		I1: Cache{1, "Instruction", 64 << 10, 4, 64},
		D1: Cache{1, "Data", 32 << 10, 8, 64},
		LL: Cache{3, "Unified", 32 << 20, 16, 64},
	}
	if g != want {
		t.Errorf("ReadGeometry = %+v, want %+v (LL is the highest unified level: cachegrind has no L2)", g, want)
	}
	if got, want := strings.Join(g.Args(), " "), "--I1=65536,4,64 --D1=32768,8,64 --LL=33554432,16,64"; got != want {
		t.Errorf("Args = %q, want %q", got, want)
	}
}

func TestReadGeometryErrors(t *testing.T) {
	tests := []struct {
		name   string
		caches map[string]map[string]string
		want   string
		reason string
	}{
		{"no D1", map[string]map[string]string{
			"index1": cacheFiles("1", "Instruction", "32K", "8", "64"),
			"index2": cacheFiles("2", "Unified", "1M", "8", "64")},
			"no a level-1 Data cache", "D1 is what the footprint is about"},
		{"bad size", map[string]map[string]string{
			"index0": cacheFiles("1", "Data", "32Q", "8", "64"),
			"index1": cacheFiles("1", "Instruction", "32K", "8", "64"),
			"index2": cacheFiles("2", "Unified", "1M", "8", "64")},
			`"32Q" is not a positive size`, "a malformed file is named, not read as 0"},
		{"empty", nil, "no a level-1 Instruction cache among 0 caches", "a machine without sysfs caches (some containers)"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		for idx, files := range tt.caches {
			writeCache(t, dir, idx, files)
		}
		_, err := ReadGeometry(dir)
		var ge *GeometryError
		if !errors.As(err, &ge) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want a *GeometryError containing %q (%s)", tt.name, err, tt.want, tt.reason)
		}
	}
}

func TestParseCachegrind(t *testing.T) {
	f, err := os.Open("testdata/cachegrind.out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ParseCachegrind(f, "cachegrind.out")
	if err != nil {
		t.Fatal(err)
	}
	want := Counts{"Ir": 9632947, "I1mr": 33923, "ILmr": 9927, "Dr": 2272632, "D1mr": 27251, "DLmr": 12478, "Dw": 1210255, "D1mw": 27534, "DLmw": 17811}
	if len(c) != len(want) {
		t.Errorf("got %d events, want %d", len(c), len(want))
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v (the summary: line, named by events:)", k, c[k], v)
		}
	}
	if err := c.check(); err != nil {
		t.Errorf("check: %v", err)
	}
	if err := (Counts{"Ir": 1}).check(); err == nil || !strings.Contains(err.Error(), "D1mr") {
		t.Errorf("check of a run without --cache-sim = %v, want the missing events named", err)
	}
}

func TestParseCachegrindErrors(t *testing.T) {
	tests := []struct {
		in, want, reason string
	}{
		{"summary: 1 2\n", "f:1: summary: before events:", "numbers without names mean nothing"},
		{"events: Ir Dr\nsummary: 1\n", "f:2: summary: has 1 numbers for the 2 events of line 1", "a short summary would shift the events"},
		{"events: Ir\nsummary: x\n", `"x" is not a count`, "a number is a count"},
		{"events: Ir\n", "no summary: line", "a cachegrind killed before it wrote its totals"},
		{"desc: x\n", "no events: line", "not a cachegrind file"},
		{"events: Ir\nevents: Ir\n", "a second events: line", "two files concatenated"},
	}
	for _, tt := range tests {
		_, err := ParseCachegrind(strings.NewReader(tt.in), "f")
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseCachegrind(%q) = %v, want a *ParseError containing %q (%s)", tt.in, err, tt.want, tt.reason)
		}
	}
}

func testCase(lock string, mode workloads.Mode, batch int) Case {
	s := workloads.DefaultSpec
	s.Lock, s.Mode, s.Batch = lock, mode, batch
	return NewCase(s)
}

func TestDifferential(t *testing.T) {
	c := testCase("mutex", workloads.ModeBatch, 16)
	setup := Counts{"Ir": 5e6, "Dr": 1e6, "Dw": 5e5, "D1mr": 2e4, "D1mw": 1e4, "DLmr": 5e3, "DLmw": 5e3}
	perPage := Counts{"Ir": 500, "Dr": 150, "Dw": 50, "D1mr": 1, "D1mw": 0.5, "DLmr": 0.25, "DLmw": 0}
	sample := func(pages int64) Sample {
		c := Counts{}
		for k, v := range setup {
			c[k] = v + perPage[k]*float64(pages)
		}
		return Sample{Pages: pages, Counts: c}
	}
	f, err := Differential(c, sample(2048), sample(2048+4096))
	if err != nil {
		t.Fatal(err)
	}
	if f.Pages != 4096 || f.L1DMiss != 1.5 || f.L1DRef != 200 || f.LLMiss != 0.25 || f.Instr != 500 || !math.IsNaN(f.NS) {
		t.Errorf("Differential = %+v; want 4096 pages, 1.5 l1d-miss, 200 l1d-ref, 0.25 ll-miss, 500 instr per page, NS NaN: the set-up cancels", f)
	}
	if _, err := Differential(c, sample(4096), sample(4096)); err == nil {
		t.Error("Differential of equal page counts: no error; want one (division by zero)")
	}
}

func TestLine(t *testing.T) {
	f := Footprint{Case: testCase("mutex", workloads.ModeBatch, 16), Pages: 4096, L1DMiss: 1.25, L1DRef: math.NaN(), LLMiss: 0.5, Instr: 512, NS: 71.5}
	line := f.Line(nil)
	if got, want := string(line.Name), "PageCache/mode=batch/batch=16/lock=mutex/threads=1-1"; got != want {
		t.Errorf("name %q, want %q: run's name for the case, so that benchstat puts them in one row", got, want)
	}
	var units []string
	for _, v := range line.Values {
		units = append(units, v.Unit)
		if _, ok := schema.Lookup(v.Unit); !ok {
			t.Errorf("unit %s not declared in schema", v.Unit)
		}
	}
	if got, want := strings.Join(units, " "), "ns/page l1d-miss/page ll-miss/page instr/page"; got != want {
		t.Errorf("units %q, want %q (a NaN figure, l1d-ref on the PMU, is left off)", got, want)
	}
	if line.Iters != 4096 {
		t.Errorf("iterations %d, want the steady-state pages 4096", line.Iters)
	}
}

// TestLineReadsBack writes a line with benchfmt and reads it back.
func TestLineReadsBack(t *testing.T) {
	var b strings.Builder
	w := benchfmt.NewWriter(&b)
	f := Footprint{Case: testCase("none", workloads.ModePage, 16), Pages: 100, L1DMiss: 1, L1DRef: 2, LLMiss: 0, Instr: 3, NS: math.NaN()}
	if err := w.Write(f.Line(nil)); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(strings.NewReader(b.String()), "x")
	if !r.Scan() {
		t.Fatalf("no line read back from %q", b.String())
	}
	res, ok := r.Result().(*benchfmt.Result)
	if !ok {
		t.Fatalf("read back %v", r.Result())
	}
	if v, ok := res.Value(schema.UnitL1DMissPage); !ok || v != 1 {
		t.Errorf("l1d-miss/page read back %v, %v", v, ok)
	}
}

func TestRunPages(t *testing.T) {
	c := testCase("mutex", workloads.ModeBatch, 16)
	n, err := RunPages(c, 100)
	if err != nil {
		t.Fatal(err)
	}
	if n != 112 {
		t.Errorf("RunPages(100) ran %d pages, want 112: whole batches of 16, at least 100", n)
	}
	first, second := c.Pages(10)
	if first != 2*c.Spec.FilePages || second != first+c.Spec.FilePages {
		t.Errorf("Pages(10) = %d, %d; want two laps of %d to warm up, then at least a lap", first, second, c.Spec.FilePages)
	}
}

func TestTimePages(t *testing.T) {
	ns, err := TimePages(testCase("none", workloads.ModeLarge, 4), 64)
	if err != nil {
		t.Fatal(err)
	}
	if !(ns > 0) {
		t.Errorf("TimePages = %v, want a positive ns/page", ns)
	}
}

// TestHardwareCounts: the PMU's counts go through the same differential
// as the simulator's, l1d-ref (not counted) left NaN and off the line.
func TestHardwareCounts(t *testing.T) {
	c := testCase("mutex", workloads.ModePage, 16)
	a := Sample{Pages: 100, Counts: hardwareCounts(map[string]float64{"instructions": 1e5, "l1d-misses": 300, "llc-misses": 10, "cycles": 1})}
	b := Sample{Pages: 300, Counts: hardwareCounts(map[string]float64{"instructions": 5e5, "l1d-misses": 700, "llc-misses": 30, "cycles": 2})}
	f, err := Differential(c, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Instr != 2000 || f.L1DMiss != 2 || f.LLMiss != 0.1 || !math.IsNaN(f.L1DRef) {
		t.Errorf("hardware footprint %+v, want 2000 instr, 2 l1d-miss, 0.1 ll-miss per page and l1d-ref NaN", f)
	}
}

// TestHardwareWithoutPMU: a machine that refuses perf_event_open gives an
// error before the model is counted, never zeros.
func TestHardwareWithoutPMU(t *testing.T) {
	h := &Hardware{Open: func(*unix.PerfEventAttr, int, int, int, int) (int, error) { return -1, unix.ENOENT }}
	_, err := h.Run(context.Background(), testCase("none", workloads.ModePage, 4), 16)
	if !errors.Is(err, unix.ENOENT) {
		t.Errorf("Run without a PMU = %v, want the perf_event_open error", err)
	}
	var _ perfevent.OpenFunc = h.Open
}

// TestSimulator runs a case under cachegrind, where valgrind is
// installed: two small runs, and the differential figures of the model.
func TestSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("runs valgrind twice (-short)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sim, err := NewSimulator(func(c Case, pages int) []string {
		return []string{exe, string(c.Spec.Mode), strconv.Itoa(c.Spec.Batch), c.Spec.Lock, strconv.Itoa(pages)}
	})
	if errors.Is(err, ErrNoValgrind) {
		t.Skipf("valgrind is not installed (%v): the simulator is not tested here", err)
	}
	var ge *GeometryError
	if errors.As(err, &ge) {
		t.Skipf("no cache geometry in sysfs here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	sim.Env = []string{envModel + "=1"}
	s := workloads.DefaultSpec
	s.Lock, s.Mode, s.Batch, s.FilePages = "none", workloads.ModeBatch, 4, 64
	c := NewCase(s)
	// 4096 pages: the process's own noise (the runtime's background
	// work, a few hundred misses and a few thousand instructions a run)
	// is then well under one event a page.
	f, err := Measure(context.Background(), sim, c, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if f.Pages != 4096 {
		t.Errorf("differential over %d pages, want 4096", f.Pages)
	}
	// A step of the model reads and writes struct pages, tree slots and
	// the data it touches: hundreds of instructions and references a
	// page, at least one miss (the data line of a page never seen).
	if !(f.Instr > 50 && f.L1DRef > 10 && f.L1DMiss > 0.5 && f.L1DMiss < f.L1DRef) {
		t.Errorf("footprint %+v: want instructions > 50, references > 10, misses in (0.5, references) per page", f)
	}
}

func TestNoValgrind(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := NewSimulator(nil)
	if !errors.Is(err, ErrNoValgrind) || !strings.Contains(err.Error(), "apt-get install valgrind") {
		t.Errorf("NewSimulator without valgrind = %v, want ErrNoValgrind with how to install it", err)
	}
	if _, err := exec.LookPath("valgrind"); err == nil {
		t.Error("PATH emptied, valgrind still found")
	}
}
