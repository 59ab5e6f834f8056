package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/lockbench/lockbench/harness"
	"github.com/lockbench/lockbench/internal/mthp"
	"github.com/lockbench/lockbench/workloads"
	"github.com/spf13/cobra"
)

// This file holds what run does about the kernel workloads' THP
// settings (--kernel-setup, or skipping mode large), and the
// kernel-restore command.

// kernelPlan is what a run of a kernel workload needs of the THP
// settings: the changes for mode large, whether it may make them, and
// why large is skipped otherwise.
type kernelPlan struct {
	sysfs   mthp.Dir
	changes mthp.Plan // empty: nothing to change
	skipped string    // non-empty: mode large was dropped from the plan, and why
}

// planKernel decides, before the sweep starts, what the run does about
// mode large of a kernel workload: nothing (its settings already allow
// it, or it is not asked for), change the settings (--kernel-setup, as
// root), or drop it from the plan with one line saying how to run it.
// It changes nothing itself: apply does, once the results folder exists.
func (f *runFlags) planKernel(cmd *cobra.Command, p *harness.Plan, sysfs mthp.Dir) (kernelPlan, error) {
	kp := kernelPlan{sysfs: sysfs}
	info, err := workloads.Lookup(p.Base.Workload)
	if err != nil || !info.Kernel() {
		if f.kernelSetup {
			return kp, usagef("--kernel-setup applies to --workload %s only", strings.Join(kernelWorkloads(), " or "))
		}
		return kp, nil
	}
	if !slices.Contains(p.Modes, workloads.ModeLarge) {
		return kp, nil
	}
	if len(p.Batches) > 1 {
		// One folio size at a time: the settings for 64K turn 128K off.
		return kp, usagef("--workload %s mode large runs one folio size per run: give one --batch, not %s", info.Name, joinInts(p.Batches))
	}
	kB := p.Batches[0] * workloads.PageSize / 1024
	tp, err := sysfs.PlanFor(mthp.Kind(info.THPKind()), kB)
	var why string
	switch {
	case errors.Is(err, mthp.ErrNoMTHP):
		why = err.Error()
	case err != nil:
		return kp, failure(err)
	case tp.Ready():
		return kp, nil
	case !f.kernelSetup:
		why = fmt.Sprintf("the THP settings do not give %dK folios (%s)", kB, tp.Files())
	case !writable(sysfs, tp):
		why = fmt.Sprintf("--kernel-setup cannot write the THP settings (%s): run as root", tp.Files())
	default:
		kp.changes = tp
		return kp, nil
	}
	p.Modes = slices.DeleteFunc(slices.Clone(p.Modes), func(m workloads.Mode) bool { return m == workloads.ModeLarge })
	kp.skipped = fmt.Sprintf("mode large skipped: %s; to run it: %s", why, enableCommand(os.Args[1:]))
	if len(p.Modes) == 0 {
		return kp, usagef("%s", kp.skipped)
	}
	return kp, nil
}

// writable reports whether every file the plan changes can be written.
func writable(d mthp.Dir, p mthp.Plan) bool {
	for _, c := range p.Changes {
		f, err := os.OpenFile(d.Path(c.File), os.O_WRONLY, 0)
		if err != nil {
			return false
		}
		f.Close()
	}
	return true
}

// enableCommand is the command line that runs mode large: this one as
// root with --kernel-setup.
func enableCommand(args []string) string {
	var b strings.Builder
	b.WriteString("sudo lockbench")
	for _, a := range args {
		if strings.ContainsAny(a, " \t'\"$\\") {
			a = strconv.Quote(a)
		}
		b.WriteString(" " + a)
	}
	if !slices.Contains(args, "--kernel-setup") {
		b.WriteString(" --kernel-setup")
	}
	return b.String()
}

func kernelWorkloads() []string {
	var n []string
	for _, i := range workloads.All() {
		if i.Kernel() {
			n = append(n, i.Name)
		}
	}
	return n
}

// apply makes the plan's changes, the originals written to dir first. The
// restore it returns puts them back; it may be called more than once.
func (kp kernelPlan) apply(dir string, note func(string, ...any)) (restore func() error, err error) {
	if kp.changes.Ready() {
		return func() error { return nil }, nil
	}
	restore, err = kp.sysfs.Apply(kp.changes, dir)
	if err != nil {
		return nil, failure(err)
	}
	note("--kernel-setup: %s for the run; originals saved in %s/%s ('lockbench kernel-restore %s' puts them back if this run is killed)",
		kp.changes.Files(), dir, mthp.SaveFile, dir)
	return restore, nil
}

func newKernelRestoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "kernel-restore DIR",
		Short: "Put back the THP settings a run with --kernel-setup changed",
		Long: `kernel-restore writes back the original THP settings that 'lockbench run
--kernel-setup' saved in DIR/` + mthp.SaveFile + ` before changing them. A run
restores them itself on exit and on SIGINT or SIGTERM; this is for a run that
was killed (SIGKILL, a crash, a second signal). Needs root, like the run.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("kernel-restore takes one results folder, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := mthp.Restore(args[0]); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return usage(err)
				}
				return failure(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored the THP settings saved in %s\n", args[0])
			return nil
		},
	}
}
