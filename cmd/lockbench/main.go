// Command lockbench measures how much amortizing lock acquisitions over a
// batch of pages saves. See the README for the subcommands.
//
// Exit status: 0 success, 1 a failed measurement or a regression found by
// gate, 2 bad input or usage, 130 interrupted.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := lockbench(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// lockbench runs the command line args and returns the exit status. It
// never panics on user input: every error reaches stderr as one line.
func lockbench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	code := exitCode(err)
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(stderr, "lockbench: %s\n", msg)
	}
	return code
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "lockbench",
		Short: "Measure how much amortizing lock acquisitions over a batch of pages saves",
		Long: `lockbench replays the Linux kernel's move from per-page to per-batch locking
(zone, mapping, LRU and block-queue locks) on real, pinned cores, with
interchangeable lock algorithms, and reports ns/page, acquisitions/page,
contention, wait tails and how close a batch gets to one big page.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usagef("%v (see '%s --help')", err, cmd.CommandPath())
	})
	root.AddCommand(
		newRunCmd(),
		newListCmd(),
		newCalibrateCmd(),
		newCompareCmd(),
		newGateCmd(),
		newReportCmd(),
		newClassesCmd(),
	)
	return root
}

// noArgs rejects positional arguments, naming an unknown subcommand as such.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return usagef("unknown command %q for %q (see '%s --help')", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return usagef("%s takes no arguments, got %q (see '%s --help')", cmd.CommandPath(), args[0], cmd.CommandPath())
}
