package profiles

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/lockbench/lockbench/locks"
)

// captureStack returns its caller's stack as the instrumented wrapper
// records it: runtime.Callers, the first frame is the code that called
// (the wrapper skips itself the same way).
//
//go:noinline
func captureStack() []uintptr {
	pc := make([]uintptr, locks.MaxStackDepth)
	return pc[:runtime.Callers(2, pc)]
}

// inlinedCaller is small enough to be inlined into its callers: the
// stacks through it exercise the grouping of inlined frames.
func inlinedCaller() []uintptr { return captureStack() }

//go:noinline
func stackA() []uintptr { return inlinedCaller() }

//go:noinline
func stackB() []uintptr { return captureStack() }

func sample(stack []uintptr, wait int64) locks.Sample {
	var s locks.Sample
	s.Depth = copy(s.PC[:], stack)
	s.Wait = wait
	return s
}

// key renders a sample as its labels and the function names of its stack,
// innermost first: what a reader of the profile identifies it by.
func key(s *profile.Sample) string {
	var fs []string
	for _, l := range s.Location {
		for _, ln := range l.Line {
			fs = append(fs, ln.Function.Name)
		}
	}
	var ls []string
	for _, k := range slices.Sorted(maps.Keys(s.Label)) {
		ls = append(ls, k+"="+strings.Join(s.Label[k], ","))
	}
	return strings.Join(ls, " ") + " | " + strings.Join(fs, " <- ")
}

// values sums the profile's sample values by key.
func values(p *profile.Profile) map[string][3]int64 {
	m := map[string][3]int64{}
	for _, s := range p.Sample {
		v := m[key(s)]
		for i := range v {
			v[i] += s.Value[i]
		}
		m[key(s)] = v
	}
	return m
}

// totals sums the values of the samples whose label key is value.
func totals(p *profile.Profile, label, value string) (t [3]int64) {
	for _, s := range p.Sample {
		if len(s.Label[label]) == 1 && s.Label[label][0] == value {
			for i := range t {
				t[i] += s.Value[i]
			}
		}
	}
	return t
}

func testRecords() []Record {
	a, b := stackA(), stackB()
	zone := &locks.Stats{
		Contended: 4*16 + 5, WaitTotal: 1000, StackEvery: 16,
		Samples:     []locks.Sample{sample(a, 10), sample(a, 20), sample(b, 30), sample(a, 40)},
		HoldSamples: 3, HoldTotal: 300, HoldEvery: 64,
	}
	lru := &locks.Stats{Contended: 7, WaitTotal: 70, StackEvery: 16} // too few to sample
	idle := &locks.Stats{StackEvery: 16}                             // never contended, hold not sampled
	c := testCase{lock: "tas", mode: "batch", batch: 16, threads: 2}
	return []Record{c.record("zone", "", zone), c.record("lru", "mcs", lru), c.record("queue", "", idle)}
}

func TestContentionRoundTrip(t *testing.T) {
	p, err := Contention(testRecords())
	if err != nil {
		t.Fatal(err)
	}
	q := writeParse(t, p)
	if got, want := values(q), values(p); !maps.Equal(got, want) {
		t.Errorf("parsed samples differ from built ones:\n got %v\nwant %v", got, want)
	}
	if len(q.Sample) != len(p.Sample) {
		t.Errorf("parsed %d samples, built %d", len(q.Sample), len(p.Sample))
	}
	for _, x := range []struct{ what, got, want string }{
		{"sample types", fmt.Sprint(types(q)), fmt.Sprint(types(p))},
		{"default sample type", q.DefaultSampleType, SampleDelay},
		{"period type", fmt.Sprint(*q.PeriodType), "{contentions count 0 0}"},
		{"period", fmt.Sprint(q.Period), "16"},
		{"comments", fmt.Sprint(q.Comments), fmt.Sprint(p.Comments)},
	} {
		if x.got != x.want {
			t.Errorf("%s: got %q, want %q", x.what, x.got, x.want)
		}
	}
	if want := []string{"contentions/count", "delay/nanoseconds", "hold/nanoseconds"}; !slices.Equal(types(q), want) {
		t.Errorf("sample types %v, want %v", types(q), want)
	}
}

func types(p *profile.Profile) []string {
	var ts []string
	for _, st := range p.SampleType {
		ts = append(ts, st.Type+"/"+st.Unit)
	}
	return ts
}

// TestContentionScaling checks every value against the scaling rule, from
// the inputs alone.
func TestContentionScaling(t *testing.T) {
	p, err := Contention(testRecords())
	if err != nil {
		t.Fatal(err)
	}
	const pkg = "github.com/lockbench/lockbench/profiles."
	zoneL := "batch=16 class=zone lock=tas mode=batch threads=2 | "
	lruL := "batch=16 class=lru lock=mcs mode=batch threads=2 | "
	stackA := pkg + "inlinedCaller <- " + pkg + "stackA <- " + pkg + "testRecords"
	got := values(p)
	for _, x := range []struct {
		key    string
		want   [3]int64
		reason string
	}{
		{zoneL + stackA, [3]int64{3 * 16, (10 + 20 + 40) * 16, 0}, "three samples at stack A, each 16 contentions and 16x its wait"},
		{zoneL + pkg + "stackB <- " + pkg + "testRecords", [3]int64{16, 30 * 16, 0}, "one sample at stack B"},
		{zoneL + FuncUnsampled, [3]int64{5, (1000 - 100) * 5 / 65, 0}, "69 contentions, 64 stand behind samples: 5 at the mean wait of the 65 unsampled"},
		{zoneL + FuncHold, [3]int64{0, 0, 300 * 64}, "each hold sample stands for 64 acquisitions"},
		{lruL + FuncUnsampled, [3]int64{7, 70, 0}, "fewer contentions than StackEvery: all unsampled, with all the wait"},
	} {
		// Stacks go on below the test's frames into package testing:
		// match the sample whose key starts with x.key.
		var match []string
		for k := range got {
			if k == x.key || strings.HasPrefix(k, x.key+" <- ") {
				match = append(match, k)
			}
		}
		if len(match) != 1 {
			t.Errorf("%d samples %q... (%s); samples: %q", len(match), x.key, x.reason, slices.Sorted(maps.Keys(got)))
			continue
		}
		if v := got[match[0]]; v != x.want {
			t.Errorf("%q = %v, want %v (%s)", x.key, v, x.want, x.reason)
		}
		delete(got, match[0])
	}
	if len(got) > 0 {
		t.Errorf("unexpected samples: %v (the uncontended queue lock must add none)", got)
	}
	if tz := totals(p, LabelClass, "zone"); tz[0] != 69 {
		t.Errorf("zone contentions in profile %d, want Stats.Contended 69", tz[0])
	}
}

// TestInlinedFrames checks that a call inlined into its caller is one
// Location with two Lines, innermost first (as runtime/pprof writes it),
// also when the stack was truncated right after the inlined frame.
func TestInlinedFrames(t *testing.T) {
	stack := stackA()
	var inlined bool
	frames := runtime.CallersFrames(stack)
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, ".inlinedCaller") && f.Func == nil {
			inlined = true
		}
		if !more {
			break
		}
	}
	if !inlined {
		t.Skip("inlinedCaller was not inlined (built with -gcflags=-l?)")
	}
	// stack: inlinedCaller's PC (inlined into stackA), stackA's virtual
	// PC, callers...; depth 1 cuts it inside the inlined call.
	for _, depth := range []int{len(stack), 1} {
		b := NewBuilder()
		locs := b.stack(stack[:depth])
		if len(locs) < 1 {
			t.Fatalf("depth %d: no locations", depth)
		}
		l := locs[0]
		var names []string
		for _, ln := range l.Line {
			names = append(names, ln.Function.Name[strings.LastIndex(ln.Function.Name, ".")+1:])
		}
		if want := []string{"inlinedCaller", "stackA"}; !slices.Equal(names, want) {
			t.Errorf("depth %d: first location's lines %v, want %v", depth, names, want)
		}
		if want := 1; depth == 1 && len(locs) != want {
			t.Errorf("truncated stack: %d locations, want %d", len(locs), want)
		}
		if last := locs[len(locs)-1].Line; last[len(last)-1].Function.Name == "runtime.goexit" {
			t.Errorf("depth %d: stack ends in runtime.goexit; runtime/pprof drops it", depth)
		}
	}
}

func TestContentionNilStats(t *testing.T) {
	_, err := Contention([]Record{{Labels: map[string]string{"class": "zone"}}})
	if err == nil || !strings.Contains(err.Error(), "record 0 (class=zone) has no stats") {
		t.Errorf("got error %v, want one naming the record without stats", err)
	}
}

func TestContentionEmpty(t *testing.T) {
	p, err := Contention(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Sample) != 0 || len(p.SampleType) != 3 {
		t.Errorf("empty profile: %d samples, %d sample types; want 0 and 3", len(p.Sample), len(p.SampleType))
	}
}
