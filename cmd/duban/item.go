package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/store"
)

func (a *app) itemCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "item",
		Short: "Show one item or record its progress and status changes",
	}
	cmd.AddCommand(
		a.itemShowCommand(),
		a.itemStatusCommand("done", ledger.StatusDone, "Mark an item done (已完成)"),
		a.itemStatusCommand("close", ledger.StatusClosed, "Close an item after verification (已销号)"),
		a.itemStatusCommand("reopen", ledger.StatusOpen, "Put an item back under deadline supervision"),
		a.itemProgressCommand(),
		a.itemConfirmCommand(),
	)
	return cmd
}

// itemFlags are shared by the item subcommands.
type itemFlags struct {
	round, note, date string
}

func (f *itemFlags) bind(cmd *cobra.Command, withNote bool) {
	cmd.Flags().StringVar(&f.round, "round", "", "round code, when the number exists in several rounds")
	if withNote {
		cmd.Flags().StringVar(&f.note, "note", "", "note to record")
		cmd.Flags().StringVar(&f.date, "date", "", "the day it happened, YYYY-MM-DD (default today)")
	}
}

func (a *app) actor() string {
	if u := a.getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// onItem is the RunE of an item subcommand: it finds the item NO names, in
// --round or in whichever round holds it, and passes on the day of --date.
func (a *app) onItem(f *itemFlags, fn func(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, on ledger.Date) error) func(*cobra.Command, []string) error {
	return a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, args []string) error {
		on, err := a.day(cfg, f.date)
		if err != nil {
			return err
		}
		it, err := findItem(ctx, st, f.round, args[0])
		if err != nil {
			return err
		}
		return fn(ctx, cfg, st, it, on)
	})
}

// findItem looks an item up by number, in the given round or in any.
func findItem(ctx context.Context, st *store.Store, round, no string) (ledger.Item, error) {
	var it ledger.Item
	var err error
	if round != "" {
		it, err = st.GetItem(ctx, round, no)
	} else {
		it, err = st.FindItem(ctx, no)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return it, badInputf("no item numbered %q", no)
	case errors.Is(err, store.ErrConflict):
		return it, badInputf("item %q exists in several rounds: pass --round", no)
	}
	return it, err
}

func (a *app) itemShowCommand() *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   "show NO",
		Short: "Show an item and its timeline",
		Args:  exactArgs(1),
		RunE: a.onItem(&f, func(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, today ledger.Date) error {
			events, err := st.ItemEvents(ctx, it.Round, it.No)
			if err != nil {
				return err
			}
			a.printItem(cfg, it, events, today)
			return nil
		}),
	}
	f.bind(cmd, false)
	return cmd
}

func (a *app) printItem(cfg *config.Config, it ledger.Item, events []ledger.Event, today ledger.Date) {
	w := a.stdout
	fmt.Fprintf(w, "编号:%s(%s)\n", it.No, it.Round)
	fmt.Fprintf(w, "问题类别:%s\n", it.Category)
	fmt.Fprintf(w, "问题:%s\n", it.Problem)
	fmt.Fprintf(w, "整改措施:%s\n", it.Measures)
	fmt.Fprintf(w, "责任领导:%s\n", cfg.LeaderName(it.Leader))
	fmt.Fprintf(w, "责任部门:%s\n", strings.Join(cfg.UnitNames(it.Units), "、"))
	fmt.Fprintf(w, "完成时限:%s\n", it.DeadlineText())
	fmt.Fprintf(w, "整改状态:%s(%s)\n", it.Status.Label(), ledger.LightOf(it, today, cfg.Policy.YellowDays).Label())
	if !it.CompletedOn.IsZero() {
		fmt.Fprintf(w, "完成日期:%s\n", it.CompletedOn)
	}
	if it.Progress != "" {
		fmt.Fprintf(w, "整改情况:%s\n", it.Progress)
	}
	if len(events) > 0 {
		fmt.Fprintln(w, "记录:")
	}
	for _, e := range events {
		fmt.Fprintf(w, "  %s  %s\n", e.At.In(cfg.Location).Format("2006-01-02 15:04"), describeEvent(e))
	}
}

func describeEvent(e ledger.Event) string {
	s := e.Kind.Label()
	if e.Kind == ledger.EventStatus {
		s = "状态:" + e.FromStatus.Label() + " → " + e.ToStatus.Label()
	}
	if !e.On.IsZero() {
		s += "(" + e.On.String() + ")"
	}
	if e.Note != "" {
		s += ":" + e.Note
	}
	if e.Actor != "" {
		s += " [" + e.Actor + "]"
	}
	return s
}

func (a *app) itemStatusCommand(use string, to ledger.Status, short string) *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   use + " NO",
		Short: short,
		Args:  exactArgs(1),
		RunE: a.onItem(&f, func(ctx context.Context, _ *config.Config, st *store.Store, it ledger.Item, on ledger.Date) error {
			if !it.Status.CanBecome(to) {
				return badInputf("item %s is already %s", it.No, to)
			}
			if err := st.ChangeStatus(ctx, it.Round, it.No, to, on, f.note, a.actor(), a.now()); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "item %s (%s): %s → %s on %s\n", it.No, it.Round, it.Status, to, on)
			return nil
		}),
	}
	f.bind(cmd, true)
	return cmd
}

// itemConfirmCommand records the 回头看 re-check of a done item: the same
// as `item progress NO --followup`, named for what the office does.
func (a *app) itemConfirmCommand() *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   "confirm NO",
		Short: "Record the 回头看 re-check of a done item (stops its follow-up reminders)",
		Args:  exactArgs(1),
		RunE: a.onItem(&f, func(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, on ledger.Date) error {
			return a.recordEvent(ctx, cfg, st, it, on, ledger.EventFollowup, cmp.Or(strings.TrimSpace(f.note), "回头看已确认"))
		}),
	}
	f.bind(cmd, true)
	return cmd
}

func (a *app) itemProgressCommand() *cobra.Command {
	var f itemFlags
	var followup bool
	cmd := &cobra.Command{
		Use:   "progress NO --note TEXT",
		Short: "Record a dated progress note (with --followup: the 回头看 re-check)",
		Args:  exactArgs(1),
		PreRunE: func(*cobra.Command, []string) error {
			if strings.TrimSpace(f.note) == "" {
				return badInputf("--note is required")
			}
			return nil
		},
		RunE: a.onItem(&f, func(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, on ledger.Date) error {
			kind := ledger.EventProgress
			if followup {
				kind = ledger.EventFollowup
			}
			return a.recordEvent(ctx, cfg, st, it, on, kind, f.note)
		}),
	}
	f.bind(cmd, true)
	cmd.Flags().BoolVar(&followup, "followup", false, "record the 回头看 re-check of a done item (stops follow-up reminders)")
	return cmd
}

// recordEvent adds a dated progress note or the 回头看 re-check to an item's
// timeline; the re-check is only for an item that was done, and once per
// follow-up.
func (a *app) recordEvent(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, on ledger.Date, kind ledger.EventKind, note string) error {
	if kind == ledger.EventFollowup && !it.Status.CanConfirmFollowup() {
		return badInputf("item %s is open: a 回头看 re-check confirms a done item (use item done first)", it.No)
	}
	if kind == ledger.EventFollowup {
		if err := refuseSecondConfirm(ctx, cfg, st, it, on); err != nil {
			return err
		}
	}
	if err := st.AddProgress(ctx, it.Round, it.No, kind, on, note, a.actor(), a.now()); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "item %s (%s): %s recorded for %s\n", it.No, it.Round, kind, on)
	return nil
}

// refuseSecondConfirm refuses a 回头看 re-check that would answer nothing:
// one was recorded since the item was last done, and no follow-up stage
// (followup_days after completion) has come since it.
func refuseSecondConfirm(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, on ledger.Date) error {
	events, err := st.ItemEvents(ctx, it.Round, it.No)
	if err != nil {
		return err
	}
	var last *ledger.Event
	for i, e := range events {
		switch {
		case e.Kind == ledger.EventStatus && e.ToStatus == ledger.StatusOpen:
			last = nil // reopened: the next completion needs its own re-check
		case e.Kind == ledger.EventFollowup:
			last = &events[i]
		}
	}
	if last == nil {
		return nil
	}
	if stage, ok := ledger.FollowupStage(it.CompletedOn, on, cfg.Policy.FollowupDays); ok && last.On.Before(stage.On) {
		return nil // a later follow-up has come since
	}
	return badInputf("item %s: 回头看 already confirmed on %s (recorded %s by %s)", it.No, last.On,
		last.At.In(cfg.Location).Format("2006-01-02 15:04"), cmp.Or(last.Actor, "unknown"))
}
