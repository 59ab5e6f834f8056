package main

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// FuzzFlags feeds the flag parsers (lists, whole-number lists, the delay
// syntax class=duration, fractions and finite floats) arbitrary text:
// none may panic, and what they accept must hold their contracts.
func FuzzFlags(f *testing.F) {
	for _, s := range []string{"1,2,4", "2,02", "16,+16", "zone=200ns,lru=1us", "zone=1h,zone=2h", "", ",", "5%", "0.05", "1e400", "NaN", "-Inf", "mcs, ticket", "9223372036854775808"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if items, err := parseList(s); err == nil {
			seen := map[string]bool{}
			for _, it := range items {
				if it == "" || it != strings.TrimSpace(it) || seen[it] {
					t.Fatalf("parseList(%q) = %q: empty, untrimmed or duplicate item", s, items)
				}
				seen[it] = true
			}
		}
		if ns, err := parseInts(s); err == nil {
			seen := map[int]bool{}
			for _, n := range ns {
				if seen[n] {
					t.Fatalf("parseInts(%q) = %v: %d twice", s, ns, n)
				}
				seen[n] = true
			}
		}
		if d, err := parseDelays(s); err == nil && s != "" && len(d) == 0 {
			t.Fatalf("parseDelays(%q) accepted nothing", s)
		}
		if v, err := parseFinite(s); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("parseFinite(%q) = %v, not finite", s, v)
		}
		if v, err := parseFraction(s); err == nil && !(v >= 0 && v <= 100) {
			t.Fatalf("parseFraction(%q) = %v, out of range", s, v)
		}
		var ff finiteFloat
		if err := ff.Set(s); err == nil {
			if _, err := strconv.ParseFloat(ff.String(), 64); err != nil {
				t.Fatalf("finiteFloat(%q).String() = %q does not parse back", s, ff.String())
			}
		}
	})
}
