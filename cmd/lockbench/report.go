package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): replaced by the issue that builds 'report'.
func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report",
		Short: "not built yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return failure(errors.New("'report' is not built yet"))
		},
	}
}
