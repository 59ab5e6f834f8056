package harness

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
			pairs := probePairs(cpus)
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
	if got := probePairs([]int{3, 3, 3}); len(got) != 0 {
		t.Errorf("probePairs of workers on one CPU = %v, want none: no line moves between CPUs", got)
	}
	if got := probePairs([]int{0, 1, 0, 1}); !slices.Equal(got, [][2]int{{0, 1}}) {
		t.Errorf("probePairs(0,1,0,1) = %v, want the one pair of distinct CPUs", got)
	}
}

// TestSpeedProbeChase checks the chase is one cycle through every line
// of its buffer (the prefetcher cannot guess it, and no round revisits a
// line another round just brought in), and that a measurement is
// positive and finite on every CPU asked for (its size is the machine's).
func TestSpeedProbeChase(t *testing.T) {
	p := newSpeedProbe(1)
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
	s := p.measure([]int{0})
	if !(s.NS > 0 && s.MemNS > 0 && s.NS >= s.MemNS) || s.NS > 1e9 {
		t.Errorf("measure = %+v, want positive, finite, speed-ns >= its memory part", s)
	}
	t.Logf("speed-ns %.1f, mem-ns %.1f", s.NS, s.MemNS)
}

// TestRunDelay: the workers' run delay is read where the kernel reports
// it, and a repetition's share of waiting for a CPU lies in [0, 1] (the
// edges' reads may add a little; how much it is depends on the machine).
func TestRunDelay(t *testing.T) {
	if _, ok := runDelay(); !ok {
		t.Skip("no /proc/thread-self/schedstat (CONFIG_SCHEDSTATS off)")
	}
	r := testRunner()
	res, err := r.Run(t.Context(), testCase(2))
	if err != nil {
		t.Fatal(err)
	}
	if res.RunDelay < 0 || res.RunDelay > 1.1 {
		t.Errorf("RunDelay = %v, want a share of the window in [0, 1]", res.RunDelay)
	}
	t.Logf("run delay %.3f of the window", res.RunDelay)
}
