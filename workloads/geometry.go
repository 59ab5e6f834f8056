package workloads

// queueDepth is how many steps' worth of bios a worker keeps in flight:
// the model's device completes a worker's bio queueDepth steps after it
// was submitted, so that the queue always holds requests.
const queueDepth = 2

// transientSteps bounds, in steps, the units one worker can hold outside
// the LRU at once, plus what its add can put on the LRU before its
// reclaim takes the excess off: in hand (1), isolated (2), in flight (3,
// between submit and complete), in its LRU add cache (2) and on its
// per-thread free list (3: it drains above that), plus 2 on the LRU
// beyond the limit; 13 in all, so a zone never runs dry.
const transientSteps = 16

// geometry is the model's sizing, derived from a Spec.
type geometry struct {
	unit        int    // base pages per unit: N with ModeInfo.LargeUnit (mode large), else 1
	step        int    // units per step: N with ModeInfo.Batched, else 1
	biosPerStep int    // bios per step: one per unit when the queue is taken per unit, else 1
	files       int    // 1 shared file, or one per worker
	fileUnits   uint64 // units per file
	chunks      uint64 // step-sized chunks a worker cycles through
	zoneWorkers []int  // workers homed on each zone
	zoneUnits   []int  // memmap units per zone
	zoneLimit   []int  // LRU size above which a worker reclaims
	units       int    // memmap units in all
}

// newGeometry sizes the model of s, whose mode must be registered.
func newGeometry(s Spec) geometry {
	m, _ := LookupMode(s.Mode)
	g := geometry{unit: 1, step: 1, biosPerStep: 1, files: 1}
	if m.LargeUnit {
		g.unit = s.Batch
	}
	if m.Batched {
		g.step = s.Batch
	}
	if m.perUnit(ClassQueue) {
		g.biosPerStep = g.step // one bio per unit
	}
	if !s.SharedFiles {
		g.files = s.Workers
	}
	g.fileUnits = uint64(s.FilePages / g.unit)
	g.chunks = g.fileUnits / uint64(g.step)
	if s.SharedFiles {
		g.chunks -= g.chunks % uint64(s.Workers) // workers read disjoint chunks
	}
	// The cache is a quarter of what one worker reads in a lap: of its
	// file, or of its share of a shared file. Sized on the whole shared
	// file instead, a worker that runs on alone while the others are
	// stalled (a barging lock's schedule) fills the LRU with its own pages
	// and, with four workers or more, finds its whole lap still cached:
	// every insert collides and the locks are taken for no page.
	limit := s.FilePages / 4 / g.unit
	if s.SharedFiles {
		limit /= s.Workers
	}
	zones := max(s.Zones, 1)
	g.zoneWorkers = make([]int, zones)
	for w := range s.Workers {
		g.zoneWorkers[w%zones]++
	}
	g.zoneUnits = make([]int, zones)
	g.zoneLimit = make([]int, zones)
	for z, wz := range g.zoneWorkers {
		g.zoneLimit[z] = max(1, limit/zones)
		if wz > 0 {
			g.zoneUnits[z] = g.zoneLimit[z] + wz*transientSteps*g.step
		}
		g.units += g.zoneUnits[z]
	}
	return g
}

// memory is the page data the model allocates, in bytes.
func (g geometry) memory() int64 { return int64(g.units) * int64(g.unit) * PageSize }

// Estimated bytes of one instrumented handle: its wait histogram (1 ns to
// 10 s at 2 significant figures) and one stack sample slot.
const (
	handleBytes = 28 << 10
	sampleBytes = 272
)

// overhead estimates the memory besides page data: radix-tree node pools
// and, unless bare, the instrumented handles (every worker of a zone holds
// one on each mapping lock of that zone when files are private).
func (g geometry) overhead(s Spec) int64 {
	nodes := int64(newRadixTreeSize(g.fileUnits, g.units)) * int64(g.files) * int64(unsafeSizeofNode)
	if s.Bare {
		return nodes
	}
	wz := int64(g.zoneWorkers[0])
	mapHandles := int64(1)
	stacks := int64(s.Instrument.MaxStacks)
	if !s.SharedFiles {
		mapHandles = wz
	}
	handles := int64(s.Workers) * (3 + mapHandles)
	return nodes + handles*(handleBytes+stacks*sampleBytes/max(1, mapHandles))
}
