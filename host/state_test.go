package host

import (
	"slices"
	"testing"
)

// TestProbePairsAreWorkers is the done-when: on the 2-socket SMT
// tree, every placement's probe pairs are pairs of its workers' CPUs —
// all of them for small thread counts, a sample spanning the farthest
// workers for large ones.
func TestProbePairsAreWorkers(t *testing.T) {
	topo := readTree(t, "intel-2s-smt")
	for _, p := range Placements() {
		for _, n := range []int{2, 3, 4, 8, 16} {
			cpus := first(topo, p, n)
			pairs := ProbePairs(cpus)
			want := n * (n - 1) / 2
			if n > 4 {
				want = maxProbePairs
			}
			if len(pairs) != want {
				t.Errorf("%s, %d threads: %d pairs, want %d", p, n, len(pairs), want)
			}
			rels := map[string]bool{}
			for _, pr := range pairs {
				if !slices.Contains(cpus, pr[0]) || !slices.Contains(cpus, pr[1]) || pr[0] == pr[1] {
					t.Errorf("%s, %d threads: pair %v is not two of the workers' CPUs %v", p, n, pr, cpus)
				}
				rels[topo.Relation(pr[0], pr[1])] = true
			}
			workerRels := map[string]bool{}
			for i := range cpus {
				for j := i + 1; j < len(cpus); j++ {
					workerRels[topo.Relation(cpus[i], cpus[j])] = true
				}
			}
			if workerRels["remote"] && !rels["remote"] {
				t.Errorf("%s, %d threads: workers span sockets, the pairs %v do not", p, n, pairs)
			}
		}
	}
	if got := ProbePairs([]int{3, 3, 3}); len(got) != 0 {
		t.Errorf("ProbePairs of workers on one CPU = %v, want none: no line moves between CPUs", got)
	}
	if got := ProbePairs([]int{0, 1, 0, 1}); !slices.Equal(got, [][2]int{{0, 1}}) {
		t.Errorf("ProbePairs(0,1,0,1) = %v, want the one pair of distinct CPUs", got)
	}
}

// TestSpeedProbeChase checks the chase is one cycle through every line
// of its buffer (the prefetcher cannot guess it, and no round revisits a
// line another round just brought in), and that a measurement is
// positive and finite on every CPU asked for (its size is the machine's).
func TestSpeedProbeChase(t *testing.T) {
	p := NewSpeedProbe(1)
	nodes := chaseBytes / chaseLine
	seen := make([]bool, nodes)
	at := uint64(0)
	for i := range nodes {
		node := at / (chaseLine / 8)
		if seen[node] {
			t.Fatalf("the chase returns to line %d after %d steps, want %d", node, i, nodes)
		}
		seen[node] = true
		at = p.next[at]
	}
	if at != 0 {
		t.Fatalf("the chase does not close after %d steps", nodes)
	}
	for _, c := range [][]uint64{p.warm, p.core} {
		n, at := len(c)/(chaseLine/8), uint64(0)
		for range n - 1 {
			if at = c[at]; at == 0 {
				t.Fatalf("a %d-line chase closes early", n)
			}
		}
		if c[at] != 0 {
			t.Fatalf("a %d-line chase does not close after %d steps", n, n)
		}
	}
	s := p.Measure([]int{0})
	if !(s.NS > 0 && s.MemNS > 0 && s.NS >= s.MemNS) || s.NS > 1e9 || !(s.CacheNS > 0 && s.CoreNS > 0) {
		t.Errorf("Measure = %+v, want positive, finite, speed-ns >= its memory part, a cache and a core chase", s)
	}
	t.Logf("speed-ns %.1f, mem-ns %.1f, cache-ns %.1f, core-ns %.1f", s.NS, s.MemNS, s.CacheNS, s.CoreNS)
}
