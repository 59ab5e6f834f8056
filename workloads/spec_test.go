package workloads

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	ok := DefaultSpec.WithDefaults()
	tests := []struct {
		name   string
		edit   func(*Spec)
		want   string // substring of the error; "" for valid
		reason string
	}{
		{"default", func(*Spec) {}, "", "DefaultSpec with defaults filled is valid"},
		{"cs", func(s *Spec) { s.Workload = CS; s.Mode = "nonsense" }, "", "cs ignores the page-cache knobs"},
		{"touch 0", func(s *Spec) { s.Touch = 0 }, "", "touching no data is allowed: it measures the locks and structs alone"},
		{"workload", func(s *Spec) { s.Workload = "pagecahe" }, `unknown workload "pagecahe" (known: pagecache, cs, fault, shmem)`, "a typo lists the valid names"},
		{"mode", func(s *Spec) { s.Mode = "folio" }, `unknown mode "folio" (known: page, pagevec, batch, pcp, large)`, "a typo lists the valid modes"},
		{"lock", func(s *Spec) { s.Lock = "spinlock" }, `lock: unknown lock "spinlock" (known:`, "the lock name is checked against the registry, with its list"},
		{"class lock", func(s *Spec) { s.ClassLocks = map[Class]string{ClassLRU: "nope"} }, `lock for class "lru": unknown lock "nope"`, "a per-class override is checked too"},
		{"class name", func(s *Spec) { s.ClassLocks = map[Class]string{"tree": "mutex"} }, `lock for class "tree": not a lock class of workload pagecache (classes: zone, mapping, lru, queue)`, "an unknown class is named with the valid ones"},
		{"cs class", func(s *Spec) { s.Workload = CS; s.ClassLocks = map[Class]string{ClassZone: "mutex"} }, `not a lock class of workload cs (classes: cs)`, "cs has one class"},
		{"none with 2", func(s *Spec) { s.Lock = "none"; s.Workers = 2; s.FilePages = 0; *s = s.WithDefaults() }, `valid for at most 1 worker(s)`, "a lock that excludes nothing is refused for several workers"},
		{"workers 0", func(s *Spec) { s.Workers = 0 }, "workers: must be between 1 and 1024, not 0", "no workers is no workload"},
		{"workers huge", func(s *Spec) { s.Workers = 5000 }, "workers: must be between 1 and 1024, not 5000", "absurd thread counts are refused"},
		{"batch 0", func(s *Spec) { s.Batch = 0 }, "batch: must be between 1 and 1024 pages, not 0", "a batch holds at least one page"},
		{"batch huge", func(s *Spec) { s.Batch = 1 << 20 }, "batch: must be between 1 and 1024 pages, not 1048576", "absurd batches are refused"},
		{"zones", func(s *Spec) { s.Zones = 0 }, "zones: must be between 1 and 64, not 0", "at least one zone"},
		{"touch neg", func(s *Spec) { s.Touch = -1 }, "touch: must be between 0 and 4096 bytes per page, not -1", "touch is a byte count within a page"},
		{"touch big", func(s *Spec) { s.Touch = 4097 }, "touch: must be between 0 and 4096 bytes per page, not 4097", "no more than a page"},
		{"file small", func(s *Spec) { s.FilePages = 100 }, "file-pages: must be between 256 (16 × batch × workers) and 262144, not 100", "the file must outgrow the cache so reads miss"},
		{"file needs too much", func(s *Spec) { s.Batch, s.Workers = 1024, 64; s.FilePages = 1 << 18 }, "batch 1024 with 64 workers needs files of 1048576 pages", "batch × workers beyond the file limit says what to shrink"},
		{"private handles", func(s *Spec) {
			s.Workers, s.Batch, s.SharedFiles = 512, 1, false
			s.FilePages = 0
			*s = s.WithDefaults()
		}, "for radix trees and lock instrumentation", "private files give every worker a handle on every file's lock: 512² instrumented handles are refused"},
		{"private bare", func(s *Spec) {
			s.Workers, s.Batch, s.SharedFiles, s.Bare = 512, 1, false, true
			s.FilePages = 0
			*s = s.WithDefaults()
		}, "", "bare locks carry no instrumentation, so the same spec fits"},
		{"delay neg", func(s *Spec) { s.Delay = map[Class]time.Duration{ClassZone: -time.Nanosecond} }, `delay for class "zone": must be between 0 and 1ms, not -1ns`, "a negative delay is a typo"},
		{"delay big", func(s *Spec) { s.Delay = map[Class]time.Duration{ClassZone: time.Second} }, `delay for class "zone": must be between 0 and 1ms, not 1s`, "a delay of a second per section would never finish"},
		{"delay class", func(s *Spec) { s.Delay = map[Class]time.Duration{ClassCS: time.Microsecond} }, `delay for class "cs": not a lock class of workload pagecache`, "a delay on a class the workload does not take"},
		{"lines", func(s *Spec) { s.Workload, s.Lines = CS, 0 }, "lines: must be between 1 and 4096, not 0", "a critical section writes at least one line"},
		{"think", func(s *Spec) { s.Workload, s.Think = CS, -3 }, "think: must be between 0 and 16777216 units, not -3", "think is a count of work units"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.edit(&s)
			err := s.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil: %s", err, tt.reason)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate = nil, want an error containing %q: %s", tt.want, tt.reason)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate = %q, want it to contain %q: %s", err, tt.want, tt.reason)
			case err != nil && strings.Contains(err.Error(), "\n"):
				t.Fatalf("Validate = %q: an input error is one line", err)
			}
			// New fills zero knobs first, then refuses exactly what
			// Validate refuses.
			_, nerr := New(s)
			if verr := s.WithDefaults().Validate(); (nerr == nil) != (verr == nil) {
				t.Fatalf("New = %v but Validate after WithDefaults = %v", nerr, verr)
			}
		})
	}
}

func TestWithDefaults(t *testing.T) {
	s := Spec{Workers: 4}.WithDefaults()
	if s.Workload != PageCache || s.Mode != ModeBatch || s.Batch != 16 || s.Zones != 1 || s.Lock != "mutex" || s.Lines != 1 {
		t.Errorf("WithDefaults = %+v: want pagecache, batch, 16, 1 zone, mutex, 1 line", s)
	}
	if s.FilePages != 1024 {
		t.Errorf("FilePages = %d, want 1024 (the floor, above 16 × 16 × 4)", s.FilePages)
	}
	if s.Touch != 0 || s.SharedFiles {
		t.Errorf("WithDefaults changed Touch or SharedFiles, whose zero values mean something")
	}
	if big := (Spec{Workers: 16, Batch: 64}).WithDefaults(); big.FilePages != 16*16*64 {
		t.Errorf("FilePages = %d for 16 workers × batch 64, want %d", big.FilePages, 16*16*64)
	}
	// The default model stays small: a few MB of page data.
	for _, m := range Modes() {
		s := DefaultSpec
		s.Mode, s.Workers = m, 4
		if mem := newGeometry(s.WithDefaults()).memory(); mem > 8<<20 {
			t.Errorf("mode %s with 4 workers allocates %d MiB of page data, want at most 8", m, mem>>20)
		}
	}
}
