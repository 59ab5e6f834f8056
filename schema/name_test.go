package schema

import (
	"slices"
	"testing"

	"golang.org/x/perf/benchfmt"
)

func TestParseNameRoundTrip(t *testing.T) {
	tests := []struct {
		in     string
		base   string
		keys   []KV
		procs  int
		reason string
	}{
		{"BenchmarkPageCache/mode=batch/batch=16/lock=mcs/threads=2-2", "PageCache",
			[]KV{{"mode", "batch"}, {"batch", "16"}, {"lock", "mcs"}, {"threads", "2"}}, 2, "the page-cache name harness writes"},
		{"BenchmarkCS/lock=mcs/lines=1/think=0/threads=2-8", "CS",
			[]KV{{"lock", "mcs"}, {"lines", "1"}, {"think", "0"}, {"threads", "2"}}, 8, "the cs name"},
		{"BenchmarkPageCache/mode=page/batch=1/lock=a/b/threads=1-2", "PageCache",
			[]KV{{"mode", "page"}, {"batch", "1"}, {"lock", "a/b"}, {"threads", "1"}}, 2, "a value with a slash is rejoined"},
		{"BenchmarkFoo/bar/x=1", "Foo/bar", []KV{{"x", "1"}}, 0, "a go test sub-benchmark without keys keeps its path in the base"},
		{"BenchmarkPlain", "Plain", nil, 0, "no parts"},
	}
	for _, tt := range tests {
		n := ParseName(benchfmt.Name(tt.in))
		if n.Base != tt.base || !slices.Equal(n.Keys, tt.keys) || n.Procs != tt.procs {
			t.Errorf("%s: ParseName(%q) = %+v; want base %q keys %v procs %d", tt.reason, tt.in, n, tt.base, tt.keys, tt.procs)
			continue
		}
		if got := n.Full(); got != tt.in {
			t.Errorf("%s: Full() = %q; want the input %q back", tt.reason, got, tt.in)
		}
		if got := "Benchmark" + string(n.Benchfmt()); got != tt.in {
			t.Errorf("%s: Benchfmt() = %q; want the input without its Benchmark prefix", tt.reason, n.Benchfmt())
		}
		if back := ParseName(n.Benchfmt()); back.Case() != n.Case() || back.Procs != n.Procs {
			t.Errorf("%s: ParseName(Benchfmt()) = %+v; want %+v back", tt.reason, back, n)
		}
	}
}

func TestNameAccessors(t *testing.T) {
	n := ParseName(benchfmt.Name("BenchmarkPageCache/mode=batch/batch=16/lock=mcs/threads=x-2"))
	if v, ok := n.Get(KeyLock); !ok || v != "mcs" {
		t.Errorf("Get(lock) = %q, %v", v, ok)
	}
	if v, ok := n.Int(KeyBatch); !ok || v != 16 {
		t.Errorf("Int(batch) = %d, %v", v, ok)
	}
	if _, ok := n.Int(KeyThreads); ok {
		t.Error("Int(threads) accepted a non-number")
	}
	if got, want := n.Without(KeyMode).Case(), "PageCache/batch=16/lock=mcs/threads=x"; got != want {
		t.Errorf("Without(mode).Case() = %q; want %q", got, want)
	}
}

func TestUnitsDeclaredOnce(t *testing.T) {
	for _, per := range []string{PerPage, PerOp} {
		seen := map[string]bool{}
		for _, u := range Units(per) {
			if seen[u.Name] {
				t.Errorf("unit %s declared twice", u.Name)
			}
			seen[u.Name] = true
			if got, ok := Lookup(u.Name); !ok || got != u {
				t.Errorf("Lookup(%q) = %+v, %v; want %+v", u.Name, got, ok, u)
			}
		}
	}
	if _, ok := Lookup("bogus/page"); ok {
		t.Error("Lookup accepted an undeclared unit")
	}
}

func TestIsKey(t *testing.T) {
	for _, k := range append(Keys(), ClassLockKey("zone")) {
		if !IsKey(k) {
			t.Errorf("IsKey(%q) = false", k)
		}
	}
	for _, k := range []string{"-lock", "bogus", ""} {
		if IsKey(k) {
			t.Errorf("IsKey(%q) = true", k)
		}
	}
}
