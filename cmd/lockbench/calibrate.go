package main

import (
	"fmt"
	"io"
	"time"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/host"
	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
)

func newCalibrateCmd() *cobra.Command {
	c := harness.DefaultCalibrator
	var lockList, affinity string
	var round time.Duration
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "calibrate",
		Short: "Measure one uncontended lock+unlock per algorithm, bare and instrumented",
		Long: `calibrate measures, on this machine, what one uncontended lock+unlock costs
through a lock Handle for each algorithm, bare and through the instrumented
wrapper that the run's counting repetitions use, and the difference: the
instrumentation's cost per acquisition. One pinned thread, alternating bare
and instrumented loops; each figure is the median of --count loops.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Round, c.Affinity = round, host.Affinity(affinity)
			var err error
			if lockList != "" {
				if c.Locks, err = parseList(lockList); err != nil {
					return usagef("--locks: %v", err)
				}
			}
			if err := c.Validate(); err != nil {
				return flagged(err)
			}
			cals, err := c.Run(cmd.Context())
			if err != nil {
				return failure(err)
			}
			return writeCalibration(cmd.OutOrStdout(), cals, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&lockList, "locks", "", "lock algorithms to measure, comma-separated (default: every one of 'lockbench list')")
	fl.DurationVar(&round, "duration", c.Round, "length of one timed loop")
	fl.IntVar(&c.Rounds, "count", c.Rounds, "timed loops of each kind per lock (the median is printed)")
	fl.StringVar(&affinity, "affinity", string(c.Affinity), "where the thread runs: compact or spread (the first CPU of that order), or none")
	fl.BoolVar(&asJSON, "json", false, "print the table as JSON")
	return cmd
}

// writeCalibration prints the calibration table: ns per lock+unlock, bare
// and instrumented, and the difference.
func writeCalibration(w io.Writer, cals []harness.Calibration, asJSON bool) error {
	if asJSON {
		type row struct {
			harness.Calibration
			Instrumentation float64 `json:"instrumentation_ns_per_acq"`
			Dispatch        float64 `json:"dispatch_ns_per_acq,omitempty"`
		}
		var rows []row
		for _, c := range cals {
			rows = append(rows, row{c, c.InstrumentationNS(), c.DispatchNS()})
		}
		return writeJSON(w, rows)
	}
	t := tablewriter.NewTable(w)
	t.Header("lock", "bare ns/acq", "instrumented ns/acq", "instrumentation ns/acq", "direct ns/acq", "dispatch ns/acq")
	for _, c := range cals {
		direct, dispatch := "—", "—"
		if c.DirectNS > 0 {
			direct, dispatch = fmt.Sprintf("%.2f", c.DirectNS), fmt.Sprintf("%+.2f", c.DispatchNS())
		}
		if err := t.Append(c.Lock, fmt.Sprintf("%.2f", c.BareNS), fmt.Sprintf("%.2f", c.InstNS), fmt.Sprintf("%+.2f", c.InstrumentationNS()), direct, dispatch); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "uncontended lock+unlock through a Handle (bare, instrumented) and by direct calls (direct: no interface dispatch, comparable with C), one pinned thread; median of the loops")
	return err
}
