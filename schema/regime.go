package schema

// The machine regime of a repetition (issue 11). On small VMs the host
// moves the vCPUs between a shared and a separate last-level cache within
// seconds, and every contended case is then a mixture of two machines:
// mcs, page, 2 threads measured 186-264 ns/page where the xfer-ns probe
// read about 25 ns and 662-724 ns/page where it read about 170 ns. The
// regime is that probe turned into a label, written as the name key
// KeyRegime so that benchstat, compare and gate never pool two regimes in
// one cell unless asked to (benchstat -ignore /regime pools them; so does
// a projection without the key).
//
// The label comes from fixed bands of xfer-ns (RegimeOf), not from a fit
// to each run, so that "llc" means the same cores sharing the same cache
// in every run of a machine, and a baseline's "llc" is compared with a
// new run's "llc". The band edges sit on a log scale between the physical
// tiers of a cache-line transfer:
//
//	smt     xfer <  14 ns   sibling hyperthreads sharing one L1/L2
//	llc     14 <= xfer <  70 ns   cores sharing a last-level cache
//	xllc    70 <= xfer < 350 ns   separate last-level caches (cross-CCX, cross-die)
//	remote  xfer >= 350 ns  cross-socket, or a host too busy to run both vCPUs
//
// Observed on the 2-vCPU KVM guests lockbench was built on: regimes at
// ~25 and ~170 ns (llc and xllc), at 48 and 240 ns on another day (llc
// and xllc again), one run at 210-260 ns with excursions to 430-490 ns
// (xllc and remote). Every observed cluster lies at least 1.4x from an
// edge (48 against 70, 240 against 350), while one cluster's own spread
// is about +-10%, so a steady regime does not flicker between labels.
const (
	KeyRegime = "regime" // name key; follows the other keys (Keys)

	RegimeSMT    = "smt"
	RegimeLLC    = "llc"
	RegimeXLLC   = "xllc"
	RegimeRemote = "remote"
	// RegimeSwitched labels a repetition whose probes before and after it
	// fall in different bands: the machine changed under it. Its line is
	// kept in the file but left out of every statistic, and it is run
	// again.
	RegimeSwitched = "switched"
	// RegimeUnprobed labels a contended repetition neither of whose
	// probes finished (both probe threads never ran at once): its
	// machine is unknown, and it is left out like a switched one.
	RegimeUnprobed = "unprobed"
)

// regimeEdges are the upper band edges in ns of RegimeSMT, RegimeLLC and
// RegimeXLLC; above the last is RegimeRemote.
var regimeEdges = [...]float64{14, 70, 350}

// Regimes lists the regime labels in order of increasing transfer time.
func Regimes() []string { return []string{RegimeSMT, RegimeLLC, RegimeXLLC, RegimeRemote} }

// RegimeOf returns the regime label of a cache-line transfer time in ns,
// by the fixed bands above; "" for a probe that did not run (xfer <= 0).
func RegimeOf(xferNS float64) string {
	switch {
	case !(xferNS > 0):
		return ""
	case xferNS < regimeEdges[0]:
		return RegimeSMT
	case xferNS < regimeEdges[1]:
		return RegimeLLC
	case xferNS < regimeEdges[2]:
		return RegimeXLLC
	}
	return RegimeRemote
}

// RegimeBefore reports whether regime a comes before b in Regimes order
// (unknown labels last, by name), for sorting.
//
// State labels (StateLabel, joined by "+") come in order of their parts'
// values: "xfer-25ns" before "xfer-160ns".
func RegimeBefore(a, b string) bool {
	if c, ok := compareStates(a, b); ok {
		return c < 0
	}
	ia, ib := regimeIndex(a), regimeIndex(b)
	if ia != ib {
		return ia < ib
	}
	return a < b
}

func regimeIndex(r string) int {
	for i, x := range Regimes() {
		if x == r {
			return i
		}
	}
	return len(Regimes())
}
