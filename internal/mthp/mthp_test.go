package mthp

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/internal/testtree"
)

// fakeRoot builds a transparent_hugepage tree as Linux 6.18 lays it out
// on the VM the package doc describes: 8kB with shmem_enabled only, 2M
// inheriting, the others never.
func fakeRoot(t *testing.T) Dir {
	t.Helper()
	root := t.TempDir()
	write := func(file, content string) { testtree.Write(t, root, file, content) }
	write("enabled", "always [madvise] never\n")
	write("shmem_enabled", "always within_size [advise] never deny force\n")
	for _, kB := range []int{8, 16, 32, 64, 128, 2048} {
		dir := "hugepages-" + itoa(kB) + "kB/"
		anon, shmem := "always inherit madvise [never]\n", "always inherit within_size advise [never]\n"
		if kB == 2048 {
			anon, shmem = "always [inherit] madvise never\n", "always [inherit] within_size advise never\n"
		}
		if kB != 8 {
			write(dir+"enabled", anon)
		}
		write(dir+"shmem_enabled", shmem)
		for _, c := range []string{"anon_fault_alloc", "anon_fault_fallback", "shmem_alloc", "shmem_fallback"} {
			write(dir+"stats/"+c, "0\n")
		}
	}
	return Dir{Root: root}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestGet reads a value as the kernel shows it, selected in brackets, and
// as a fake file holds it after a write.
func TestGet(t *testing.T) {
	d := fakeRoot(t)
	if v, err := d.Get("hugepages-2048kB/enabled"); err != nil || v != "inherit" {
		t.Fatalf("Get = %q, %v; want inherit", v, err)
	}
	if err := d.Set("hugepages-64kB/enabled", "madvise"); err != nil {
		t.Fatal(err)
	}
	if v, err := d.Get("hugepages-64kB/enabled"); err != nil || v != "madvise" {
		t.Fatalf("Get after Set = %q, %v; want madvise", v, err)
	}
}

func TestPlanFor(t *testing.T) {
	tests := []struct {
		kind   Kind
		want   []Change
		reason string
	}{
		{Anon, []Change{{"hugepages-64kB/enabled", "never", "madvise"}, {"hugepages-2048kB/enabled", "inherit", "never"}},
			"64K to madvise; 2M inherits madvise from the top level, so it must be off; 128K is off already; 16K/32K are left alone"},
		{Shmem, []Change{{"shmem_enabled", "advise", "never"}, {"hugepages-64kB/shmem_enabled", "never", "advise"}},
			"the top-level advise would hand a memfd every size; with it never, 2M's inherit is off and is left alone"},
	}
	for _, tt := range tests {
		p, err := fakeRoot(t).PlanFor(tt.kind, 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != len(tt.want) {
			t.Fatalf("%s: changes %v, want %v (%s)", tt.kind, p.Changes, tt.want, tt.reason)
		}
		for i := range tt.want {
			if p.Changes[i] != tt.want[i] {
				t.Errorf("%s: change %d = %v, want %v (%s)", tt.kind, i, p.Changes[i], tt.want[i], tt.reason)
			}
		}
	}
	if _, err := fakeRoot(t).PlanFor(Anon, 8); !errors.Is(err, ErrNoMTHP) {
		t.Errorf("PlanFor(anon, 8K) = %v, want ErrNoMTHP: anonymous memory has no 8K setting", err)
	}
	if _, err := (Dir{Root: t.TempDir()}).PlanFor(Anon, 64); !errors.Is(err, ErrNoMTHP) {
		t.Errorf("PlanFor on a tree without sizes = %v, want ErrNoMTHP", err)
	}
}

// TestApplyRestore checks the whole safety path on a fake tree: the
// originals are on disk before any change, restore puts every value
// back, a second Apply into the folder of a run that did not restore is
// refused, and Restore alone (kernel-restore after a killed run) puts
// them back from the file.
func TestApplyRestore(t *testing.T) {
	d := fakeRoot(t)
	orig := snapshot(t, d)
	p, err := d.PlanFor(Anon, 64)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	restore, err := d.Apply(p, out)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(filepath.Join(out, SaveFile))
	if err != nil {
		t.Fatalf("no %s after Apply: %v", SaveFile, err)
	}
	for _, c := range p.Changes {
		if !strings.Contains(string(saved), d.Path(c.File)+" "+c.From+"\n") {
			t.Errorf("%s lacks %s's original %s:\n%s", SaveFile, c.File, c.From, saved)
		}
		if b, _ := os.ReadFile(d.Path(c.File)); strings.TrimSpace(string(b)) != c.To {
			t.Errorf("after Apply %s holds %q, want %s", c.File, b, c.To)
		}
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if err := restore(); err != nil {
		t.Errorf("second restore = %v, want nil", err)
	}
	checkRestored(t, d, orig)
	if _, err := os.Stat(filepath.Join(out, RestoredFile)); err != nil {
		t.Errorf("restore left no %s: %v", RestoredFile, err)
	}
	if err := Restore(out); err == nil || !strings.Contains(err.Error(), "put back already") {
		t.Errorf("Restore of a restored folder = %v, want 'put back already'", err)
	}

	// A killed run: Apply, no restore; a new Apply there is refused, and
	// Restore (kernel-restore) puts the originals back.
	killed := t.TempDir()
	if _, err := d.Apply(p, killed); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apply(p, killed); err == nil || !strings.Contains(err.Error(), "kernel-restore") {
		t.Errorf("Apply over unrestored originals = %v, want a refusal naming kernel-restore", err)
	}
	if err := Restore(killed); err != nil {
		t.Fatal(err)
	}
	checkRestored(t, d, orig)
	if err := Restore(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Restore of a folder without %s = %v, want fs.ErrNotExist", SaveFile, err)
	}
}

// TestApplyFailureRestores checks that a change the kernel refuses puts
// back the ones made before it.
func TestApplyFailureRestores(t *testing.T) {
	d := fakeRoot(t)
	orig := snapshot(t, d)
	p, _ := d.PlanFor(Anon, 64)
	p.Changes = append(p.Changes, Change{File: "hugepages-999kB/enabled", From: "never", To: "madvise"})
	if _, err := d.Apply(p, t.TempDir()); err == nil {
		t.Fatal("Apply of a missing file succeeded")
	}
	checkRestored(t, d, orig)
}

func TestRestoreMalformed(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, SaveFile), []byte("relative/path never\n"), 0o644)
	if err := Restore(dir); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("Restore = %v, want a malformed-line error", err)
	}
	if _, err := os.Stat(filepath.Join(dir, SaveFile)); err != nil {
		t.Errorf("a failed Restore removed %s: %v", SaveFile, err)
	}
}

func TestFolios(t *testing.T) {
	before := Counts{Alloc: map[int]uint64{64: 10, 2048: 1}, Fallback: map[int]uint64{64: 0}}
	tests := []struct {
		after  Counts
		pages  uint64
		want   float64
		reason string
	}{
		{Counts{Alloc: map[int]uint64{64: 10, 2048: 1}}, 100, 1, "no large folio: every page its own"},
		{Counts{Alloc: map[int]uint64{64: 20, 2048: 1}}, 160, 16, "ten 64K folios for 160 pages"},
		{Counts{Alloc: map[int]uint64{64: 15, 2048: 1}, Fallback: map[int]uint64{64: 5}}, 160, 160.0 / 85, "half fell back to 4K"},
		{Counts{Alloc: map[int]uint64{64: 10, 2048: 1}}, 0, 0, "no page"},
	}
	for _, tt := range tests {
		if got := Between(before, tt.after, tt.pages).MeanPages(); got != tt.want {
			t.Errorf("MeanPages = %v, want %v (%s)", got, tt.want, tt.reason)
		}
	}
}

func snapshot(t *testing.T, d Dir) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(d.root(), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		}
		return nil
	})
	return out
}

// checkRestored compares the selected values (the fake files hold "x\n"
// after a write, the kernel's files "a [x] b").
func checkRestored(t *testing.T, d Dir, orig map[string]string) {
	t.Helper()
	for p, was := range orig {
		b, _ := os.ReadFile(p)
		now := string(b)
		if now == was {
			continue
		}
		sel := was
		if i, j := strings.IndexByte(was, '['), strings.IndexByte(was, ']'); i >= 0 {
			sel = was[i+1:j] + "\n"
		}
		if now != sel {
			t.Errorf("%s holds %q, want %q as found", p, now, was)
		}
	}
}
