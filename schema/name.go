package schema

import (
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A KV is one key=value part of a benchmark name.
type KV struct{ Key, Value string }

// A Name is a benchmark name split once, by one rule, for every reader.
type Name struct {
	Base  string // without "Benchmark": "PageCache", "CS", or a go test benchmark's
	Keys  []KV   // key=value parts in order
	Procs int    // the -GOMAXPROCS suffix; 0 when absent
}

// ParseName splits a benchmark name. A part without '=' continues the
// previous key's value: benchfmt splits "lock=a/b" at the slash, and the
// value is "a/b". Parts before the first key=value part belong to the
// base ("Foo/bar" for a go test sub-benchmark without keys).
func ParseName(n benchfmt.Name) Name {
	base, parts := n.Parts()
	out := Name{Base: strings.TrimPrefix(string(base), "Benchmark")}
	for _, p := range parts {
		s := string(p)
		if strings.HasPrefix(s, "-") {
			if n, err := strconv.Atoi(s[1:]); err == nil {
				out.Procs = n
			}
			continue
		}
		s = strings.TrimPrefix(s, "/")
		if k, v, ok := strings.Cut(s, "="); ok {
			out.Keys = append(out.Keys, KV{k, v})
		} else if len(out.Keys) > 0 {
			out.Keys[len(out.Keys)-1].Value += "/" + s
		} else {
			out.Base += "/" + s
		}
	}
	return out
}

// Get returns the value of key k.
func (n Name) Get(k string) (string, bool) {
	for _, kv := range n.Keys {
		if kv.Key == k {
			return kv.Value, true
		}
	}
	return "", false
}

// Int returns the value of key k as a positive integer; ok is false when
// it is absent or not one.
func (n Name) Int(k string) (v int, ok bool) {
	s, found := n.Get(k)
	if !found {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, false
	}
	return v, true
}

// Case is the name without "Benchmark" and the GOMAXPROCS suffix:
// "PageCache/mode=batch/batch=16/lock=mcs/threads=2". Repetitions of a
// case share it.
func (n Name) Case() string {
	var b strings.Builder
	b.WriteString(n.Base)
	for _, kv := range n.Keys {
		b.WriteString("/" + kv.Key + "=" + kv.Value)
	}
	return b.String()
}

// Without returns n without the keys ks (a projection, as benchstat's
// -col removes a key from the row).
func (n Name) Without(ks ...string) Name {
	out := Name{Base: n.Base, Procs: n.Procs}
	for _, kv := range n.Keys {
		drop := false
		for _, k := range ks {
			drop = drop || kv.Key == k
		}
		if !drop {
			out.Keys = append(out.Keys, kv)
		}
	}
	return out
}

// Full is the name as written on a result line: "Benchmark" + Case +
// "-Procs" (no suffix when Procs is 0).
func (n Name) Full() string {
	s := "Benchmark" + n.Case()
	if n.Procs > 0 {
		s += "-" + strconv.Itoa(n.Procs)
	}
	return s
}

// Benchfmt is the name as a benchfmt.Result holds it: Full without the
// "Benchmark" prefix, which benchfmt's Writer adds and its Reader strips.
func (n Name) Benchfmt() benchfmt.Name {
	return benchfmt.Name(strings.TrimPrefix(n.Full(), "Benchmark"))
}

// IsClass reports whether n names a class line: one lock class's share of
// a case, with a KeyClass key. Readers that judge cases leave class lines
// out unless asked for them (see KeyClass).
func (n Name) IsClass() bool {
	_, ok := n.Get(KeyClass)
	return ok
}

// IsSwitched reports whether n names a repetition whose machine changed
// under it or is unknown (KeyRegime is RegimeSwitched or RegimeUnprobed):
// two machines in one line, kept in the file but left out of every
// statistic.
func (n Name) IsSwitched() bool {
	v, _ := n.Get(KeyRegime)
	return v == RegimeSwitched || v == RegimeUnprobed
}

// Group is the comparison group of the case n names: the name without the
// mode, batch and regime keys ("PageCache/lock=mcs/threads=2"). The
// cases of one paired block share it (harness's Case.Group), and the
// judge of an adaptive run (reports' Pending) names groups by it.
func (n Name) Group() string { return n.Without(KeyMode, KeyBatch, KeyRegime).Case() }

// IsClassLine reports whether the result named n is a class line
// (Name.IsClass). It is the one answer to the question for every reader.
func IsClassLine(n benchfmt.Name) bool { return ParseName(n).IsClass() }

// IsSwitched reports whether the result named n ran while the machine
// changed regime, or unprobed (Name.IsSwitched).
func IsSwitched(n benchfmt.Name) bool { return ParseName(n).IsSwitched() }
