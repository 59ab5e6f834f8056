package schema

import (
	"slices"
	"testing"
)

// TestFootprintUnits: the footprint's units are known to Lookup, as
// KindFootprint, and none is one of run's (Units), which TestWriterContract
// holds run's lines to exactly.
func TestFootprintUnits(t *testing.T) {
	for _, u := range FootprintUnits() {
		got, ok := Lookup(u.Name)
		if !ok || got != u || u.Kind != KindFootprint {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v of KindFootprint", u.Name, got, ok, u)
		}
		for _, per := range []string{PerPage, PerOp} {
			if slices.ContainsFunc(Units(per), func(x Unit) bool { return x.Name == u.Name }) {
				t.Errorf("%s is in Units(%s) too: run would have to write it", u.Name, per)
			}
		}
	}
	for _, k := range []string{ConfCacheSim, ConfCacheI1, ConfCacheD1, ConfCacheLL, ConfFootprintPages} {
		if !slices.Contains(ConfigKeys(), k) {
			t.Errorf("config key %q not in ConfigKeys", k)
		}
	}
}
