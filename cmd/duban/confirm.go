package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/store"
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
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st *store.Store) error {
				on, err := a.day(cfg, f.date)
				if err != nil {
					return err
				}
				it, err := findItem(ctx, st, f.round, args[0])
				if err != nil {
					return err
				}
				if it.Status == ledger.StatusOpen {
					return badInputf("item %s is open: a 回头看 re-check confirms a done item (use item done first)", it.No)
				}
				note := strings.TrimSpace(f.note)
				if note == "" {
					note = "回头看已确认"
				}
				if err := st.AddProgress(ctx, it.Round, it.No, ledger.EventFollowup, on, note, a.actor(), a.now()); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "item %s (%s): 回头看 re-check recorded for %s\n", it.No, it.Round, on)
				return nil
			})
		},
	}
	f.bind(cmd, true)
	return cmd
}
