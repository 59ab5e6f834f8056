package render

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/schema"
	"golang.org/x/perf/benchfmt"
)

// usl is X(N) for the synthetic machines.
func usl(lambda, sigma, kappa float64, n int) float64 {
	N := float64(n)
	return lambda * N / (1 + sigma*(N-1) + kappa*N*(N-1))
}

// mergedFile writes a file as lockbench merge writes it: two machines
// with known σ and κ, modes page and batch, 4 thread counts, 5
// repetitions with ±1% deterministic noise.
func mergedFile(t *testing.T) string {
	t.Helper()
	machines := []struct {
		name         string
		sigma, kappa float64
	}{{"small", 0.05, 0.02}, {"big", 0.02, 0.005}}
	var b strings.Builder
	for i, m := range machines {
		fmt.Fprintf(&b, "%s: %s\n%s: %d\n", schema.MachineKey(i+1, ""), m.name, schema.MachineKey(i+1, schema.ConfCPUs), 8*(i+1))
	}
	b.WriteString("workload: pagecache\nplan: 0123456789abcdef\n")
	noise := []float64{1, 1.01, 0.99, 1.005, 0.995}
	for _, m := range machines {
		fmt.Fprintf(&b, "\nmachine: %s\n", m.name)
		for _, n := range []int{1, 2, 4, 8} {
			for _, mode := range []string{"page", "batch"} {
				lambda := 5e6
				if mode == "batch" {
					lambda = 1e7
				}
				for _, f := range noise {
					ns := 1e9 / (usl(lambda, m.sigma, m.kappa, n) * f)
					fmt.Fprintf(&b, "BenchmarkPageCache/mode=%s/batch=16/lock=mcs/threads=%d-8 1000 %.6g ns/page\n", mode, n, ns)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "results.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportMachinesSideBySide(t *testing.T) {
	set, err := reports.Load(mergedFile(t))
	if err != nil {
		t.Fatal(err)
	}
	m := cases.Group(set.Results)
	if !slices.Equal(m.Machines, []string{"small", "big"}) {
		t.Fatalf("machines %q, want small, big", m.Machines)
	}
	// Never pooled: each case holds one machine's 5 repetitions.
	for _, c := range m.PageCache {
		if c.N() != 5 || !strings.Contains(c.Variant, "machine="+c.Machine) {
			t.Errorf("case %s (variant %q, machine %q) has %d samples, want 5 of one machine", c.Name.Case(), c.Variant, c.Machine, c.N())
		}
	}
	r, err := New(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	v := r.view
	if want := []string{"lock", "threads", "small", "big"}; !slices.Equal(v.Machines.Header, want) {
		t.Errorf("machines header %q, want %q", v.Machines.Header, want)
	}
	if len(v.Machines.Rows) != 4 {
		t.Errorf("machines table has %d rows, want one per thread count (4): %q", len(v.Machines.Rows), v.Machines.Rows)
	}
	for _, row := range v.Machines.Rows {
		// batch is twice as fast as page on both machines: -50%.
		if row[2] != row[3] || !strings.HasPrefix(row[2], "-50%") {
			t.Errorf("row %q: want -50%% on both machines", row)
		}
	}
	if want := []string{"machine", "small", "big"}; !slices.Equal(v.MachineDesc.Header, want) {
		t.Errorf("machine description header %q, want %q", v.MachineDesc.Header, want)
	}
	if len(v.Headlines) != 2 {
		t.Errorf("%d headlines, want one per machine at its largest thread count: %q", len(v.Headlines), v.Headlines)
	}
}

func TestReportScalingFit(t *testing.T) {
	set, err := reports.Load(mergedFile(t))
	if err != nil {
		t.Fatal(err)
	}
	m := cases.Group(set.Results)
	fits, notes := scalingFits(m, headlineBatch(m))
	if len(notes) > 0 {
		t.Fatalf("notes: %q", notes)
	}
	want := map[string][2]float64{"small": {0.05, 0.02}, "big": {0.02, 0.005}}
	if len(fits) != 4 {
		t.Fatalf("%d fits, want 2 machines x 2 modes", len(fits))
	}
	for _, f := range fits {
		mach := strings.TrimPrefix(strings.Fields(f.Variant)[0], "machine=")
		w := want[mach]
		if math.Abs(f.Model.Sigma-w[0]) > 0.1*w[0] || math.Abs(f.Model.Kappa-w[1]) > 0.1*w[1] {
			t.Errorf("%s %s: σ %.4f κ %.4f, want %.4f and %.4f within 10%%", f.Variant, f.Mode, f.Model.Sigma, f.Model.Kappa, w[0], w[1])
		}
	}
	g := scalingGrid(fits)
	// small peaks at sqrt(0.95/0.02) = 6.9, inside 1..8; big at
	// sqrt(0.98/0.005) = 14, beyond the measured 8: extrapolated.
	for _, row := range g.Rows {
		extra := strings.Contains(row[5], "extrapolated")
		if strings.Contains(row[0], "machine=big") != extra {
			t.Errorf("row %q: peak extrapolated = %v, want it only for machine big", row, extra)
		}
	}
	r, err := New(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range r.Plots() {
		if strings.HasPrefix(p.Title, "Scaling fit") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d scaling plots, want one per machine's lock", n)
	}
}

// TestReportMachinesOwnThreads: two machines that swept different thread
// counts each get their plots and lock-class rows at their own largest
// thread count (maxThreads), not at the largest of the merged file,
// which one of them never ran.
func TestReportMachinesOwnThreads(t *testing.T) {
	var b strings.Builder
	b.WriteString(schema.MachineKey(1, "") + ": small\n" + schema.MachineKey(2, "") + ": big\n")
	threads := map[string][]int{"small": {1, 2}, "big": {1, 2, 4}}
	for _, mach := range []string{"small", "big"} {
		fmt.Fprintf(&b, "\nmachine: %s\n", mach)
		for _, n := range threads[mach] {
			for i, mode := range []string{"page", "batch"} {
				for rep := range 5 {
					ns := float64(100*n-40*i) + float64(rep)
					fmt.Fprintf(&b, "BenchmarkPageCache/mode=%s/batch=16/lock=mcs/threads=%d-4 1000 %g ns/page 2 wait-ns/page\n", mode, n, ns)
					if n == 1 {
						fmt.Fprintf(&b, "BenchmarkPageCache/mode=%s/batch=16/lock=none/threads=1-4 1000 %g ns/page\n", mode, ns/2)
					}
				}
				fmt.Fprintf(&b, "BenchmarkPageCache/mode=%s/batch=16/lock=mcs/threads=%d/class=zone-4 1000 1 acq/page 0.5 contended/page 2 wait-ns/page 40 wait-max-ns 30 hold-ns\n", mode, n)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "results.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := reports.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(set, DefaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	for _, mach := range []string{"small", "big"} {
		th := threads[mach]
		want := threadsLabel(th[len(th)-1])
		for _, kind := range []string{"Where per-page time goes", "Where batching's saving comes from", "Wait by lock class"} {
			found := false
			for _, p := range r.Plots() {
				if strings.HasPrefix(p.Title, kind) && strings.Contains(p.Title, "machine="+mach) {
					found = true
					if !strings.HasSuffix(p.Title, ", "+want) {
						t.Errorf("plot %q: want it at %s, machine %s's largest", p.Title, want, mach)
					}
				}
			}
			if !found {
				t.Errorf("no plot %q of machine %s drawn; missing: %q", kind, mach, r.view.NoPlots)
			}
		}
		rows := 0
		for _, row := range r.view.Classes.Rows {
			if strings.Contains(row[1], "machine="+mach) {
				rows++
			}
		}
		if rows != 2 { // page and batch, one class each
			t.Errorf("machine %s: %d lock-class rows, want 2 (page and batch at %s)", mach, rows, want)
		}
	}
}

// TestScalingFitPoolsOneThread fits a lock whose contended cases carry a
// regime and whose 1-thread case has none: the fit must include N=1, say
// that the point is pooled across states, and a lock measured at too few
// thread counts must say why it has no fit.
func TestScalingFitPoolsOneThread(t *testing.T) {
	usl := func(n float64) float64 { return 1e6 * n / (1 + 0.1*(n-1) + 0.01*n*(n-1)) } // pages/s
	var res []*benchfmt.Result
	add := func(name string, n float64) {
		for i := range 3 {
			ns := 1e9 / usl(n) * (1 + 0.001*float64(i-1))
			res = append(res, result(name, ns, "ns/page"))
		}
	}
	add("PageCache/mode=page/lock=mcs/threads=1-2", 1)
	for _, n := range []int{2, 4, 8} {
		add(fmt.Sprintf("PageCache/mode=page/lock=mcs/threads=%d/regime=llc-2", n), float64(n))
	}
	add("PageCache/mode=page/lock=tas/threads=1-2", 1)
	add("PageCache/mode=page/lock=tas/threads=2/regime=llc-2", 2)
	m := cases.Group(res)
	fits, notes := scalingFits(m, headlineBatch(m))
	if len(fits) != 1 || fits[0].Model.MinN != 1 || fits[0].Model.MaxN != 8 {
		t.Fatalf("fits %+v; want one, mcs over N=1..8 (N=1 from the 1-thread case)", fits)
	}
	if md := fits[0].Model; math.Abs(md.Sigma-0.1) > 0.01 || math.Abs(md.Kappa-0.01) > 0.001 {
		t.Errorf("σ %.4f κ %.4f, want 0.1 and 0.01: with N=1 in the fit λ is measured, not extrapolated", md.Sigma, md.Kappa)
	}
	var pooled, tooFew bool
	for _, n := range notes {
		pooled = pooled || strings.Contains(n, "lock=mcs") && strings.Contains(n, "N=1 point") && strings.Contains(n, "pooled")
		tooFew = tooFew || strings.Contains(n, "lock=tas") && strings.Contains(n, "no fit: measured at 2 thread counts (1, 2)")
	}
	if !pooled || !tooFew {
		t.Errorf("notes %q; want mcs's pooled N=1 said (%v) and tas's missing fit explained (%v)", notes, pooled, tooFew)
	}
}

// TestScalingFitJoinsOneState: on 2 CPUs, `run --threads 1,2,3,4` saw one
// transfer state at 2 and 3 threads (no regime key) and both at 4 (a
// case per state), with GOMAXPROCS raised to 3 and 4 above the CPUs. The
// fit of the state the unlabelled cases' xfer-ns medians name takes them,
// N=1 included, and says so; the other state, at 1 and 4 only, says why
// it has none. Before, the raised GOMAXPROCS and the missing regime key
// left every lock in pieces and the report said only that a fit needs 4
// thread counts, with 1, 2, 3 and 4 present.
func TestScalingFitJoinsOneState(t *testing.T) {
	usl := func(n float64) float64 { return 1e6 * n / (1 + 0.1*(n-1) + 0.01*n*(n-1)) } // pages/s
	var res []*benchfmt.Result
	add := func(name string, n, xfer float64) {
		for i := range 3 {
			ns := 1e9 / usl(n) * (1 + 0.001*float64(i-1))
			if xfer > 0 {
				res = append(res, result(name, ns, "ns/page", xfer, "xfer-ns"))
			} else {
				res = append(res, result(name, ns, "ns/page"))
			}
		}
	}
	add("PageCache/mode=page/lock=mcs/threads=1-2", 1, 0)
	add("PageCache/mode=page/lock=mcs/threads=2-2", 2, 25)
	add("PageCache/mode=page/lock=mcs/threads=3-3", 3, 23)
	add("PageCache/mode=page/lock=mcs/threads=4/regime=xfer-25ns-4", 4, 24)
	add("PageCache/mode=page/lock=mcs/threads=4/regime=xfer-160ns-4", 4, 160)
	m := cases.Group(res)
	fits, notes := scalingFits(m, headlineBatch(m))
	if len(fits) != 1 || fits[0].Model.MinN != 1 || fits[0].Model.MaxN != 4 || !strings.Contains(fits[0].Variant, "regime=xfer-25ns") {
		t.Fatalf("fits %+v, notes %q; want one, mcs in xfer-25ns over N=1..4", fits, notes)
	}
	if got := len(fits[0].Threads); got != 4 {
		t.Errorf("fit over %v, want 1, 2, 3, 4", fits[0].Threads)
	}
	var joined, other bool
	for _, n := range notes {
		joined = joined || strings.Contains(n, "N=2 (xfer-ns median 25.0), N=3 (xfer-ns median 23.0)") && strings.Contains(n, "joined")
		other = other || strings.Contains(n, "regime=xfer-160ns") && strings.Contains(n, "no fit: measured at 2 thread counts (1, 4)")
	}
	if !joined || !other {
		t.Errorf("notes %q; want the joined N=2 and N=3 said (%v) and xfer-160ns's missing fit explained (%v)", notes, joined, other)
	}
	for _, n := range notes {
		if strings.Contains(n, "gomaxprocs") {
			t.Errorf("note %q: the raised GOMAXPROCS of one run split its variants", n)
		}
	}
}
