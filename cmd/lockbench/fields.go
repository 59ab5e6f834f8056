package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/workloads"
)

// This file names the library's fields by the flags that set them
// (flagged: "--batch: ..." for harness.FieldBatches), for every command
// that turns flags into a harness value, and parses the flags' lists.

// A knobFlag is the flag of a workload knob that only some workloads
// take (workloads.Info.Knobs).
type knobFlag struct {
	knob workloads.Knob
	flag string
	// zeroIsDefault marks a knob whose zero in workloads.Spec means "the
	// default" (Spec.WithDefaults), so that library users may leave it
	// unset. On the command line a 0 is a number the user typed, and
	// would silently run the default while results.txt said 0: the flag
	// refuses it, as it refuses -1, and the library keeps its zero value.
	zeroIsDefault bool
}

// knobFlags lists the flags of the knobs, in the order their "applies to
// --workload" errors are checked.
func knobFlags() []knobFlag {
	return []knobFlag{
		{workloads.KnobMode, "modes", false}, {workloads.KnobBatch, "batch", false}, {workloads.KnobFiles, "files", false},
		{workloads.KnobZones, "zones", true}, {workloads.KnobTouch, "touch", false}, {workloads.KnobFilePages, "file-pages", false},
		{workloads.KnobLines, "lines", true}, {workloads.KnobThink, "think", false},
	}
}

// A classLockFlag is the flag overriding one class's lock.
type classLockFlag struct {
	class       workloads.Class
	flag, usage string
}

// classLockFlags lists the class lock flags in path order.
func classLockFlags() []classLockFlag {
	return []classLockFlag{
		{workloads.ClassZone, "zone-lock", "lock for the zone class in every case (overrides --locks for it)"},
		{workloads.ClassMapping, "mapping-lock", "lock for the mapping class in every case"},
		{workloads.ClassLRU, "lru-lock", "lock for the LRU class in every case"},
		{workloads.ClassQueue, "queue-lock", "lock for the block-queue class in every case"},
	}
}

// fieldFlag returns the flag that sets a harness.FieldError's field.
func fieldFlag(field string) (string, bool) {
	switch field {
	case harness.FieldWorkload:
		return "workload", true
	case harness.FieldLocks:
		return "locks", true
	case harness.FieldModes:
		return "modes", true
	case harness.FieldBatches:
		return "batch", true
	case harness.FieldThreads:
		return "threads", true
	case harness.FieldCount:
		return "count", true
	case harness.FieldOrder:
		return "order", true
	case harness.FieldDuration:
		return "duration", true
	case harness.FieldWarmup:
		return "warmup", true
	case harness.FieldTurn:
		return "turn", true
	case harness.FieldRewarm:
		return "rewarm", true
	case harness.FieldGrace:
		return "watchdog", true
	case harness.FieldAffinity:
		return "affinity", true
	case harness.FieldPlacement:
		return "placement", true
	case harness.FieldShard:
		return "shard", true
	case harness.FieldMachine:
		return "machine", true
	case harness.FieldRunID:
		return "run-id", true
	case harness.FieldNode:
		return "node", true
	case harness.FieldTiming:
		return "timing", true
	case harness.FieldBudget:
		return "budget", true
	case harness.FieldTarget:
		return "target-ci", true
	case harness.FieldLabels:
		return "profile", true
	case harness.FieldClassLabels:
		return "profile-classes", true
	case string(workloads.KnobDelay):
		return "delay", true
	}
	for _, k := range knobFlags() {
		if string(k.knob) == field {
			return k.flag, true
		}
	}
	for _, c := range classLockFlags() {
		if harness.ClassLockField(c.class) == field {
			return c.flag, true
		}
	}
	return "", false
}

// flagged marks a library error as bad input, naming the flag of the
// field it is about: "--batch: must be between 1 and 1024 pages, not 0".
func flagged(err error) error {
	fe, ok := errors.AsType[*harness.FieldError](err)
	if !ok {
		return usage(err)
	}
	flag, ok := fieldFlag(fe.Field)
	switch {
	case !ok:
		return usage(err)
	case fe.Value != "":
		return usagef("--%s %s: %v", flag, fe.Value, fe.Err)
	default:
		return usagef("--%s: %v", flag, fe.Err)
	}
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ",")
}

// parseList splits a comma-separated list, refusing empty items and
// duplicates.
func parseList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty list")
	}
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("malformed list %q: empty item", s)
		}
		if slices.Contains(out, item) {
			return nil, fmt.Errorf("malformed list %q: %q twice", s, item)
		}
		out = append(out, item)
	}
	return out, nil
}

// parseInts parses a list of whole numbers, refusing a number given
// twice however it is spelled ("2,02", "16,+16"); their range is the
// library's to check.
func parseInts(s string) ([]int, error) {
	items, err := parseList(s)
	if err != nil {
		return nil, err
	}
	var out []int
	for i, it := range items {
		n, err := strconv.Atoi(it)
		if err != nil {
			return nil, fmt.Errorf("malformed list %q: %q is not a whole number", s, it)
		}
		if j := slices.Index(out, n); j >= 0 {
			return nil, fmt.Errorf("malformed list %q: %q and %q are both %d", s, items[j], items[i], n)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseDelays parses class=duration,... .
func parseDelays(s string) (map[workloads.Class]time.Duration, error) {
	if s == "" {
		return nil, nil
	}
	items, err := parseList(s)
	if err != nil {
		return nil, err
	}
	out := map[workloads.Class]time.Duration{}
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		if !ok {
			return nil, fmt.Errorf("malformed item %q: want class=duration, e.g. zone=200ns", it)
		}
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("malformed duration in %q: want e.g. 200ns or 1us", it)
		}
		cl := workloads.Class(strings.TrimSpace(k))
		if _, dup := out[cl]; dup {
			return nil, fmt.Errorf("class %s given twice", cl)
		}
		out[cl] = d
	}
	return out, nil
}
