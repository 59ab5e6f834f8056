package workloads

import (
	"fmt"
	"slices"
	"strings"
)

// A Mode says how often the page-cache model takes each lock: the
// package doc's table, which replays the kernel's history from per-page
// locking to large folios. The modes are registered in modeTable.
type Mode string

// The modes, in historical order.
const (
	ModePage    Mode = "page"    // every lock per page (2.4)
	ModePagevec Mode = "pagevec" // LRU per batch, the rest per page (2.5 pagevec)
	ModeBatch   Mode = "batch"   // every lock once per batch (Morton's proposal, alloc_pages_bulk)
	ModePCP     Mode = "pcp"     // per-thread page lists refilled in batches, per-CPU LRU caches
	ModeLarge   Mode = "large"   // one N-page unit: the one-big-page ideal
)

// A ModeInfo describes a registered mode: what it stands for, and the
// settings of the model's step that make it take the locks as the
// package doc's table says. The step reads Step units and each unit is
// Unit base pages; every class not in PerUnit is taken once per step
// (a gang allocation, a batch insert, one bio).
type ModeInfo struct {
	Mode Mode
	Doc  string // one line: what is batched
	Era  string // the kernel (or proposal) the mode replays

	// LargeUnit makes a unit Batch base pages: one struct page, one tree
	// entry and one list link per unit (mode large). Otherwise a unit is
	// one page.
	LargeUnit bool
	// Batched makes a step read Batch units; otherwise a step reads one.
	Batched bool
	// PerUnit lists the classes taken once per unit of a step rather than
	// once per step. ClassQueue here means one bio per unit.
	PerUnit []Class
	// PerThread gives every worker a free list refilled from the zone and
	// drained to it in batches, and an LRU add cache drained when it
	// holds a step (the kernel's per-CPU page lists and LRU caches). It
	// replaces the zone lock's PerUnit setting.
	PerThread bool
}

// modeTable registers the modes, in historical order. Adding a mode is
// one entry here, a Mode constant, and its row in the package doc's table
// and the README's; TestModeRegistry names what is missing.
func modeTable() []ModeInfo {
	return []ModeInfo{
		{Mode: ModePage, Doc: "every lock per page", Era: "2.4",
			PerUnit: []Class{ClassZone, ClassMapping, ClassLRU, ClassQueue}},
		{Mode: ModePagevec, Doc: "LRU add and isolate per batch, the rest per page", Era: "2.5 pagevec",
			Batched: true, PerUnit: []Class{ClassZone, ClassMapping, ClassQueue}},
		{Mode: ModeBatch, Doc: "every lock once per batch: gang allocation, one bio", Era: "Morton's 2002 proposal, alloc_pages_bulk",
			Batched: true},
		{Mode: ModePCP, Doc: "per-thread free lists and LRU add caches, mapping per page, one bio", Era: "per-CPU page lists and pagevecs",
			Batched: true, PerUnit: []Class{ClassMapping}, PerThread: true},
		{Mode: ModeLarge, Doc: "one N-page unit: one struct, one entry, one link", Era: "large folios: the one-big-page ideal",
			LargeUnit: true},
	}
}

// Modes returns all modes in historical order.
func Modes() []Mode {
	var out []Mode
	for _, m := range modeTable() {
		out = append(out, m.Mode)
	}
	return out
}

// LookupMode returns the registered mode m. The error lists the valid
// modes.
func LookupMode(m Mode) (ModeInfo, error) {
	for _, i := range modeTable() {
		if i.Mode == m {
			return i, nil
		}
	}
	return ModeInfo{}, fmt.Errorf("unknown mode %q (known: %s)", m, modeList())
}

// perUnit reports whether the mode takes class c once per unit.
func (i ModeInfo) perUnit(c Class) bool { return slices.Contains(i.PerUnit, c) }

func modeList() string { return strings.Join(ModeStrings(Modes()), ", ") }

// ModeStrings returns the names of ms, in order: for flags, messages and
// configuration lines.
func ModeStrings(ms []Mode) []string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return s
}
