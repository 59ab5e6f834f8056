package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/lockbench/lockbench/locks"
	"github.com/lockbench/lockbench/workloads"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"
)

func newListCmd() *cobra.Command {
	var hidden bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the lock algorithms, modes and workloads",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeList(cmd.OutOrStdout(), hidden)
		},
	}
	cmd.Flags().BoolVar(&hidden, "all", false, "include hidden locks (busted, the deliberately broken lock)")
	return cmd
}

func writeList(w io.Writer, hidden bool) error {
	fmt.Fprintln(w, "Locks:")
	// Sources cite papers in full; wrap them so the table fits a terminal.
	t := tablewriter.NewTable(w,
		tablewriter.WithRowAutoWrap(tw.WrapNormal),
		tablewriter.WithColumnWidths(tw.NewMapper[int, int]().Set(2, 44).Set(3, 52)),
		tablewriter.WithRowAlignment(tw.AlignLeft),
	)
	t.Header("name", "properties", "description", "source")
	for _, i := range locks.All(hidden) {
		if err := t.Append(i.Name, i.Properties(), i.Doc, i.Source); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	var modes []string
	for _, m := range workloads.Modes() {
		modes = append(modes, string(m))
	}
	fmt.Fprintf(w, "\nModes (pagecache workload): %s\n", strings.Join(modes, ", "))
	fmt.Fprintf(w, "Workloads: %s\n", strings.Join(workloads.Names(), ", "))
	return nil
}
