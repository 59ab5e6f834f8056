package profiles

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/lockbench/lockbench/locks"
)

// stacksEvery1 records the stack of every contended acquisition.
var stacksEvery1 = locks.Options{StackEvery: 1, HoldEvery: 4, MaxStacks: 4096}

// readProfile parses the profile file at path.
func readProfile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return p
}

// writeParse writes p and parses it back, as a reader of the file would.
func writeParse(t *testing.T, p *profile.Profile) *profile.Profile {
	t.Helper()
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	q, err := profile.Parse(&buf)
	if err != nil {
		t.Fatalf("parsing written profile: %v", err)
	}
	return q
}

func TestContendedRunDelayByClass(t *testing.T) {
	recs := testRun{workers: 2, opts: stacksEvery1, contentions: 50}.run(t)
	p, err := Contention(recs)
	if err != nil {
		t.Fatal(err)
	}
	p = writeParse(t, p)

	zone := totals(p, LabelClass, "zone")
	if zone[0] == 0 || zone[1] <= 0 {
		t.Errorf("class zone: %d contentions, %d ns delay; want both > 0 (two workers shared it)", zone[0], zone[1])
	}
	if want := recs[0].Stats.Contended; uint64(zone[0]) != want {
		t.Errorf("class zone: %d contentions in the profile, the lock counted %d", zone[0], want)
	}
	if lru := totals(p, LabelClass, "lru"); lru[0] != 0 || lru[1] != 0 {
		t.Errorf("class lru: %d contentions, %d ns delay; want 0 (each worker had its own)", lru[0], lru[1])
	}
	// With StackEvery 1 every contention has a stack, and its first frame
	// is the worker that asked for the lock, up to MaxStacks a worker:
	// the contentions past that (a descheduled test goroutine lets the
	// workers run on) are StacksDropped and stand at the unsampled frame.
	var atWorker, unsampled int64
	dropped := int64(recs[0].Stats.StacksDropped)
	for _, s := range p.Sample {
		if s.Value[0] == 0 {
			continue
		}
		first := s.Location[0].Line[0].Function.Name
		if first == FuncUnsampled && dropped > 0 {
			unsampled += s.Value[0]
			continue
		}
		if !strings.HasSuffix(first, "profiles.contendedWorker") {
			t.Errorf("contention sample at %s (labels %v), want its first frame in contendedWorker", first, s.Label)
		}
		atWorker += s.Value[0]
		for k, want := range map[string]string{LabelLock: recs[0].Labels[LabelLock], LabelMode: "page", LabelBatch: "16", LabelThreads: "2"} {
			if got := s.Label[k]; len(got) != 1 || got[0] != want {
				t.Errorf("contention sample label %s=%v, want %s", k, got, want)
			}
		}
	}
	if atWorker+unsampled != zone[0] || unsampled != dropped {
		t.Errorf("%d of %d contentions have the worker's stack and %d stand unsampled; the lock dropped %d stacks", atWorker, zone[0], unsampled, dropped)
	}
}

func TestSingleWorkerNoContention(t *testing.T) {
	recs := testRun{workers: 1, opts: stacksEvery1, iters: 10000}.run(t)
	p, err := Contention(recs)
	if err != nil {
		t.Fatal(err)
	}
	p = writeParse(t, p)
	if err := p.CheckValid(); err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Sample {
		if s.Value[0] != 0 || s.Value[1] != 0 {
			t.Errorf("one worker: sample %s has %d contentions, %d ns delay; want none", key(s), s.Value[0], s.Value[1])
		}
	}
	if hold := totals(p, LabelClass, "zone")[2]; hold <= 0 {
		t.Errorf("zone hold %d ns, want > 0 (hold sampled every 4th of 10000 acquisitions)", hold)
	}
}

// TestGoToolPprof reads a contention profile of a real contended run with
// the real `go tool pprof`, which needs no binary to read it.
func TestGoToolPprof(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not on PATH")
	}
	recs := testRun{workers: 2, opts: stacksEvery1, contentions: 50}.run(t)
	p, err := Contention(recs)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), ContentionFile)
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	for _, x := range []struct {
		args   []string
		want   []string
		reason string
	}{
		{[]string{"-top"}, []string{"Type: delay", "profiles.contendedWorker"}, "delay is the default sample type; the worker is where the waiting was"},
		{[]string{"-top", "-sample_index=contentions"}, []string{"Type: contentions", "profiles.contendedWorker"}, "contentions are the first sample type"},
		{[]string{"-top", "-tagfocus=class=^zone$"}, []string{"profiles.contendedWorker"}, "all contention was on the zone class"},
		{[]string{"-tags"}, []string{"class", "zone", "lock", recs[0].Labels[LabelLock], "threads", "mode", "page"}, "-tags lists every label"},
	} {
		out := goToolPprof(t, append(x.args, file)...)
		for _, w := range x.want {
			if !strings.Contains(out, w) {
				t.Errorf("go tool pprof %s: output lacks %q (%s):\n%s", strings.Join(x.args, " "), w, x.reason, out)
			}
		}
	}
}

func goToolPprof(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"tool", "pprof"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
