package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/lockbench/lockbench/ab"
	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/safefile"
	"github.com/lockbench/lockbench/schema"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// abPlanFlags lists the flags of 'lockbench run' that 'lockbench ab'
// takes too and hands to both sides' workers: what the plan is and how a
// slice runs. Run's output, report, profiling, shard and order flags are
// not among them: ab writes its own results, and its blocks are its own.
func abPlanFlags() []string {
	return []string{
		"locks", "zone-lock", "mapping-lock", "lru-lock", "queue-lock", "modes", "batch", "threads",
		"files", "duration", "warmup", "affinity", "workload", "zones", "touch", "file-pages",
		"delay", "lines", "think", "timing", "bare", "watchdog",
	}
}

func newABCmd() *cobra.Command {
	var (
		baseFlags, newFlags, out, maxRegress, targetCI string
		budget                                         = harness.DefaultBudget
		count                                          int
		turn                                           = harness.DefaultRunner.Turn
		rewarm                                         = harness.DefaultRunner.Rewarm
		seed                                           uint64
		asJSON, allowUnjudged, quiet                   bool
	)
	targetCI = "5%"
	maxRegress = "5%"
	judge := ab.DefaultJudge
	cmd := &cobra.Command{
		Use:   "ab [flags] BASE NEW",
		Short: "Compare two lockbench builds in one run, interleaved block by block (CI regression gate)",
		Long: `ab runs two lockbench executables (the same path twice is an A/A run) in one
run: each case runs one slice on each side, in a random order from --seed,
one side at a time, pinned as run pins. A slice is measured in turns of
about --turn, the two sides taking turns (ABBA), each turn after --rewarm
unmeasured. The statistic is the per-block ratio new/base:
whatever the machine does during a block, both sides share. Each side runs as worker processes ('lockbench worker', a
versioned protocol: docs/ab.md), restarted every round, so each block of a
case comes from its own processes and the between-process effect is in
the interval.

run's plan flags (--locks --modes --batch --threads --duration ...) apply to
both sides; --base-flags and --new-flags add run flags to one side, so one
build's two configurations can be compared (--new-flags '--delay
mapping=15ns'). --budget and --target-ci decide how long it runs, as in run;
--count fixes the blocks per case instead.

Each case gets the Hodges-Lehmann estimate of its change with a 95%
interval and a status: regressed when the one-sided signed-rank test shows
it worse, Holm-adjusted over the judged cases (the family, shown), and the
estimate is beyond --max-regress; improved the mirror image; ok; or
unjudged with its reason.

Exit status: 0 every case judged and none regressed, 1 a regression, 2 bad
input (a BASE or NEW that does not speak the worker protocol among it), 3 a
case could not be judged (0 with --allow-unjudged; the reasons are still
printed). With GITHUB_ACTIONS=true regressions and unjudged cases are also
annotations.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usagef("ab needs two executables: lockbench ab [flags] BASE NEW (the same path twice for an A/A run)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			mr, err := parseFraction(maxRegress)
			if err != nil {
				return usagef("--max-regress: %v", err)
			}
			judge.MaxRegress = mr
			tc, err := parseFraction(targetCI)
			if err != nil || !(tc > 0) {
				return usagef("--target-ci %q: want a positive percentage (5%%) or fraction (0.05)", targetCI)
			}
			if budget <= 0 {
				return usagef("--budget %v: must be positive", budget)
			}
			if !(judge.Alpha > 0 && judge.Alpha < 1) {
				return usagef("--alpha %v: want a level between 0 and 1 (0.05)", judge.Alpha)
			}
			if count < 0 {
				return usagef("--count %d: must be positive", count)
			}
			if turn < 0 || turn > 0 && turn < harness.MinTurn || rewarm < 0 {
				return usagef("--turn %v --rewarm %v: want a turn of 0 (whole slices back to back) or at least %v, and a re-warm-up of 0 or more", turn, rewarm, harness.MinTurn)
			}
			d, err := time.ParseDuration(cmd.Flags().Lookup("duration").Value.String())
			if err != nil {
				return usagef("--duration: %v", err)
			}
			turns := harness.Turns(d, turn)
			if !cmd.Flags().Changed("seed") {
				seed = uint64(time.Now().UnixNano())
			}
			exes := [2]string{}
			for i, a := range args {
				p, err := executable(a)
				if err != nil {
					return usage(err)
				}
				exes[i] = p
			}
			// --floor=false and ab's slice times first: ab compares the
			// cases, not the floor, in shorter slices than run's; the
			// same flags among the shared ones come after and win.
			shared := []string{"--floor=false", "--duration=" + ab.DefaultDuration.String(), "--warmup=" + ab.DefaultWarmup.String()}
			cmd.Flags().Visit(func(fl *pflag.Flag) {
				for _, n := range abPlanFlags() {
					if fl.Name == n {
						shared = append(shared, "--"+fl.Name+"="+fl.Value.String())
					}
				}
			})
			opts := ab.Options{
				Base: ab.Side{Exe: exes[0], Flags: strings.Fields(baseFlags)}, New: ab.Side{Exe: exes[1], Flags: strings.Fields(newFlags)},
				Shared: shared, Seed: seed, Blocks: count, Budget: budget, TargetCI: tc, Threshold: judge.MaxRegress, Alpha: judge.Alpha,
				Turns: turns, Rewarm: rewarm,
			}
			dir := out
			if dir == "" {
				if dir, err = harness.NewOutDir(time.Now()); err != nil {
					return usage(err)
				}
			} else if err := os.MkdirAll(dir, 0o755); err != nil {
				return usage(err)
			}
			resPath := filepath.Join(dir, "results.txt")
			if _, err := os.Stat(resPath); err == nil {
				return usagef("%s exists: give another --out (ab does not overwrite results)", resPath)
			}
			log, err := safefile.OpenLog(resPath)
			if err != nil {
				return usage(err)
			}
			defer log.Close()
			fmt.Fprintf(log, "%s: %d\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n%s: %d\n%s: %v\n",
				schema.ConfSeed, seed, schema.ConfBaseExe, exes[0], schema.ConfNewExe, exes[1],
				schema.ConfBaseFlags, baseFlags, schema.ConfNewFlags, newFlags, schema.ConfPlanFlags, strings.Join(shared, " "),
				schema.ConfTurns, turns, schema.ConfRewarm, rewarm)
			opts.Results = log
			stderr := cmd.ErrOrStderr()
			if !quiet {
				fmt.Fprintf(stderr, "lockbench ab: seed %d, budget %v, results in %s\n", seed, budget, resPath)
			}
			outcome, runErr := ab.Run(cmd.Context(), opts)
			if !quiet && outcome != nil {
				fmt.Fprintf(stderr, "lockbench ab: %d blocks, %d worker processes a side, stopped: %s\n", len(outcome.Blocks), outcome.Procs, orDefault(outcome.Stopped, "failed"))
			}
			if runErr != nil {
				if errors.Is(runErr, cmd.Context().Err()) && cmd.Context().Err() != nil {
					return runErr
				}
				if _, ok := errors.AsType[*ab.ProtocolError](runErr); ok {
					return usage(runErr)
				}
				if _, ok := errors.AsType[*ab.SideError](runErr); ok {
					return usage(runErr)
				}
				return failure(runErr)
			}
			v := ab.Judge(outcome, judge)
			if err := safefile.WriteFile(filepath.Join(dir, "verdict.json"), 0o644, v.WriteJSON); err != nil {
				return failure(err)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				err = v.WriteJSON(w)
			} else {
				err = v.WriteText(w)
			}
			if err != nil {
				return failure(err)
			}
			if os.Getenv("GITHUB_ACTIONS") == "true" {
				ann := w
				if asJSON {
					ann = stderr // stdout stays one JSON document
				}
				if err := v.WriteGitHub(ann, allowUnjudged); err != nil {
					return failure(err)
				}
			}
			return verdictExit(v.Err(), v.UnjudgedError(), allowUnjudged, stderr)
		},
	}
	fl := cmd.Flags()
	rc, _ := runCommand()
	for _, n := range abPlanFlags() {
		if f := rc.Flags().Lookup(n); f != nil {
			fl.AddFlag(f)
		}
	}
	// ab's own slice times, so that --help says what a worker gets.
	for n, d := range map[string]time.Duration{"duration": ab.DefaultDuration, "warmup": ab.DefaultWarmup} {
		if f := fl.Lookup(n); f != nil {
			f.Value.Set(d.String())
			f.DefValue = d.String()
		}
	}
	fl.StringVar(&baseFlags, "base-flags", "", "run `flags` for the BASE side only, space-separated")
	fl.StringVar(&newFlags, "new-flags", "", "run `flags` for the NEW side only, e.g. '--delay mapping=15ns'")
	fl.DurationVar(&budget, "budget", budget, "time the comparison may take; it stops earlier when every case's interval is within --target-ci")
	fl.StringVar(&targetCI, "target-ci", targetCI, "half-width each case's 95% interval should reach, as a percentage (5%) or fraction")
	fl.IntVar(&count, "count", 0, "fixed number of blocks of every case instead of --budget and --target-ci")
	fl.DurationVar(&turn, "turn", turn, "about how long each turn of a side's slice (--duration) is, the sides' turns interleaved; 0: whole slices back to back")
	fl.DurationVar(&rewarm, "rewarm", rewarm, "unmeasured run before each turn, to bring back the caches the other side's turn took")
	fl.Uint64Var(&seed, "seed", 0, "seed of the case and side orders (default: from the clock; written to results.txt)")
	fl.StringVar(&maxRegress, "max-regress", maxRegress, "largest tolerated change for the worse: `fraction` (0.05) or percentage (5%)")
	floatVar(fl, &judge.Alpha, "alpha", judge.Alpha, "family-wise significance level `α` (Holm over the judged cases)")
	fl.StringVar(&out, "out", "", "results folder: results.txt (both sides' lines, with side, proc and block) and verdict.json (default lockbench-results/<timestamp>)")
	fl.BoolVar(&asJSON, "json", false, "print the verdict as JSON")
	fl.BoolVar(&allowUnjudged, "allow-unjudged", false, "exit 0 instead of 3 when a case could not be judged (the reasons are still printed)")
	fl.BoolVar(&quiet, "quiet", false, "no progress on stderr")
	return cmd
}

// verdictExit is gate's and ab's exit status for a verdict: the
// regression (exit 1) first, then a case not judged (exit 3, or a note
// on stderr and 0 when allowed), else nil.
func verdictExit(regression, notJudged error, allow bool, stderr io.Writer) error {
	switch {
	case regression != nil:
		return failure(regression)
	case notJudged != nil && allow:
		warn(stderr, fmt.Errorf("%v (allowed by --allow-unjudged)", notJudged))
		return nil
	case notJudged != nil:
		return unjudged(fmt.Errorf("%v; pass --allow-unjudged to accept it", notJudged))
	}
	return nil
}

// executable resolves an ab side to a path to run: an existing file (a
// bare name is looked up in PATH).
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func executable(name string) (string, error) {
	if !strings.ContainsRune(name, filepath.Separator) {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	st, err := os.Stat(name)
	if err != nil {
		return "", fmt.Errorf("%s: not an executable (%v)", name, errors.Unwrap(err))
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s: not an executable", name)
	}
	return filepath.Abs(name)
}
