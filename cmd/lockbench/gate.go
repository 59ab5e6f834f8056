package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/lockbench/lockbench/reports/compare"
	"github.com/spf13/cobra"
)

func newGateCmd() *cobra.Command {
	opts := compare.DefaultGate
	var (
		baseline          []string
		maxRegress        = "5%"
		better            string
		asJSON            bool
		allowInsufficient bool
	)
	cmd := &cobra.Command{
		Use:   "gate --baseline BASE NEW...",
		Short: "Fail when NEW is significantly slower than a baseline (CI regression gate)",
		Long: `gate compares one metric of every benchmark in NEW with the same benchmark in
the baseline and fails only for a change for the worse that is both beyond
--max-regress and significant (Mann-Whitney U, p <= --alpha): a large change
that may be noise passes, and so does a significant change too small to matter.

Inputs are lockbench results or plain 'go test -bench' output (use
--metric ns/op for the latter). Higher is worse for times, sizes and counts
(ns/page, B/op, acq/page); for rates per second (pages/s, B/s) lower is worse;
unit metadata in the files ("Unit x better=higher") or --better decides
otherwise.

Samples too few for any change to be significant (3 against 3 can at best
reach p=0.1) are bad input, exit 2, unless --allow-insufficient.

Exit status: 0 pass, 1 regression, 2 bad input. With GITHUB_ACTIONS=true,
each offender is also printed as a GitHub '::error' annotation.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("gate needs the new results: lockbench gate --baseline BASE NEW")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(baseline) == 0 {
				return usagef("gate needs --baseline BASE (the results to compare against)")
			}
			mr, err := parseFraction(maxRegress)
			if err != nil {
				return usagef("--max-regress: %v", err)
			}
			opts.MaxRegress = mr
			switch better {
			case "":
			case "lower":
				opts.Better = -1
			case "higher":
				opts.Better = +1
			default:
				return usagef("--better %q: want lower or higher", better)
			}
			base, err := load(cmd.Context(), baseline...)
			if err != nil {
				return err
			}
			head, err := load(cmd.Context(), args...)
			if err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			for _, w := range append(base.Warnings, head.Warnings...) {
				warn(stderr, w)
			}
			v, err := compare.Gate(base, head, opts)
			if err != nil {
				return usage(optionFlagged(err))
			}
			out := cmd.OutOrStdout()
			if asJSON {
				err = v.WriteJSON(out)
			} else {
				err = v.WriteText(out)
			}
			if err != nil {
				return failure(err)
			}
			if os.Getenv("GITHUB_ACTIONS") == "true" {
				// Annotations go with the text on stdout; with --json they
				// go to stderr, which the runner reads too, so that stdout
				// stays one JSON document.
				ann := out
				if asJSON {
					ann = stderr
				}
				if err := v.WriteGitHub(ann, allowInsufficient); err != nil {
					return failure(err)
				}
			}
			if err := v.Err(); err != nil {
				return failure(err)
			}
			if err := v.InsufficientError(); err != nil && !allowInsufficient {
				return usagef("%v, or pass --allow-insufficient to accept an unjudged benchmark", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&baseline, "baseline", nil, "baseline results `file` (repeatable)")
	fl.StringVar(&opts.Metric, "metric", opts.Metric, "`unit` to judge, as written in the results (ns/page, ns/op, B/op, pages/s, ...)")
	fl.StringVar(&maxRegress, "max-regress", maxRegress, "largest tolerated change for the worse: `fraction` (0.05) or percentage (5%)")
	floatVar(fl, &opts.Alpha, "alpha", opts.Alpha, "significance level `α` of the Mann-Whitney U test")
	fl.StringVar(&opts.Filter, "filter", opts.Filter, "judge only benchmarks matching the benchproc `query`")
	fl.StringVar(&opts.Row, "row", opts.Row, "identify benchmarks across the inputs by `projection`")
	fl.StringVar(&opts.Ignore, "ignore", opts.Ignore, "leave `keys` out of the benchmark identity (/gomaxprocs: BenchmarkX-2 matches BenchmarkX-4)")
	fl.StringVar(&better, "better", "", "direction of the metric, `lower|higher` (default: from the unit)")
	fl.BoolVar(&asJSON, "json", false, "print the verdict as JSON")
	fl.BoolVar(&allowInsufficient, "allow-insufficient", false, "pass benchmarks with too few samples to judge instead of failing with exit 2")
	return cmd
}

// parseFraction reads "5%" as 0.05 and "0.05" as 0.05.
func parseFraction(s string) (float64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(t, "%") {
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
		scale = 0.01
	}
	f, err := parseFinite(t)
	if err != nil {
		return 0, fmt.Errorf("%w (write 5%% or 0.05)", err)
	}
	f *= scale
	if f < 0 || f > 100 {
		return 0, errors.New("must be between 0 and 100 (5% or 0.05)")
	}
	if scale == 1 && f >= 1 {
		return 0, fmt.Errorf("%q reads as %v%%; write %s%% if you mean it, or a fraction like 0.05", s, f*100, t)
	}
	return f, nil
}

// optionFlagged names gate's flag for the option a *compare.OptionError
// says to set ("--ignore /gomaxprocs" for compare.OptionIgnore); other
// errors are returned as they are.
func optionFlagged(err error) error {
	oe, ok := errors.AsType[*compare.OptionError](err)
	if !ok {
		return err
	}
	flag := map[string]string{compare.OptionIgnore: "ignore", compare.OptionMetric: "metric"}[oe.Option]
	if flag == "" {
		return err // an option without a flag: the library's words
	}
	msg := fmt.Sprintf("%v; %s, pass --%s", oe.Err, oe.Remedy, flag)
	if oe.Value != "" {
		msg += " " + oe.Value
	}
	return errors.New(msg)
}
