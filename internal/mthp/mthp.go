// Package mthp reads and changes the kernel's multi-size transparent
// huge page settings (Linux 6.8+), and reads their per-size statistics:
// the files under /sys/kernel/mm/transparent_hugepage that decide which
// folio sizes the anonymous and shmem fault paths may allocate, and the
// counters that say which sizes they did allocate.
//
// It sits beside package workloads, whose kernel workloads (fault, shmem)
// read the counters around a measured window (FolioPages), and under
// cmd/lockbench, whose --kernel-setup applies a Plan and whose
// kernel-restore puts a saved one back.
//
// Every change goes through a Plan written to a file first (Save), so
// that the original values survive a killed process: Restore reads the
// file and writes them back. All paths are under a Dir's root, so tests
// run against a fake sysfs tree.
//
// What Linux 6.18 needs, measured on a 6.18 VM (one 64 MiB region,
// MADV_HUGEPAGE, the stats counters read around the writes):
//
//   - anonymous memory: hugepages-64kB/enabled = madvise gives 64K folios
//     in MADV_HUGEPAGE regions, provided no larger size is enabled (2M's
//     "inherit" follows the top-level enabled, madvise by default, and
//     the fault takes the largest size that fits the region).
//   - memfd (tmpfs on the kernel's internal mount): hugepages-64kB/
//     shmem_enabled = advise plus MADV_HUGEPAGE gives 64K folios, provided
//     the top-level shmem_enabled (the internal mount's huge= option) is
//     never: set to advise, it hands the fault every size, and a large
//     region got 2M folios.
package mthp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DefaultRoot is where the kernel keeps the settings.
const DefaultRoot = "/sys/kernel/mm/transparent_hugepage"

// A Dir is a transparent_hugepage directory: the kernel's (Root "" means
// DefaultRoot) or a fake tree in a test.
type Dir struct{ Root string }

func (d Dir) root() string {
	if d.Root == "" {
		return DefaultRoot
	}
	return d.Root
}

// Path is the absolute path of file, which is relative to the root.
func (d Dir) Path(file string) string { return filepath.Join(d.root(), file) }

// A Kind is one of the fault paths with per-size settings.
type Kind string

// The kinds.
const (
	Anon  Kind = "anon"  // private anonymous memory: hugepages-*/enabled
	Shmem Kind = "shmem" // shmem and memfd: hugepages-*/shmem_enabled
)

// setting is the per-size file of k, and top the top-level one.
func (k Kind) setting() string {
	if k == Shmem {
		return "shmem_enabled"
	}
	return "enabled"
}

// stats are the counters of folios allocated at a size and of faults
// that wanted the size and fell back to a smaller one.
func (k Kind) stats() (alloc, fallback string) {
	if k == Shmem {
		return "shmem_alloc", "shmem_fallback"
	}
	return "anon_fault_alloc", "anon_fault_fallback"
}

// SettingFile is the file, relative to the root, that allows folios of
// kB kilobytes on path k: "hugepages-64kB/enabled".
func SettingFile(k Kind, kB int) string {
	return fmt.Sprintf("hugepages-%dkB/%s", kB, k.setting())
}

// ErrNoMTHP says the kernel has no multi-size THP (before Linux 6.8, or
// built without transparent huge pages).
var ErrNoMTHP = errors.New("no multi-size THP: the kernel has no hugepages-<size>kB settings (Linux 6.8+ with transparent huge pages)")

var sizeDir = regexp.MustCompile(`^hugepages-([0-9]+)kB$`)

// Sizes returns the folio sizes, in kB and ascending, that have settings
// for path k. The error wraps ErrNoMTHP when there are none.
func (d Dir) Sizes(k Kind) ([]int, error) {
	ents, err := os.ReadDir(d.root())
	if err != nil {
		return nil, fmt.Errorf("reading THP settings: %w (%w)", err, ErrNoMTHP)
	}
	var out []int
	for _, e := range ents {
		m := sizeDir.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if _, err := os.Stat(d.Path(filepath.Join(e.Name(), k.setting()))); err != nil {
			continue // 8kB has shmem_enabled only: anonymous memory has no order-1 folios
		}
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, ErrNoMTHP
	}
	slices.Sort(out)
	return out, nil
}

// Get returns the selected value of a settings file (relative to the
// root): "madvise" from "always [madvise] never", or from "madvise".
func (d Dir) Get(file string) (string, error) {
	b, err := os.ReadFile(d.Path(file))
	if err != nil {
		return "", fmt.Errorf("reading THP setting: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if !strings.ContainsAny(s, "[] ") && s != "" {
		return s, nil // a bare value: what a write leaves in a fake tree
	}
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return "", fmt.Errorf("reading THP setting %s: no [selected] value in %q", d.Path(file), strings.TrimSpace(s))
	}
	return s[i+1 : j], nil
}

// Set writes value to a settings file (relative to the root).
func (d Dir) Set(file, value string) error {
	if err := os.WriteFile(d.Path(file), []byte(value+"\n"), 0o644); err != nil {
		return fmt.Errorf("setting THP %s to %s: %w", file, value, err)
	}
	return nil
}

// A Change is one settings file's value before and after a Plan.
type Change struct {
	File     string // relative to the root: "hugepages-64kB/enabled"
	From, To string
}

// A Plan is the changes that let path Kind fault folios of KB kilobytes
// in MADV_HUGEPAGE regions, and only those: the size set to madvise
// (advise for shmem), every larger size that is not off set to never,
// and for shmem the top-level shmem_enabled set to never (see the
// package doc). Sizes below KB are left alone: the fault tries the
// largest allowed size first, and a smaller one only as a fallback,
// which the counters show.
type Plan struct {
	Kind    Kind
	KB      int
	Changes []Change // empty when the settings already allow the run
}

// Ready reports whether the settings already allow the run.
func (p Plan) Ready() bool { return len(p.Changes) == 0 }

// Files are the files the plan changes, "hugepages-64kB/enabled, ...".
func (p Plan) Files() string {
	var f []string
	for _, c := range p.Changes {
		f = append(f, fmt.Sprintf("%s %s->%s", c.File, c.From, c.To))
	}
	return strings.Join(f, ", ")
}

// PlanFor reads the settings and returns what must change for folios of
// kB kilobytes on path k. The error wraps ErrNoMTHP when the kernel has
// no such size.
func (d Dir) PlanFor(k Kind, kB int) (Plan, error) {
	p := Plan{Kind: k, KB: kB}
	sizes, err := d.Sizes(k)
	if err != nil {
		return p, err
	}
	if !slices.Contains(sizes, kB) {
		return p, fmt.Errorf("no %dkB folios for %s (sizes: %v kB): %w", kB, k, sizes, ErrNoMTHP)
	}
	want := "madvise"
	if k == Shmem {
		want = "advise"
	}
	top, err := d.Get(k.setting())
	if err != nil {
		return p, err
	}
	change := func(file, from, to string) {
		if from != to {
			p.Changes = append(p.Changes, Change{File: file, From: from, To: to})
		}
	}
	if k == Shmem && top != "never" {
		change(k.setting(), top, "never")
		top = "never"
	}
	for _, s := range sizes {
		if s < kB {
			continue
		}
		f := SettingFile(k, s)
		v, err := d.Get(f)
		if err != nil {
			return p, err
		}
		switch {
		case s == kB:
			change(f, v, want)
		case v == "inherit" && (top == "never" || top == "deny"):
			// Off through the top level, which the plan keeps off.
		default:
			change(f, v, "never")
		}
	}
	return p, nil
}

// SaveFile is the name of the file in a results folder that holds the
// original values of the settings a run changed, until they are put
// back; RestoredFile is its name afterwards.
const (
	SaveFile     = "kernel-settings.txt"
	RestoredFile = "kernel-settings.restored.txt"
)

// saveHeader starts a SaveFile; its lines are "<root>/<file> <value>".
const saveHeader = "# lockbench: THP settings changed by a run, with their original values; 'lockbench kernel-restore DIR' writes them back\n"

// Apply writes the original values of p's changes to dir/SaveFile (and
// syncs it) before changing anything, then makes the changes. It refuses
// when dir holds a SaveFile already: those originals were never put back,
// and overwriting them would lose them. restore puts every original back
// and renames the file to RestoredFile; it is safe to call more than
// once. On an error of Apply, what was changed has been put back.
func (d Dir) Apply(p Plan, dir string) (restore func() error, err error) {
	save := filepath.Join(dir, SaveFile)
	if _, err := os.Stat(save); err == nil {
		return nil, fmt.Errorf("%s holds THP settings a run changed and did not put back: run 'lockbench kernel-restore %s' first", save, dir)
	}
	var b strings.Builder
	b.WriteString(saveHeader)
	for _, c := range p.Changes {
		fmt.Fprintf(&b, "%s %s\n", d.Path(c.File), c.From)
	}
	f, err := os.OpenFile(save, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("saving THP settings: %w", err)
	}
	_, werr := f.WriteString(b.String())
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(save)
		return nil, fmt.Errorf("saving THP settings: %w", err)
	}
	done := false
	restore = func() error {
		if done {
			return nil
		}
		if err := Restore(dir); err != nil {
			return err
		}
		done = true
		return nil
	}
	for _, c := range p.Changes {
		if err := d.Set(c.File, c.To); err != nil {
			return nil, errors.Join(err, restore())
		}
	}
	return restore, nil
}

// Restore writes back the original values saved in dir/SaveFile by
// Apply, then renames the file to RestoredFile. With no SaveFile it
// returns an error wrapping fs.ErrNotExist (and says whether the folder
// was restored already). Every value is tried; the error joins the
// failures, and the file stays for another try.
func Restore(dir string) error {
	save := filepath.Join(dir, SaveFile)
	b, err := os.ReadFile(save)
	if err != nil {
		if _, e := os.Stat(filepath.Join(dir, RestoredFile)); e == nil {
			return fmt.Errorf("nothing to restore in %s: its THP settings were put back already (%s): %w", dir, RestoredFile, err)
		}
		return fmt.Errorf("restoring THP settings: %w", err)
	}
	var errs []error
	for n, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		path, value, ok := strings.Cut(line, " ")
		if !ok || !filepath.IsAbs(path) || value == "" || strings.ContainsAny(value, " []") {
			errs = append(errs, fmt.Errorf("%s:%d: malformed line %q, want \"/path value\"", save, n+1, line))
			continue
		}
		if err := os.WriteFile(path, []byte(value+"\n"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("restoring %s to %s: %w", path, value, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.Rename(save, filepath.Join(dir, RestoredFile)); err != nil {
		return fmt.Errorf("restored THP settings, but marking %s restored: %w", save, err)
	}
	return nil
}

// Counts are the stats counters of path Kind at every size, read at one
// moment.
type Counts struct {
	Kind Kind
	// By size in kB: folios allocated, and faults that wanted the size
	// and fell back.
	Alloc, Fallback map[int]uint64
}

// ReadCounts reads the stats counters of every size of path k.
func (d Dir) ReadCounts(k Kind) (Counts, error) {
	c := Counts{Kind: k, Alloc: map[int]uint64{}, Fallback: map[int]uint64{}}
	sizes, err := d.Sizes(k)
	if err != nil {
		return c, err
	}
	alloc, fallback := k.stats()
	read := func(kB int, name string) (uint64, error) {
		f := fmt.Sprintf("hugepages-%dkB/stats/%s", kB, name)
		b, err := os.ReadFile(d.Path(f))
		if err != nil {
			return 0, fmt.Errorf("reading THP counter: %w", err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("reading THP counter %s: %w", f, err)
		}
		return v, nil
	}
	for _, s := range sizes {
		if c.Alloc[s], err = read(s, alloc); err != nil {
			return c, err
		}
		if c.Fallback[s], err = read(s, fallback); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Folios are what the counters say about a window in which pages base
// pages were faulted in.
type Folios struct {
	Pages     uint64 // base pages faulted in the window
	Large     uint64 // large folios allocated, all sizes
	LargePgs  uint64 // base pages in them
	Fallbacks uint64 // faults that wanted a large size and fell back
}

// Between compares two readings around a window in which pages base
// pages were faulted. The large folios are those the counters rose by;
// every other page is taken as a 4K folio.
// The counters are the whole system's: large
// folios another process faulted in the window count as this window's.
func Between(before, after Counts, pages uint64) Folios {
	f := Folios{Pages: pages}
	for s, a := range after.Alloc {
		n := a - before.Alloc[s]
		f.Large += n
		f.LargePgs += n * uint64(s/4)
		f.Fallbacks += after.Fallback[s] - before.Fallback[s]
	}
	return f
}

// MeanPages is the mean folio size in base pages: Pages over the number
// of folios (the large ones, and one per page not in them). It is 1 with
// no large folio, and 0 with no page.
func (f Folios) MeanPages() float64 {
	if f.Pages == 0 {
		return 0
	}
	small := uint64(0)
	if f.Pages > f.LargePgs {
		small = f.Pages - f.LargePgs
	}
	folios := f.Large + small
	if folios == 0 {
		return 0
	}
	return float64(f.Pages) / float64(folios)
}
