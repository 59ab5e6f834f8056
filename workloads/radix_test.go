package workloads

import (
	"testing"

	"pgregory.net/rapid"
)

// TestRadixTreeMatchesMap runs random inserts, deletes and lookups on a
// radix tree and on a map side by side, for spans of one to four levels.
func TestRadixTreeMatchesMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		span := rapid.Uint64Range(1, 300000).Draw(t, "span")
		maxIndex := span - 1
		tr := newRadixTree(span, 1<<20)
		model := map[uint64]uint32{}
		idx := rapid.Uint64Range(0, maxIndex)
		t.Repeat(map[string]func(*rapid.T){
			"insert": func(t *rapid.T) {
				i, v := idx.Draw(t, "i"), rapid.Uint32Range(0, 1<<31).Draw(t, "v")
				_, had := model[i]
				if ok := tr.insert(i, v); ok == had {
					t.Fatalf("insert(%d) = %v with the index cached: %v", i, ok, had)
				}
				if !had {
					model[i] = v
				}
			},
			"insertNear": func(t *rapid.T) {
				// Dense runs, as a batch insert makes.
				i := idx.Draw(t, "i")
				for j := i; j < min(i+20, span); j++ {
					if _, had := model[j]; !had {
						if !tr.insert(j, uint32(j)) {
							t.Fatalf("insert(%d) failed on a free index", j)
						}
						model[j] = uint32(j)
					}
				}
			},
			"delete": func(t *rapid.T) {
				i := idx.Draw(t, "i")
				want, had := model[i]
				got, ok := tr.delete(i)
				if ok != had || got != want {
					t.Fatalf("delete(%d) = %d, %v; want %d, %v", i, got, ok, want, had)
				}
				delete(model, i)
			},
			"lookup": func(t *rapid.T) {
				i := idx.Draw(t, "i")
				want, had := model[i]
				if got, ok := tr.lookup(i); ok != had || got != want {
					t.Fatalf("lookup(%d) = %d, %v; want %d, %v", i, got, ok, want, had)
				}
			},
			"outOfRange": func(t *rapid.T) {
				i := span + rapid.Uint64Range(0, 1000).Draw(t, "past")
				if tr.insert(i, 1) {
					t.Fatalf("insert(%d) succeeded beyond span %d", i, span)
				}
			},
			"": func(t *rapid.T) {
				if err := tr.check(); err != nil {
					t.Fatal(err)
				}
				if tr.entries != len(model) {
					t.Fatalf("tree holds %d entries, map %d", tr.entries, len(model))
				}
			},
		})
		// Walk returns the entries in order, and deleting them all gives
		// every node back to the pool.
		prev, n := uint64(0), 0
		if err := tr.walk(func(i uint64, v uint32) bool {
			if n > 0 && i <= prev {
				t.Fatalf("walk: index %d after %d", i, prev)
			}
			if model[i] != v {
				t.Fatalf("walk: index %d holds %d, map %d", i, v, model[i])
			}
			prev, n = i, n+1
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if n != len(model) {
			t.Fatalf("walk saw %d entries, map holds %d", n, len(model))
		}
		for i := range model {
			tr.delete(i)
		}
		if len(tr.free) != len(tr.nodes)-1 || tr.entries != 0 {
			t.Fatalf("after deleting everything: %d of %d nodes free, %d entries; want all but the root free, 0 entries",
				len(tr.free), len(tr.nodes), tr.entries)
		}
	})
}

// TestRadixPoolCoversTheFullTree fills a tree completely: the pool sized
// at construction must never run dry.
func TestRadixPoolCoversTheFullTree(t *testing.T) {
	for _, span := range []uint64{1, 64, 65, 4096, 4097, 100000} {
		tr := newRadixTree(span, int(span))
		for i := range span {
			if !tr.insert(i, uint32(i)) {
				t.Fatalf("span %d: insert(%d) failed: pool of %d nodes too small", span, i, len(tr.nodes))
			}
		}
		if err := tr.check(); err != nil {
			t.Fatalf("span %d: %v", span, err)
		}
	}
}

// TestRadixCheckCatchesCorruption shows that check can fail.
func TestRadixCheckCatchesCorruption(t *testing.T) {
	tr := newRadixTree(10000, 10000)
	for i := range uint64(300) {
		tr.insert(i*31, uint32(i))
	}
	tr.freeNode(1) // node 1 is in use: now it is also free
	if err := tr.check(); err == nil {
		t.Fatal("check passed on a tree whose node is both used and free")
	}
}
