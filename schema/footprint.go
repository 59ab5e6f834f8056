package schema

// The footprint units: `lockbench footprint` writes them on lines named
// like run's (threads=1), measured under a cache simulator (cachegrind)
// or the PMU, per page of the model's steady state. They are not in
// Units: run never writes them, and Units is what a run line carries.
// Lookup knows them, so every reader takes them as declared.
const (
	UnitL1DMissPage = "l1d-miss/page" // L1d misses, reads and writes
	UnitL1DRefPage  = "l1d-ref/page"  // L1d references: data reads and writes
	UnitLLMissPage  = "ll-miss/page"  // last-level cache misses of data
	UnitInstrPage   = "instr/page"    // instructions executed
)

// FootprintUnits returns the units of a footprint line after ns/page, in
// the order they are written.
func FootprintUnits() []Unit {
	return []Unit{
		{UnitL1DMissPage, KindFootprint, false, "L1d misses (data reads and writes) per page of steady state, simulated (cachegrind) or counted (PMU: reads only)"},
		{UnitL1DRefPage, KindFootprint, false, "L1d references (data reads and writes) per page, simulated"},
		{UnitLLMissPage, KindFootprint, false, "last-level cache misses of data per page"},
		{UnitInstrPage, KindFootprint, false, "instructions executed per page"},
	}
}

// File configuration keys of a footprint run.
const (
	// ConfCacheSim says what counted the footprint: "cachegrind" with
	// valgrind's version, or "hardware" (the PMU).
	ConfCacheSim = "cache-sim"
	// ConfCacheI1, ConfCacheD1 and ConfCacheLL are the simulated caches'
	// geometry, from the machine's sysfs: "32768 B, 8-way, 64 B lines
	// (L1 Data)".
	ConfCacheI1 = "cache-i1"
	ConfCacheD1 = "cache-d1"
	ConfCacheLL = "cache-ll"
	// ConfFootprintPages is the two page counts of the differential
	// measurement ("2048,4096"): each line's figures are per page of the
	// difference.
	ConfFootprintPages = "footprint-pages"
)
