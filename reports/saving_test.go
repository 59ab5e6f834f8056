package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/reports/headline"
	"github.com/lockbench/lockbench/reports/saving"
	"golang.org/x/perf/benchfmt"
)

// synthetic is a page-cache sweep whose parts are known: per-page work w
// by mode (no lock at all), a lock cost of lockNS per acquisition, acq
// acquisitions per page by mode, and contention c by mode at 2 threads
// (thread-ns/page). Repetitions jitter by ±jitter, deterministically.
type synthetic struct {
	work, acq, cont map[string]float64
	// scale, when set, is the machine's scaling loss by mode at 2 threads
	// (thread-ns/page): the private no-lock floor at 2 threads costs it,
	// and so does the lock at 2 threads, on top of its contention.
	scale  map[string]float64
	lockNS float64
	jitter float64
	reps   int
}

func (s synthetic) results() []*benchfmt.Result {
	var out []*benchfmt.Result
	line := func(name string, vals ...benchfmt.Value) {
		out = append(out, &benchfmt.Result{Name: benchfmt.Name(name + "-2"), Iters: 1000, Values: vals})
	}
	for r := range s.reps {
		j := 1 + s.jitter*float64(r%3-1) // -jitter, 0, +jitter
		for _, mode := range []string{"page", "batch"} {
			w, a, c := s.work[mode], s.acq[mode], s.cont[mode]
			alone := w + a*s.lockNS
			line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=none/threads=1", mode), benchfmt.Value{Value: w * j, Unit: "ns/page"})
			if s.scale != nil {
				c += s.scale[mode]
				line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=none/threads=2", mode), benchfmt.Value{Value: (w + s.scale[mode]) / 2 * j, Unit: "ns/page"})
			}
			line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mutex/threads=1", mode), benchfmt.Value{Value: alone * j, Unit: "ns/page"})
			// ns/page at 2 threads is wall time: (alone + contention) / 2.
			line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mutex/threads=2", mode), benchfmt.Value{Value: (alone + c) / 2 * j, Unit: "ns/page"})
			if r == 0 { // the counting repetition
				line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mutex/threads=1", mode),
					benchfmt.Value{Value: alone + a*3.5, Unit: "inst-ns/page"}, benchfmt.Value{Value: a, Unit: "acq/page"}, benchfmt.Value{Value: 0, Unit: "wait-ns/page"})
				line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mutex/threads=2", mode),
					benchfmt.Value{Value: (alone + c) / 2, Unit: "inst-ns/page"}, benchfmt.Value{Value: a, Unit: "acq/page"}, benchfmt.Value{Value: c * 0.6, Unit: "wait-ns/page"})
			}
		}
	}
	return out
}

var knownSweep = synthetic{
	work:   map[string]float64{"page": 83.4, "batch": 35.4},
	acq:    map[string]float64{"page": 8, "batch": 0.5},
	cont:   map[string]float64{"page": 120, "batch": 10},
	lockNS: 3,
	jitter: 0.02,
	reps:   6,
}

func findHeadline(t *testing.T, s *Summary, threads string) headline.Headline {
	t.Helper()
	for _, h := range s.Headlines {
		if h.Lock == "mutex" && h.Threads == threads && h.Mode == "batch" {
			return h
		}
	}
	t.Fatalf("no batch headline for mutex at %s threads among %d", threads, len(s.Headlines))
	return headline.Headline{}
}

func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Abs(want) }

// TestSavingRecoversKnownParts: the engine recovers each known part of
// the saving within 10% (they are exact on the medians; the jitter moves
// the medians of each sample alike), and its intervals hold the truth.
func TestSavingRecoversKnownParts(t *testing.T) {
	s, err := Summarize(knownSweep.results())
	if err != nil {
		t.Fatal(err)
	}
	k := knownSweep
	tests := []struct {
		threads                string
		lock, contention, work float64
		reason                 string
	}{
		{"1", (k.acq["page"] - k.acq["batch"]) * k.lockNS, 0, k.work["page"] - k.work["batch"], "one thread: no contention by definition"},
		{"2", (k.acq["page"] - k.acq["batch"]) * k.lockNS, k.cont["page"] - k.cont["batch"], k.work["page"] - k.work["batch"], "two threads: contention is what the second thread adds"},
	}
	for _, tt := range tests {
		h := findHeadline(t, s, tt.threads)
		if h.Saving == nil {
			t.Fatalf("%s threads: no saving split; notes %v, warnings %v", tt.threads, h.Notes, s.Warnings)
		}
		sp := h.Saving
		for _, p := range []struct {
			name        string
			got, lo, hi Float
			want        float64
		}{
			{"lock", sp.LockNS, sp.LockLo, sp.LockHi, tt.lock},
			{"contention", sp.ContentionNS, sp.ContentionLo, sp.ContentionHi, tt.contention},
			{"work", sp.WorkNS, sp.WorkLo, sp.WorkHi, tt.work},
		} {
			if !within(float64(p.got), p.want, 0.10) && math.Abs(float64(p.got)-p.want) > 0.5 {
				t.Errorf("%s threads: %s part %v, want %v within 10%%: %s", tt.threads, p.name, p.got, p.want, tt.reason)
			}
			if !(float64(p.lo) <= float64(p.got)+1e-9 && float64(p.got) <= float64(p.hi)+1e-9) {
				t.Errorf("%s threads: %s interval %v .. %v does not hold its estimate %v", tt.threads, p.name, p.lo, p.hi, p.got)
			}
		}
		if sum := sp.LockNS + sp.ContentionNS + sp.WorkNS; math.Abs(float64(sum-sp.TotalNS)) > 1e-9*math.Abs(float64(sp.TotalNS)) {
			t.Errorf("%s threads: parts add to %v, total saved %v: they add up by construction", tt.threads, sum, sp.TotalNS)
		}
		if th := h.Threads; th == "2" && !strings.Contains(h.Full(), "thread-ns/page (ns/page × 2 threads)") {
			t.Errorf("2-thread headline %q does not say its saving is thread time", h.Full())
		}
		for _, w := range []string{"from fewer lock instructions", "from less contention", "from per-page work batched"} {
			if !strings.Contains(h.Full(), w) {
				t.Errorf("headline %q lacks %q", h.Full(), w)
			}
		}
	}
	// Instrumentation: 3.5 ns an acquisition, planted in inst-ns/page.
	if len(s.Instrumentation) != 1 || !within(float64(s.Instrumentation[0].NSPerAcq), 3.5, 0.10) {
		t.Errorf("instrumentation %+v, want mutex at 3.5 ns per acquisition", s.Instrumentation)
	}
}

// TestSavingMissingFloor: results without a floor get one warning and
// no split, never a made-up one.
func TestSavingMissingFloor(t *testing.T) {
	var rs []*benchfmt.Result
	for _, r := range knownSweep.results() {
		if !strings.Contains(string(r.Name), "lock=none") {
			rs = append(rs, r)
		}
	}
	s, err := Summarize(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range s.Headlines {
		if h.Saving != nil {
			t.Errorf("%s: a saving split without the floor", h.Text)
		}
	}
	if n := len(s.Warnings) - len(notFloor(s.Warnings)); n != 1 {
		t.Errorf("%d floor warnings in %q, want one for the whole summary", n, s.Warnings)
	}
}

// TestSavingWaitingByClass: the waiting part of a 2-thread saving is split
// by lock class from the counting repetition's class lines, largest
// first, and the classes add up to the waiting saved.
func TestSavingWaitingByClass(t *testing.T) {
	lines := knownSweep.results()
	// Class lines after the 2-thread counting lines: of the waiting (0.6
	// of the contention), page puts 90% on mapping and 10% on lru; batch
	// all on mapping.
	share := map[string]map[string]float64{"page": {"mapping": 0.9, "lru": 0.1}, "batch": {"mapping": 1}}
	for _, mode := range []string{"page", "batch"} {
		wait := knownSweep.cont[mode] * 0.6
		for _, class := range []string{"mapping", "lru"} {
			lines = append(lines, &benchfmt.Result{Name: benchfmt.Name(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mutex/threads=2/class=%s-2", mode, class)), Iters: 1000,
				Values: []benchfmt.Value{{Value: knownSweep.acq[mode] / 2, Unit: "acq/page"}, {Value: wait * share[mode][class], Unit: "wait-ns/page"}}})
		}
	}
	s, err := Summarize(lines)
	if err != nil {
		t.Fatal(err)
	}
	h := findHeadline(t, s, "2")
	if h.Saving == nil || h.Saving.WaitingNS == nil {
		t.Fatalf("no waiting in the split: %+v", h)
	}
	by := h.Saving.WaitingByClass
	// page 120·0.6 = 72 (mapping 64.8, lru 7.2); batch 10·0.6 = 6 (mapping 6).
	want := []saving.ClassWait{{Class: "mapping", NS: 58.8}, {Class: "lru", NS: 7.2}}
	if len(by) != len(want) {
		t.Fatalf("waiting by class %+v, want %+v", by, want)
	}
	sum := 0.0
	for i := range want {
		if by[i].Class != want[i].Class || !within(float64(by[i].NS), float64(want[i].NS), 1e-6) {
			t.Errorf("class %d: %+v, want %+v (largest first)", i, by[i], want[i])
		}
		sum += float64(by[i].NS)
	}
	if !within(sum, float64(*h.Saving.WaitingNS), 1e-6) {
		t.Errorf("classes add to %v, the waiting saved is %v", sum, *h.Saving.WaitingNS)
	}
	if !strings.Contains(h.Full(), "less waiting: mapping 58.8, lru 7.20)") {
		t.Errorf("headline %q does not split the waiting by class", h.Full())
	}
}

// TestSavingScalingFloor: with the private no-lock floor at 2 threads,
// the machine's scaling loss is its own part, contention is what is left
// of the total, the parts add up, and at one thread scaling is 0.
func TestSavingScalingFloor(t *testing.T) {
	k := knownSweep
	k.scale = map[string]float64{"page": 40, "batch": 15}
	s, err := Summarize(k.results())
	if err != nil {
		t.Fatal(err)
	}
	h := findHeadline(t, s, "2")
	sp := h.Saving
	if sp == nil {
		t.Fatalf("no split at 2 threads: %v", h.Notes)
	}
	if want := k.scale["page"] - k.scale["batch"]; !within(float64(sp.ScalingNS), want, 0.10) {
		t.Errorf("scaling part %v, want %v: the private floor's loss", sp.ScalingNS, want)
	}
	if !(sp.ScalingLo <= sp.ScalingNS && sp.ScalingNS <= sp.ScalingHi) {
		t.Errorf("scaling interval %v .. %v does not hold %v", sp.ScalingLo, sp.ScalingHi, sp.ScalingNS)
	}
	if want := k.cont["page"] - k.cont["batch"]; !within(float64(sp.ContentionNS), want, 0.10) {
		t.Errorf("contention %v, want %v: without the scaling loss", sp.ContentionNS, want)
	}
	if got := sp.TotalNS - sp.WorkNS - sp.ScalingNS - sp.LockNS; math.Abs(float64(got-sp.ContentionNS)) > 1e-9*math.Abs(float64(sp.TotalNS)) {
		t.Errorf("contention %v is not the total less the other parts (%v)", sp.ContentionNS, got)
	}
	if sp.ScalingCase != "PageCache/mode=batch/batch=16/lock=none/threads=2" {
		t.Errorf("scaling case %q, want the private floor of batch at 2 threads", sp.ScalingCase)
	}
	if !strings.Contains(h.Saving.Text(), "from less scaling loss") {
		t.Errorf("saving %q does not name the scaling part", h.Saving.Text())
	}
	one := findHeadline(t, s, "1").Saving
	if one == nil || one.ScalingNS != 0 || one.ScalingLo != 0 || one.ScalingHi != 0 {
		t.Errorf("1-thread split %+v: scaling must be exactly 0", one)
	}
	b, err := json.Marshal(sp)
	if err != nil || !strings.Contains(string(b), `"scaling_ns":`) || !strings.Contains(string(b), `"scaling_ns_lo":`) {
		t.Errorf("JSON saving %s (%v) lacks scaling_ns and its interval", b, err)
	}

	// Without the private floor the split says so, and contention keeps
	// the scaling loss as before.
	old, err := Summarize(knownSweep.results())
	if err != nil {
		t.Fatal(err)
	}
	if h := findHeadline(t, old, "2"); h.Saving == nil || !math.IsNaN(float64(h.Saving.ScalingNS)) || !strings.Contains(h.Saving.Text(), "no private no-lock floor") {
		t.Errorf("split without the private floor: %+v; want scaling unknown (NaN) and said", h.Saving)
	}
}

// TestSavingPairedBlocks: results laid out as a paired plan writes them,
// the floor's 1-thread slices in each block of mutex at one thread, with
// the machine's 1-thread speed flipping between blocks (the floor at 100
// or 150 ns/page): the headlines' splits take the lock part within those
// blocks (lock_blocks), so the state cancels and the 30 ns/page planted
// is found; the total is the headline's paired estimate, and the parts
// still add up.
func TestSavingPairedBlocks(t *testing.T) {
	var lines []*benchfmt.Result
	line := func(name string, block int, ns float64) {
		lines = append(lines, &benchfmt.Result{Name: benchfmt.Name(name + "-2"), Iters: 1000,
			Values: []benchfmt.Value{{Value: ns, Unit: "ns/page"}, {Value: float64(block), Unit: "block"}}})
	}
	const blocks = 8
	block := 0
	for b := range blocks {
		slow := 1.0
		if b%3 != 1 {
			slow = 1.5
		}
		jit := (float64(b%4) - 1.5) * 0.7 // symmetric about 0
		block++                           // mutex at one thread, the floor beside it
		line("PageCache/mode=page/batch=16/lock=mutex/threads=1", block, 100*slow+32+jit)
		line("PageCache/mode=page/batch=16/lock=none/threads=1", block, 100*slow-jit)
		line("PageCache/mode=batch/batch=16/lock=none/threads=1", block, 40*slow+jit)
		line("PageCache/mode=batch/batch=16/lock=mutex/threads=1", block, 40*slow+2)
		block++ // mutex at two threads
		line("PageCache/mode=page/batch=16/lock=mutex/threads=2", block, 150+jit)
		line("PageCache/mode=batch/batch=16/lock=mutex/threads=2", block, 40-jit)
	}
	s, err := Summarize(lines)
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range []string{"1", "2"} {
		h := findHeadline(t, s, th)
		sp := h.Saving
		if sp == nil {
			t.Fatalf("%s threads: no split; notes %v", th, h.Notes)
		}
		if sp.LockBlocks != blocks || !(sp.LockLo <= 30 && 30 <= sp.LockHi) || math.Abs(float64(sp.LockNS)-30) > 1.5 {
			t.Errorf("%s threads: lock part %v (%v .. %v) from %d blocks; want about 30 from %d paired blocks, the state cancelled",
				th, sp.LockNS, sp.LockLo, sp.LockHi, sp.LockBlocks, blocks)
		}
		n, _ := strconv.Atoi(th)
		if want := -float64(h.Delta) * float64(h.Page) * float64(n); sp.TotalBlocks != blocks || math.Abs(float64(sp.TotalNS)-want) > 1e-9*want {
			t.Errorf("%s threads: total %v over %d blocks, want the headline's paired estimate %v (−%v × %v × %d)", th, sp.TotalNS, sp.TotalBlocks, want, h.Delta, h.Page, n)
		}
		if sum := sp.LockNS + sp.ContentionNS + sp.WorkNS; math.Abs(float64(sum-sp.TotalNS)) > 1e-9*math.Abs(float64(sp.TotalNS)) {
			t.Errorf("%s threads: parts add to %v, total %v", th, sum, sp.TotalNS)
		}
	}
}
