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
		baseline       []string
		maxRegress     = "5%"
		better         string
		asJSON         bool
		allowUnjudged  bool
		betweenProcess = "5%"
	)
	cmd := &cobra.Command{
		Use:   "gate --baseline BASE NEW...",
		Short: "Fail when NEW is significantly slower than a baseline (CI regression gate)",
		Long: `gate compares one metric of every benchmark in NEW with the same benchmark in
the baseline and fails only for a change for the worse that is both beyond
--max-regress and significant (Mann-Whitney U, p <= --alpha after Holm's
adjustment over the judged benchmarks, whose number is printed): a large
change that may be noise passes, and so does a significant change too small
to matter.

Repetitions of one process are not replications: they share its memory
layout and its host. Each input file is a process (and each proc
configuration, and each restart of block numbers within a file); when a side
has fewer than 4, the between-run spread is unknown, gate says so, and it
widens the interval of the change by --between-process (default 15%, the
spread measured between 11 default runs of one binary on a 2-vCPU VM, whose
host moved a whole run by up to 1.7x). Two separate runs then fail only for
a change of about +40% or more. To compare two builds finely on a shared
machine, use 'lockbench ab', which interleaves them.

Inputs are lockbench results or plain 'go test -bench' output (use
--metric ns/op for the latter). Higher is worse for times, sizes and counts
(ns/page, B/op, acq/page); for rates per second (pages/s, B/s) lower is worse;
unit metadata in the files ("Unit x better=higher") or --better decides
otherwise. A side without regime keys (go test -bench) is compared with the
other side's regimes pooled, and gate says so.

gate never passes silently: a benchmark it could not judge (too few samples,
regimes that differ, one side only) is listed with its reason and makes it
exit 3, unless --allow-unjudged.

Exit status: 0 every benchmark judged and none regressed, 1 regression, 2 bad
input, 3 a benchmark not judged. With GITHUB_ACTIONS=true each regression and
each benchmark not judged is also a GitHub '::error' annotation ('::warning'
when allowed), and each unconfirmed regression a '::warning'.`,
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
			bp, err := parseFraction(betweenProcess)
			if err != nil {
				return usagef("--between-process: %v", err)
			}
			opts.BetweenProcess = bp
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
				if err := v.WriteGitHub(ann, allowUnjudged); err != nil {
					return failure(err)
				}
			}
			return verdictExit(v.Err(), v.UnjudgedError(), allowUnjudged, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&baseline, "baseline", nil, "baseline results `file` (repeatable)")
	fl.StringVar(&opts.Metric, "metric", opts.Metric, "`unit` to judge, as written in the results (ns/page, ns/op, B/op, pages/s, ...)")
	fl.StringVar(&maxRegress, "max-regress", maxRegress, "largest tolerated change for the worse: `fraction` (0.05) or percentage (5%)")
	floatVar(fl, &opts.Alpha, "alpha", opts.Alpha, "family-wise significance level `α` (Mann-Whitney U, Holm over the judged benchmarks)")
	fl.StringVar(&opts.Filter, "filter", opts.Filter, "judge only benchmarks matching the benchproc `query`")
	fl.StringVar(&opts.Row, "row", opts.Row, "identify benchmarks across the inputs by `projection`")
	fl.StringVar(&opts.Ignore, "ignore", opts.Ignore, "leave `keys` out of the benchmark identity (/gomaxprocs: BenchmarkX-2 matches BenchmarkX-4)")
	fl.StringVar(&better, "better", "", "direction of the metric, `lower|higher` (default: from the unit)")
	fl.BoolVar(&asJSON, "json", false, "print the verdict as JSON")
	fl.BoolVar(&allowUnjudged, "allow-unjudged", false, "exit 0 instead of 3 when a benchmark could not be judged (the reasons are still printed, and annotated as warnings)")
	fl.BoolVar(&allowUnjudged, "allow-insufficient", false, "the former name of --allow-unjudged")
	_ = fl.MarkHidden("allow-insufficient")
	fl.StringVar(&betweenProcess, "between-process", betweenProcess, "between-process spread allowed for where a side has too few processes to measure it: `fraction` or percentage (0 trusts repetitions of one process)")
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
