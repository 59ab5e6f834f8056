package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): replaced by the issue that builds 'gate'.
func newGateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "gate",
		Short: "not built yet",
		RunE: func(cmd *cobra.Command, args []string) error {
			return failure(errors.New("'gate' is not built yet"))
		},
	}
}
