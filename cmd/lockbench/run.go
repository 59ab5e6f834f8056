package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): replaced by the issue that builds 'run'.
func newRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "not built yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return failure(errors.New("'run' is not built yet"))
		},
	}
}
