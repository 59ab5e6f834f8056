package headline

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/lockbench/lockbench/reports/cases"
	"github.com/lockbench/lockbench/reports/saving"
	"github.com/lockbench/lockbench/reports/stats"
	"github.com/lockbench/lockbench/schema"
)

// classWaits returns, per lock class of page's counted case, its
// wait-ns/page in page minus in batched, largest saving first; nil when
// either case has no class lines.
func classWaits(m *cases.Model, page, batched *cases.Case) []saving.ClassWait {
	cp, cb := m.Counted(page), m.Counted(batched)
	if cp == nil || cb == nil || len(cp.Classes) == 0 {
		return nil
	}
	var out []saving.ClassWait
	for _, pc := range cp.Classes {
		bc := cb.ClassCase(pc.Class)
		if bc == nil || !pc.Has(cases.WaitNSPage) || !bc.Has(cases.WaitNSPage) {
			continue
		}
		out = append(out, saving.ClassWait{Class: pc.Class, NS: stats.Float(pc.Median(cases.WaitNSPage) - bc.Median(cases.WaitNSPage))})
	}
	slices.SortStableFunc(out, func(a, b saving.ClassWait) int { return cmp.Compare(b.NS, a.NS) })
	return out
}

// partsInput gathers, from the case model, the decomposition's input of
// case c (L at c's threads): why says what is missing when ok is false.
func partsInput(m *cases.Model, c *cases.Case) (in saving.Input, alone, floor *cases.Case, why string) {
	in.Threads = c.Threads
	alone = m.Alone(c)
	if alone == nil || !alone.Has(cases.NSPage) {
		return in, nil, nil, fmt.Sprintf("no 1-thread case of %s to measure the lock instructions and contention from", m.Label(c))
	}
	floor = m.Floor(alone)
	if floor == nil || !floor.Has(cases.NSPage) {
		return in, alone, nil, fmt.Sprintf("no lock=%s 1-thread case of mode %s to measure the per-page work floor from", schema.FloorLock, c.Mode)
	}
	in.AtT, in.Alone, in.Floor = c.Samples[cases.NSPage], alone.Samples[cases.NSPage], floor.Samples[cases.NSPage]
	if c.Threads > 1 {
		if ft := m.FloorAt(c); ft != nil {
			in.FloorAtT = ft.Samples[cases.NSPage]
		}
	}
	in.Dispatch = floor.Samples[schema.UnitDispatch]
	if in.Acq = alone.Samples[cases.AcqPage]; len(in.Acq) == 0 {
		if cc := m.Counted(alone); cc != nil {
			in.Acq = cc.Samples[cases.AcqPage]
		}
	}
	in.Wait = c.Samples[cases.WaitNSPage]
	if cc := m.Counted(c); len(in.Wait) == 0 && cc != nil {
		in.Wait = cc.Samples[cases.WaitNSPage] // the counting repetition ran in another regime
	}
	return in, alone, floor, ""
}

// addSaving adds the saving split to headline h of batched case b against
// page case p, or a note saying why there is none.
func (f *finder) addSaving(h *Headline, b, p *cases.Case) {
	m := f.m
	if h.Metric != cases.NSPage {
		return
	}
	if _, locked := p.Name.Get(schema.KeyLock); !locked {
		// A kernel workload (fault, shmem) takes no lock of ours: there
		// is no lock part, and no lock=none floor to split with.
		return
	}
	if !slices.ContainsFunc(m.PageCache, (*cases.Case).IsFloor) {
		f.NoFloor = true // one warning for all (the summary's), not a note on each
		return
	}
	sp, why := CaseSaving(m, p, b)
	if why != "" {
		h.Notes = append(h.Notes, "no split of the saving: "+why)
		return
	}
	if sp.WaitingNS != nil && sp.Threads > 1 {
		sp.WaitingByClass = classWaits(m, p, b)
	}
	h.Saving = &sp // said by Headline.Full and the summary's table
	if cc := m.Counted(b); cc != nil {
		h.waitN = len(cc.Samples[cases.WaitNSPage])
	}
}

// LockPairs is how many blocks the saving split of batched case b
// against page case p would pair its lock part from (saving.Split's
// LockBlocks): the 1-thread blocks in which the lock's and the floor's
// page and batched slices all ran, none switched. It is cheap (no
// bootstrap), for the judge, which leaves the splits out (NoSaving); 0
// without a 1-thread case or a floor in the lock's blocks.
func LockPairs(m *cases.Model, p, b *cases.Case) int {
	_, palone, pfloor, why := partsInput(m, p)
	if why != "" {
		return 0
	}
	_, balone, bfloor, why := partsInput(m, b)
	if why != "" {
		return 0
	}
	v, ok := blockValues(cases.NSPage, palone, balone, pfloor, bfloor)
	if !ok {
		return 0
	}
	return len(v[0])
}

// CaseSaving is the saving split (saving.Of) of batched case b against
// page case p, from the model, with the 1-thread and floor cases it read
// named; why says what is missing ("" when the split is there). The
// headlines and the report's saving plot both split with it.
func CaseSaving(m *cases.Model, p, b *cases.Case) (sp saving.Split, why string) {
	pin, palone, pfloor, why := partsInput(m, p)
	if why != "" {
		return saving.Split{}, why
	}
	bin, balone, bfloor, why := partsInput(m, b)
	if why != "" {
		return saving.Split{}, why
	}
	// Page and batched of one lock and thread count share their blocks
	// (one comparison group): pair each input by block.
	pair := func(x, y *cases.Case) [2][]float64 {
		if x == nil || y == nil {
			return [2][]float64{}
		}
		pv, bv, ok := pairedValues(x, y, cases.NSPage)
		if !ok {
			return [2][]float64{}
		}
		return [2][]float64{pv, bv}
	}
	pairs := saving.BlockPairs{AtT: pair(p, b), Alone: pair(palone, balone), Floor: pair(pfloor, bfloor)}
	// A paired plan runs the floor's 1-thread slices in each 1-thread
	// block of the lock (harness): where they shared blocks, the lock part
	// is a difference within each block.
	if v, ok := blockValues(cases.NSPage, palone, balone, pfloor, bfloor); ok && len(v[0]) > 0 {
		pairs.OneThread = [4][]float64{v[0], v[1], v[2], v[3]}
	}
	if p.Threads > 1 {
		pairs.FloorAtT = pair(m.FloorAt(p), m.FloorAt(b))
	}
	sp, ok := saving.OfPaired(pin, bin, pairs)
	if !ok {
		return saving.Split{}, "the cases compared have no ns/page samples"
	}
	sp.WorkCase, sp.AloneCase = bfloor.Name.Case(), balone.Name.Case()
	sp.PageWorkCase, sp.PageAloneCase = pfloor.Name.Case(), palone.Name.Case()
	if b.Threads > 1 && !math.IsNaN(float64(sp.ScalingNS)) {
		sp.ScalingCase, sp.PageScalingCase = m.FloorAt(b).Name.Case(), m.FloorAt(p).Name.Case()
	}
	return sp, ""
}

// CaseParts is the counterfactual decomposition of case c (Decompose),
// or why there is none (no 1-thread case, no floor).
func CaseParts(m *cases.Model, c *cases.Case) (saving.Parts, string) {
	in, _, _, why := partsInput(m, c)
	if why != "" {
		return saving.Parts{}, why
	}
	return saving.Decompose(in), ""
}
