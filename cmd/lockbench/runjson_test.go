package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/reports"
	"github.com/lockbench/lockbench/schema"
)

// pairedLines is a synthetic paired run of mcs at 1 and 2 threads with
// the floor, blocks of page, batch and large: the 2-thread blocks in the
// llc regime (xfer 25 ns) or, in every third block when twoRegimes, the
// xllc one (170 ns, everything 3 times slower); batch truly 0.4 and
// large 0.25 of page; ±2% noise by a fixed pattern.
func pairedLines(blocks int, twoRegimes bool) []*benchfmt.Result {
	var out []*benchfmt.Result
	block := 0
	line := func(name string, ns, xfer float64) {
		d := 1 + 0.02*float64(len(out)%5-2)/2
		out = append(out, &benchfmt.Result{Name: benchfmt.Name(name), Iters: 1000, Values: []benchfmt.Value{
			{Value: ns * d, Unit: "ns/" + schema.PerPage}, {Value: xfer, Unit: schema.UnitXfer}, {Value: float64(block), Unit: schema.UnitBlock}}})
	}
	ratio := map[string]float64{"page": 1, "batch": 0.4, "large": 0.25}
	for b := range blocks {
		reg, xfer, slow := schema.RegimeLLC, 25.0, 1.0
		if twoRegimes && b%3 == 2 {
			reg, xfer, slow = schema.RegimeXLLC, 170.0, 3.0
		}
		block++
		for _, mode := range []string{"page", "batch", "large"} {
			line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=2/regime=%s-2", mode, reg), 600*slow*ratio[mode], xfer)
		}
		block++
		for _, mode := range []string{"page", "batch", "large"} {
			line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=mcs/threads=1-2", mode), 200*ratio[mode], 30)
		}
		block++
		for _, mode := range []string{"page", "batch", "large"} {
			line(fmt.Sprintf("PageCache/mode=%s/batch=16/lock=none/threads=1-2", mode), 120*ratio[mode], 30)
		}
	}
	return out
}

// TestRunJSONHeadlines: run --json's document (writeSummary, as run
// prints it) gives every contended headline its regime when the run saw
// two, none when it saw one, and every headline its delta, p, interval
// (delta_lo, delta_hi), efficiency and saving split, by their JSON names.
func TestRunJSONHeadlines(t *testing.T) {
	tests := []struct {
		twoRegimes bool
		regimes    []string // of the 2-thread batch headlines
		reason     string
	}{
		{true, []string{schema.RegimeLLC, schema.RegimeXLLC}, "two regimes: one headline per regime, each naming it"},
		{false, []string{""}, "one regime: one headline, no regime field"},
	}
	for _, tt := range tests {
		lines := pairedLines(24, tt.twoRegimes)
		var buf bytes.Buffer
		sum, err := reports.Summarize(lines)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeSummary(&buf, sum, harness.Outcome{Lines: lines, Done: len(lines), Cases: len(lines)}, false, true, false); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Headlines []map[string]any `json:"headlines"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("%s: not one JSON document: %v\n%s", tt.reason, err, buf.String())
		}
		var regimes []string
		n := 0
		for _, h := range doc.Headlines {
			if h["mode"] != "batch" {
				continue
			}
			n++
			reg, has := h["regime"]
			if h["threads"] == "2" {
				s, _ := reg.(string)
				regimes = append(regimes, s)
			} else if has {
				t.Errorf("%s: 1-thread headline carries regime %v; it moves no cache line", tt.reason, reg)
			}
			for _, k := range []string{"delta", "p", "delta_lo", "delta_hi", "efficiency"} {
				if _, ok := h[k].(float64); !ok {
					t.Errorf("%s: headline %q: %s = %v, want a number", tt.reason, h["text"], k, h[k])
				}
			}
			if lo, d, hi := h["delta_lo"], h["delta"], h["delta_hi"]; lo.(float64) > d.(float64) || d.(float64) > hi.(float64) {
				t.Errorf("%s: interval [%v, %v] does not hold the delta %v", tt.reason, lo, hi, d)
			}
			if d := h["delta"].(float64); d > -0.55 || d < -0.65 {
				t.Errorf("%s: delta %v, want about -0.6 (batch is 0.4 of page)", tt.reason, d)
			}
			sp, ok := h["saving"].(map[string]any)
			if !ok {
				t.Errorf("%s: headline %q has no saving split: %v", tt.reason, h["text"], h["saving"])
				continue
			}
			for _, k := range []string{"lock_ns", "contention_ns", "work_ns", "total_ns", "unit"} {
				if _, ok := sp[k]; !ok {
					t.Errorf("%s: saving lacks %s: %v", tt.reason, k, sp)
				}
			}
		}
		if n != len(tt.regimes)+1 {
			t.Errorf("%s: %d batch headlines, want one per regime at 2 threads and one at 1 thread", tt.reason, n)
		}
		if fmt.Sprint(regimes) != fmt.Sprint(tt.regimes) {
			t.Errorf("%s: 2-thread batch headlines in regimes %q, want %q", tt.reason, regimes, tt.regimes)
		}
	}
}
