package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/store"
)

// itemFlags are shared by the item subcommands.
type itemFlags struct {
	round string
	note  string
	date  string
}

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

func (f *itemFlags) bind(cmd *cobra.Command, withNote bool) {
	cmd.Flags().StringVar(&f.round, "round", "", "round code, when the number exists in several rounds")
	if withNote {
		cmd.Flags().StringVar(&f.note, "note", "", "note to record")
		cmd.Flags().StringVar(&f.date, "date", "", "the day it happened, YYYY-MM-DD (default today)")
	}
}

// day parses --date, defaulting to today in the configured zone.
func (a *app) day(cfg *config.Config, s string) (ledger.Date, error) {
	if s == "" {
		return ledger.DateOf(a.now().In(cfg.Location)), nil
	}
	d, err := ledger.ParseDate(s)
	if err != nil {
		return d, badInputf("--date: %w", err)
	}
	return d, nil
}

func (a *app) actor() string {
	if u := a.getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

func (a *app) itemShowCommand() *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   "show NO",
		Short: "Show an item and its timeline",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st *store.Store) error {
				it, err := findItem(ctx, st, f.round, args[0])
				if err != nil {
					return err
				}
				events, err := st.ItemEvents(ctx, it.Round, it.No)
				if err != nil {
					return err
				}
				a.printItem(cfg, it, events)
				return nil
			})
		},
	}
	f.bind(cmd, false)
	return cmd
}

func (a *app) printItem(cfg *config.Config, it ledger.Item, events []ledger.Event) {
	today := ledger.DateOf(a.now().In(cfg.Location))
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
	if len(events) == 0 {
		return
	}
	fmt.Fprintln(w, "记录:")
	for _, e := range events {
		fmt.Fprintf(w, "  %s  %s\n", e.At.In(cfg.Location).Format("2006-01-02 15:04"), describeEvent(e))
	}
}

func describeEvent(e ledger.Event) string {
	var b strings.Builder
	if e.Kind == ledger.EventStatus {
		fmt.Fprintf(&b, "状态:%s → %s", e.FromStatus.Label(), e.ToStatus.Label())
	} else {
		b.WriteString(e.Kind.Label())
	}
	if !e.On.IsZero() {
		fmt.Fprintf(&b, "(%s)", e.On)
	}
	if e.Note != "" {
		fmt.Fprintf(&b, ":%s", e.Note)
	}
	if e.Actor != "" {
		fmt.Fprintf(&b, " [%s]", e.Actor)
	}
	return b.String()
}

func (a *app) itemStatusCommand(use string, to ledger.Status, short string) *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   use + " NO",
		Short: short,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(cfg *config.Config, st *store.Store) error {
				return a.changeStatus(ctx, cfg, st, f, args[0], to)
			})
		},
	}
	f.bind(cmd, true)
	return cmd
}

func (a *app) changeStatus(ctx context.Context, cfg *config.Config, st *store.Store, f itemFlags, no string, to ledger.Status) error {
	on, err := a.day(cfg, f.date)
	if err != nil {
		return err
	}
	it, err := findItem(ctx, st, f.round, no)
	if err != nil {
		return err
	}
	if !it.Status.CanBecome(to) {
		return badInputf("item %s is already %s", it.No, to)
	}
	if err := st.ChangeStatus(ctx, it.Round, it.No, to, on, f.note, a.actor(), a.now()); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "item %s (%s): %s → %s on %s\n", it.No, it.Round, it.Status, to, on)
	return nil
}

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

func (a *app) itemProgressCommand() *cobra.Command {
	var f itemFlags
	var followup bool
	cmd := &cobra.Command{
		Use:   "progress NO --note TEXT",
		Short: "Record a dated progress note (with --followup: the 回头看 re-check)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(f.note) == "" {
				return badInputf("--note is required")
			}
			kind := ledger.EventProgress
			if followup {
				kind = ledger.EventFollowup
			}
			return a.recordEvent(cmd.Context(), f, args[0], kind, f.note)
		},
	}
	f.bind(cmd, true)
	cmd.Flags().BoolVar(&followup, "followup", false, "record the 回头看 re-check of a done item (stops follow-up reminders)")
	return cmd
}

// recordEvent adds a dated progress note or the 回头看 re-check to an item's
// timeline; the re-check is only for an item that was done.
func (a *app) recordEvent(ctx context.Context, f itemFlags, no string, kind ledger.EventKind, note string) error {
	return a.withStore(ctx, func(cfg *config.Config, st *store.Store) error {
		on, err := a.day(cfg, f.date)
		if err != nil {
			return err
		}
		it, err := findItem(ctx, st, f.round, no)
		if err != nil {
			return err
		}
		if kind == ledger.EventFollowup && !it.Status.CanConfirmFollowup() {
			return badInputf("item %s is open: a 回头看 re-check confirms a done item (use item done first)", it.No)
		}
		if err := st.AddProgress(ctx, it.Round, it.No, kind, on, note, a.actor(), a.now()); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "item %s (%s): %s recorded for %s\n", it.No, it.Round, kind, on)
		return nil
	})
}
