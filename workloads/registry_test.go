package workloads

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/schema"
)

// declaredModes returns the Mode constants declared in the package's
// non-test files, parsed from the source, so that a constant nobody
// registered is caught.
func declaredModes(t *testing.T) []Mode {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []Mode
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Mode" {
					continue
				}
				for _, v := range vs.Values {
					if lit, ok := v.(*ast.BasicLit); ok {
						out = append(out, Mode(strings.Trim(lit.Value, `"`)))
					}
				}
			}
		}
	}
	return out
}

// docTableModes returns the modes of the package doc's acquisitions table
// (the rows between its header, "mode  zone ...", and the blank line).
func docTableModes(t *testing.T) []Mode {
	t.Helper()
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []Mode
	in := false
	row := regexp.MustCompile(`^//\t(\S+)\s`)
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "//\tmode "):
			in = true
		case in && row.MatchString(l):
			out = append(out, Mode(row.FindStringSubmatch(l)[1]))
		case in:
			return out
		}
	}
	return out
}

// TestModeRegistry tells a contributor who adds a mode what they forgot.
// (TestAcquisitionsPerPage names a mode without a row of its own;
// cmd/lockbench's TestREADME a mode without a row in the README.)
func TestModeRegistry(t *testing.T) {
	registered := Modes()
	for _, m := range declaredModes(t) {
		if !slices.Contains(registered, m) {
			t.Errorf("mode constant %q is declared but not registered: add its ModeInfo to modeTable in modes.go", m)
		}
	}
	doc := docTableModes(t)
	if len(doc) == 0 {
		t.Fatal("found no mode table in doc.go; the parser is broken")
	}
	for _, m := range registered {
		if !slices.Contains(doc, m) {
			t.Errorf("mode %s has no row in the package doc's table (doc.go): add the acquisitions per page it takes", m)
		}
	}
	for _, m := range doc {
		if !slices.Contains(registered, m) {
			t.Errorf("the package doc's table has a row for %q, which is not a registered mode", m)
		}
	}
	seen := map[Mode]bool{}
	for _, i := range modeTable() {
		if seen[i.Mode] {
			t.Errorf("mode %s is registered twice", i.Mode)
		}
		seen[i.Mode] = true
		if i.Doc == "" || strings.Contains(i.Doc, "\n") || i.Era == "" {
			t.Errorf("mode %s: want a one-line Doc and an Era, got %+v", i.Mode, i)
		}
		if i.LargeUnit && i.Batched {
			t.Errorf("mode %s: a step of Batch units of Batch pages each is not modelled (the model sizes files by Batch pages per step)", i.Mode)
		}
		for _, c := range i.PerUnit {
			if !slices.Contains(PageCacheClasses(), c) {
				t.Errorf("mode %s: PerUnit names %q, not a page-cache class", i.Mode, c)
			}
		}
		if got, err := LookupMode(i.Mode); err != nil || got.Mode != i.Mode {
			t.Errorf("LookupMode(%s) = %v, %v", i.Mode, got.Mode, err)
		}
	}
	if _, err := LookupMode("folio"); err == nil || !strings.Contains(err.Error(), "pagevec") {
		t.Errorf("LookupMode(folio) = %v, want an error listing the modes", err)
	}
}

// TestWorkloadRegistry tells a contributor who adds a workload what they
// forgot.
func TestWorkloadRegistry(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]string{}
	for _, i := range All() {
		if i.Name == "" || i.Doc == "" || strings.Contains(i.Doc, "\n") {
			t.Errorf("workload %q: want a name and a one-line Doc", i.Name)
		}
		if i.build == nil || i.validate == nil {
			t.Errorf("workload %s: no build or validate function", i.Name)
		}
		if other, dup := bases[i.Base]; dup || i.Base == "" {
			t.Errorf("workload %s: base name %q is empty or also %s's: readers tell workloads apart by it", i.Name, i.Base, other)
		}
		bases[i.Base] = i.Name
		if i.Per != schema.PerPage && i.Per != schema.PerOp {
			t.Errorf("workload %s: unit denominator %q, want schema.PerPage or schema.PerOp (or declare a new one in schema)", i.Name, i.Per)
		}
		if len(i.Classes) == 0 && !i.Kernel() {
			t.Errorf("workload %s takes no lock class: only a workload measuring the kernel (its locks, none of ours) may have none", i.Name)
		}
		if i.Kernel() && (len(i.Classes) > 0 || i.Takes(KnobLock) || i.Takes(KnobDelay)) {
			t.Errorf("workload %s measures the kernel but takes lock classes or --locks/--delay: they would change nothing it measures", i.Name)
		}
		for _, m := range i.Modes {
			if _, err := LookupMode(m); err != nil || !i.Takes(KnobMode) {
				t.Errorf("workload %s runs mode %q, which is not registered or not a knob of it", i.Name, m)
			}
		}
		for _, c := range i.Classes {
			if !slices.Contains(allClasses(), c) {
				t.Errorf("workload %s: class %q is missing from allClasses (delays are written in its order)", i.Name, c)
			}
		}
		if !strings.Contains(string(doc), "# The "+i.Name+" workload") {
			t.Errorf("workload %s has no section \"# The %s workload\" in the package doc (doc.go)", i.Name, i.Name)
		}

		// Name keys: declared in schema, in its order, lock and threads
		// included, each a knob of the workload.
		if slices.Contains(i.Keys, KnobLock) != i.Takes(KnobLock) || !slices.Contains(i.Keys, KnobWorkers) {
			t.Errorf("workload %s: name keys %v lack lock or workers (threads)", i.Name, i.Keys)
		}
		last := -1
		for _, k := range i.Keys {
			at := slices.Index(schema.Keys(), k.Key())
			if at < 0 {
				t.Errorf("workload %s: name key %q is not declared in schema.Keys", i.Name, k.Key())
			}
			if at < last {
				t.Errorf("workload %s: name keys %v are not in schema.Keys's order %v", i.Name, i.Keys, schema.Keys())
			}
			last = at
			if !i.Takes(k) {
				t.Errorf("workload %s: name key %q is not one of its knobs", i.Name, k)
			}
		}
		for _, k := range i.Labels {
			if !slices.Contains(i.Keys, k) {
				t.Errorf("workload %s: profile label %q is not a name key: a profile's cases would not match the results'", i.Name, k)
			}
		}
		for _, k := range i.Knobs {
			if !slices.Contains(Knobs(), k) || slices.Contains(commonKnobs(), k) {
				t.Errorf("workload %s: knob %q is unknown or common to every workload", i.Name, k)
			}
			if !slices.Contains(i.Keys, k) && !slices.Contains(schema.ConfigKeys(), k.Key()) {
				t.Errorf("workload %s: knob %q is neither a name key nor a configuration key of schema: its value would be written nowhere", i.Name, k)
			}
		}

		// The default spec of the workload builds, runs and renders every
		// key.
		s := DefaultSpec
		s.Workload = i.Name
		s = s.WithDefaults()
		for _, k := range append(slices.Clone(i.Keys), i.Knobs...) {
			if s.Value(k) == "" {
				t.Errorf("workload %s: Spec.Value(%s) is empty: teach Value the knob", i.Name, k)
			}
		}
		wl, err := New(s)
		if err != nil {
			t.Errorf("workload %s: New(DefaultSpec) = %v", i.Name, err)
			continue
		}
		if c, ok := wl.(io.Closer); ok {
			defer c.Close()
		}
		if _, ok := wl.(Metered); i.Kernel() && !ok {
			t.Errorf("workload %s measures the kernel but is not Metered: its lines would not prove what the kernel did", i.Name)
		}
		for range 100 {
			wl.Workers()[0].Step()
		}
		if err := wl.Check(); err != nil {
			t.Errorf("workload %s: Check after 100 steps: %v", i.Name, err)
		}
	}
	for _, k := range Knobs() {
		if len(Taking(k)) == 0 {
			t.Errorf("knob %q applies to no workload", k)
		}
	}
	if !slices.Equal(Names(), []string{PageCache, CS, Fault, Shmem}) {
		t.Errorf("Names() = %v, want pagecache (the default) first, then cs, fault, shmem", Names())
	}
	if _, err := Lookup("db"); err == nil || !strings.Contains(err.Error(), "pagecache, cs, fault, shmem") {
		t.Errorf("Lookup(db) = %v, want an error listing the workloads", err)
	}
}

// TestValidateNamesTheKnob checks that Validate's errors say which knob
// is wrong (a command line maps it to its flag), and that with several
// wrong classes the error is always about the first in path order.
func TestValidateNamesTheKnob(t *testing.T) {
	ok := DefaultSpec.WithDefaults()
	tests := []struct {
		name   string
		edit   func(*Spec)
		knob   Knob
		class  Class
		reason string
	}{
		{"workload", func(s *Spec) { s.Workload = "db" }, KnobWorkload, "", "the workload is looked up first"},
		{"workers", func(s *Spec) { s.Workers = 0 }, KnobWorkers, "", "the worker count has a range"},
		{"lock", func(s *Spec) { s.Lock = "x" }, KnobLock, "", "Spec.Lock is no class override"},
		{"none", func(s *Spec) { s.Lock, s.Workers = "none", 2; s.FilePages = 0; *s = s.WithDefaults() }, KnobLock, "", "the lock is refused for the workers, not the workers for the lock"},
		{"class lock", func(s *Spec) { s.ClassLocks = map[Class]string{ClassQueue: "x", ClassZone: "y"} }, KnobLock, ClassZone, "zone comes before queue on the path"},
		{"class", func(s *Spec) { s.ClassLocks = map[Class]string{"tree": "mutex"} }, KnobLock, "tree", "an unknown class is the override's fault"},
		{"delay", func(s *Spec) { s.Delay = map[Class]time.Duration{ClassLRU: time.Second, ClassMapping: time.Second} }, KnobDelay, ClassMapping, "mapping comes before lru"},
		{"mode", func(s *Spec) { s.Mode = "folio" }, KnobMode, "", "modes are registered"},
		{"batch", func(s *Spec) { s.Batch = 0 }, KnobBatch, "", ""},
		{"zones", func(s *Spec) { s.Zones = 0 }, KnobZones, "", ""},
		{"touch", func(s *Spec) { s.Touch = -1 }, KnobTouch, "", ""},
		{"file pages", func(s *Spec) { s.FilePages = 1 }, KnobFilePages, "", ""},
		{"lines", func(s *Spec) { s.Workload, s.Lines = CS, 0 }, KnobLines, "", ""},
		{"think", func(s *Spec) { s.Workload, s.Think = CS, -1 }, KnobThink, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			for range 5 { // map order must not matter
				err := s.Validate()
				var ke *KnobError
				if !errors.As(err, &ke) {
					t.Fatalf("Validate = %v, want a *KnobError (%s)", err, tt.reason)
				}
				if ke.Knob != tt.knob || ke.Class != tt.class {
					t.Fatalf("Validate = %v: knob %q class %q, want knob %q class %q (%s)", err, ke.Knob, ke.Class, tt.knob, tt.class, tt.reason)
				}
				if strings.Contains(ke.Err.Error(), string(tt.knob)+":") {
					t.Errorf("KnobError.Err %q repeats the knob that Error adds", ke.Err)
				}
			}
		})
	}
}

// TestNewPassesSpin checks that the spec's spin budget reaches every
// spinning lock the builder makes.
func TestNewPassesSpin(t *testing.T) {
	for _, w := range All() {
		s := DefaultSpec
		s.Workload, s.Lock, s.Workers, s.Spin = w.Name, "ticket", 2, 77
		wl, err := New(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, cl := range wl.Locks() {
			b, ok := cl.Lock.Unwrap().(interface{ SpinBudget() locks.Spin })
			if !ok || b.SpinBudget() != 77 {
				t.Errorf("%s: %s lock built without the spec's spin budget 77", w.Name, cl.Class)
			}
		}
	}
}

// TestPrivate builds the no-lock scaling floor: one private instance per
// worker, each the 1-worker model, and refuses it with a real lock.
func TestPrivate(t *testing.T) {
	for _, w := range All() {
		if !w.Takes(KnobLock) {
			continue // the kernel workloads take no lock of ours: no lock-free floor to build
		}
		one := DefaultSpec
		one.Workload, one.Lock, one.Workers = w.Name, locks.NoneName, 1
		one = one.WithDefaults()
		s := one
		s.Workers, s.Private = 3, true // FilePages stays the 1-worker instance's
		wl, err := New(s)
		if err != nil {
			t.Fatalf("%s: %v", w.Name, err)
		}
		ws := wl.Workers()
		if len(ws) != 3 {
			t.Fatalf("%s: %d workers, want 3", w.Name, len(ws))
		}
		for _, x := range ws {
			for range 50 {
				x.Step()
			}
		}
		if err := wl.Check(); err != nil {
			t.Errorf("%s: private instances broke an invariant: %v", w.Name, err)
		}
		one1, _ := New(one)
		if got, want := len(wl.Locks()), 3*len(one1.Locks()); got != want {
			t.Errorf("%s: %d locks, want %d: one instance's per worker", w.Name, got, want)
		}
		bad := s
		bad.Lock = "mcs"
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: a private spec with lock mcs validated; private instances run lock none only", w.Name)
		}
		shared := s
		shared.Private = false
		if err := shared.Validate(); err == nil {
			t.Errorf("%s: lock none with 3 shared workers validated", w.Name)
		}
	}
}
