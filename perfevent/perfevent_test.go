package perfevent

import (
	"encoding/binary"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/lockbench/lockbench/schema"
)

// Reads of a hardware group leader (cycles, instructions, l1d-misses,
// llc-misses, branch-misses) opened with PERF_FORMAT_GROUP |
// TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING, as an x86-64 machine returns
// them: little-endian u64s nr, time_enabled, time_running, then the five
// values in the group's order.
const (
	// All five counted for the whole window (1 ms): no scaling.
	readWhole = "0500000000000000" + "40420f0000000000" + "40420f0000000000" +
		"00e1f50500000000" + "00c2eb0b00000000" + "a086010000000000" + "1027000000000000" + "e803000000000000"
	// Multiplexed: the group ran a quarter of the 2 ms it was enabled.
	readQuarter = "0500000000000000" + "80841e0000000000" + "20a1070000000000" +
		"00e1f50500000000" + "00c2eb0b00000000" + "a086010000000000" + "1027000000000000" + "e803000000000000"
	// Enabled but never scheduled: time_running 0.
	readNever = "0500000000000000" + "40420f0000000000" + "0000000000000000" +
		"0000000000000000" + "0000000000000000" + "0000000000000000" + "0000000000000000" + "0000000000000000"
)

func TestDecodeGroupRead(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the recorded reads are little-endian")
	}
	tests := []struct {
		name, read string
		events     int
		want       []float64
		err        string
		reason     string
	}{
		{"whole", readWhole, 5, []float64{1e8, 2e8, 1e5, 1e4, 1e3}, "", "counted all along: the counts as read"},
		{"quarter", readQuarter, 5, []float64{4e8, 8e8, 4e5, 4e4, 4e3}, "", "running a quarter of the time enabled: scaled by 4, as perf stat does"},
		{"never", readNever, 5, []float64{0, 0, 0, 0, 0}, "", "never scheduled: no count, not a division by zero"},
		{"short", readWhole[:len(readWhole)-16], 5, nil, "got 56 bytes, want 64", "a short read is refused, not read as zeros"},
		{"other group", readWhole, 4, nil, "got 64 bytes, want 56", "a read of another group's size"},
	}
	for _, tt := range tests {
		buf, err := hex.DecodeString(tt.read)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeGroupRead(buf, tt.events)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q (%s)", tt.name, err, tt.err, tt.reason)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		for i := range tt.want {
			if got[i] != tt.want[i] {
				t.Errorf("%s: event %d (%s) = %v, want %v (%s)", tt.name, i, hardwareEvents()[i].unit, got[i], tt.want[i], tt.reason)
			}
		}
	}
	// nr disagreeing with the group: the read is not this group's.
	buf, _ := hex.DecodeString(readWhole)
	buf[0] = 4
	if _, err := decodeGroupRead(buf, 5); err == nil || !strings.Contains(err.Error(), "group has 4 events, want 5") {
		t.Errorf("nr 4 for a group of 5: %v", err)
	}
}

// TestUnitsDeclared: every unit a group writes is one of schema's
// counters, and the hardware group's are schema's hardware counters. A
// counter added here alone fails.
func TestUnitsDeclared(t *testing.T) {
	for _, u := range Units() {
		if !slices.Contains(schema.Counters(), u) {
			t.Errorf("counter %q is written but not declared in schema.Counters", u)
		}
	}
	for _, u := range HardwareUnits() {
		if !slices.Contains(schema.HardwareCounters(), u) {
			t.Errorf("hardware counter %q is not in schema.HardwareCounters", u)
		}
	}
}
