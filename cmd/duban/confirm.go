package main

import (
	"strings"

	"github.com/spf13/cobra"

	"duban/ledger"
)

// itemConfirmCommand records the 回头看 re-check of a done item: the same
// as `item progress NO --followup`, named for what the office does.
func (a *app) itemConfirmCommand() *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   "confirm NO",
		Short: "Record the 回头看 re-check of a done item (stops its follow-up reminders)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			note := strings.TrimSpace(f.note)
			if note == "" {
				note = "回头看已确认"
			}
			return a.recordEvent(cmd.Context(), f, args[0], ledger.EventFollowup, note)
		},
	}
	f.bind(cmd, true)
	return cmd
}
