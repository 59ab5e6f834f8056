package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): replaced by the issue that builds 'compare'.
func newCompareCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "compare",
		Short: "not built yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return failure(errors.New("'compare' is not built yet"))
		},
	}
}
