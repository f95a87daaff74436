package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os/user"
	"slices"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

func (a *app) itemCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "item",
		Short: "Show one item, record its progress and status changes, or edit its fields",
	}
	cmd.AddCommand(
		a.itemShowCommand(),
		a.itemStatusCommand("done", ledger.StatusDone, "Mark an item done (已完成)"),
		a.itemStatusCommand("close", ledger.StatusClosed, "Close an item after verification (已销号)"),
		a.itemStatusCommand("reopen", ledger.StatusOpen, "Put an item back under deadline supervision"),
		a.itemProgressCommand(),
		a.itemConfirmCommand(),
		a.itemEditCommand(),
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

// actor is who makes the changes of this command, as the timeline records
// it: --by, else DUBAN_ACTOR, else the user the process runs as.
func (a *app) actor() string {
	if by := cmp.Or(strings.TrimSpace(a.by), strings.TrimSpace(a.getenv("DUBAN_ACTOR"))); by != "" {
		return by
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return cmp.Or(a.getenv("USER"), "unknown")
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
	fmt.Fprintf(w, "编号：%s（%s）\n", it.No, it.Round)
	fmt.Fprintf(w, "问题类别：%s\n", it.Category)
	if it.SubCategory != "" {
		fmt.Fprintf(w, "问题子类：%s\n", it.SubCategory)
	}
	fmt.Fprintf(w, "问题：%s\n", it.Problem)
	fmt.Fprintf(w, "整改措施：%s\n", it.Measures)
	fmt.Fprintf(w, "责任领导：%s\n", cfg.LeaderName(it.Leader))
	fmt.Fprintf(w, "责任部门：%s\n", strings.Join(cfg.UnitNames(it.Units), "、"))
	fmt.Fprintf(w, "完成时限：%s\n", it.DeadlineText())
	fmt.Fprintf(w, "整改状态：%s（%s）\n", it.Status.Label(), ledger.LightOf(it, today, cfg.Policy.YellowDays).Label())
	if done, known := it.DoneOn(); !done.IsZero() {
		if known {
			fmt.Fprintf(w, "完成日期：%s\n", done)
		} else {
			fmt.Fprintf(w, "完成日期：未登记（登记完成于%s）\n", done)
		}
	}
	if it.Progress != "" {
		fmt.Fprintf(w, "整改情况：%s\n", it.Progress)
	}
	if len(events) > 0 {
		fmt.Fprintln(w, "记录：")
	}
	for _, e := range events {
		fmt.Fprintf(w, "  %s  %s\n", e.At.In(cfg.Location).Format("2006-01-02 15:04"), describeEvent(cfg, e))
	}
}

// describeEvent is one line of an item's timeline: what happened, the
// field's value before → after, the day it concerns, the note, and who
// (with the file, for an import).
func describeEvent(cfg *config.Config, e ledger.Event) string {
	s := e.Label()
	switch {
	case e.Kind == ledger.EventImported, e.Kind == ledger.EventCreated, e.Kind == ledger.EventStatus:
		if e.Old != "" {
			s += " " + valueText(cfg, e.Field, e.Old) + " →"
		}
		s += " " + valueText(cfg, e.Field, e.New)
	case e.Field != "":
		s += " " + e.Field.Label() + " " + valueText(cfg, e.Field, e.Old) + " → " + valueText(cfg, e.Field, e.New)
	}
	if !e.On.IsZero() {
		s += "(" + e.On.String() + ")"
	}
	if e.Note != "" {
		s += ":" + e.Note
	}
	who := e.Actor
	if e.Source != "" {
		who += ", " + e.Source
	}
	if who != "" {
		s += " [" + who + "]"
	}
	return s
}

func (a *app) itemStatusCommand(use string, to ledger.Status, short string) *cobra.Command {
	var f itemFlags
	cmd := &cobra.Command{
		Use:   use + " NO",
		Short: short,
		Args:  exactArgs(1),
		RunE: a.onItem(&f, func(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, on ledger.Date) error {
			if !it.Status.CanBecome(to) {
				return badInputf("item %s is already %s", it.No, to)
			}
			if err := st.ChangeStatus(ctx, it.Round, it.No, to, on, f.note, a.cliActor(), a.now().In(cfg.Location)); err != nil {
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
	if err := st.AddProgress(ctx, it.Round, it.No, kind, on, note, a.cliActor(), a.now()); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "item %s (%s): %s recorded for %s\n", it.No, it.Round, kind, on)
	return nil
}

// editFlag is a field `item edit` may set, by flag name.
type editFlag struct {
	name  string
	field ledger.Field
	usage string
}

func editFlags() []editFlag {
	return []editFlag{
		{"category", ledger.FieldCategory, "问题类别"},
		{"subcategory", ledger.FieldSubCategory, "问题子类 (二级类别)"},
		{"problem", ledger.FieldProblem, "问题"},
		{"measures", ledger.FieldMeasures, "整改措施"},
		{"leader", ledger.FieldLeader, "责任领导, by name or code (\"\" for none)"},
		{"units", ledger.FieldUnits, "责任部门, names or codes separated by commas, the lead unit first"},
		{"deadline", ledger.FieldDeadline, "完成时限: a date, or 长期坚持; a later date is 延期 and needs --reason"},
		{"completed-on", ledger.FieldCompletedOn, "完成日期 of a done item (\"\" for unknown)"},
		{"progress", ledger.FieldProgress, "整改情况, the text the progress notice prints"},
	}
}

func (a *app) itemEditCommand() *cobra.Command {
	var f itemFlags
	var reason string
	values := map[ledger.Field]*string{}
	cmd := &cobra.Command{
		Use:   "edit NO [--deadline D --reason T] [--progress T] [--measures T] …",
		Short: "Change fields of an item (整改情况, 完成时限, …), each change recorded before → after",
		Args:  exactArgs(1),
	}
	set := func() []ledger.Field {
		var fields []ledger.Field
		for _, ef := range editFlags() {
			if cmd.Flags().Changed(ef.name) {
				fields = append(fields, ef.field)
			}
		}
		return fields
	}
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if len(set()) == 0 {
			return badInputf("nothing to change: pass one or more of --category, --subcategory, --problem, --measures, " +
				"--leader, --units, --deadline, --completed-on, --progress")
		}
		return nil
	}
	cmd.RunE = a.onItem(&f, func(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, _ ledger.Date) error {
		fields := set()
		to, err := editedItem(cfg, fields, values)
		if err != nil {
			return err
		}
		edited := it.With(to, fields)
		if ledger.HasExtension(ledger.Changes(it, edited, fields)) && strings.TrimSpace(reason) == "" {
			return badInputf("moving the deadline later is an extension (延期): give its --reason")
		}
		if !edited.CompletedOn.IsZero() && it.Status == ledger.StatusOpen {
			return badInputf("item %s is open: a completion day is for a done item (use item done --date)", it.No)
		}
		changes, err := st.EditItem(ctx, it.Round, it.No, fields, to, store.Edit{
			Note: strings.TrimSpace(reason), By: a.cliActor(), At: a.now().In(cfg.Location),
		})
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			fmt.Fprintf(a.stdout, "item %s (%s): nothing changed\n", it.No, it.Round)
		}
		for _, c := range changes {
			e := ledger.Event{Kind: ledger.EventEdited, Field: c.Field, Old: c.Old, New: c.New}
			fmt.Fprintf(a.stdout, "item %s (%s): %s %s: %s → %s\n", it.No, it.Round, e.Label(), c.Field.Label(),
				valueText(cfg, c.Field, c.Old), valueText(cfg, c.Field, c.New))
		}
		return nil
	})
	f.bind(cmd, false)
	for _, ef := range editFlags() {
		values[ef.field] = cmd.Flags().String(ef.name, "", ef.usage)
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why: recorded with each change (required for 延期)")
	return cmd
}

// editedItem reads the values of the edit flags that were given into an
// item, checking each as an import checks its cell.
func editedItem(cfg *config.Config, fields []ledger.Field, values map[ledger.Field]*string) (ledger.Item, error) {
	var it ledger.Item
	for _, f := range fields {
		v := strings.TrimSpace(strings.ReplaceAll(*values[f], "\r\n", "\n"))
		var err error
		if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
			return it, badInputf("--%s: text without control characters (line breaks and tabs may be)", flagOf(f))
		}
		switch f {
		case ledger.FieldCategory:
			it.Category = v
		case ledger.FieldSubCategory:
			it.SubCategory = v
		case ledger.FieldProblem:
			if it.Problem = v; v == "" {
				err = errors.New("an item needs its problem")
			}
		case ledger.FieldMeasures:
			it.Measures = v
		case ledger.FieldProgress:
			it.Progress = v
		case ledger.FieldLeader:
			it.Leader, err = resolveLeader(cfg, v)
		case ledger.FieldUnits:
			it.Units, err = resolveUnits(cfg, v)
		case ledger.FieldDeadline:
			it.Deadline, it.LongTerm, err = parseDeadlineFlag(v)
		case ledger.FieldCompletedOn:
			if v != "" {
				it.CompletedOn, err = sheet.ParseDate(v)
			}
		}
		if err != nil {
			return it, badInputf("--%s %q: %w", flagOf(f), v, err)
		}
	}
	return it, nil
}

func flagOf(f ledger.Field) string {
	for _, ef := range editFlags() {
		if ef.field == f {
			return ef.name
		}
	}
	return string(f)
}

func resolveLeader(cfg *config.Config, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	code, ok := cfg.ResolveLeader(v)
	if !ok {
		return "", errors.New("unknown leader")
	}
	return code, nil
}

func resolveUnits(cfg *config.Config, v string) ([]string, error) {
	var codes []string
	for _, name := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",，、;；", r) }) {
		code, ok := cfg.ResolveUnit(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("unknown unit %q", strings.TrimSpace(name))
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil, errors.New("an item needs a responsible unit")
	}
	return codes, nil
}

// parseDeadlineFlag reads --deadline: 长期坚持 (or long-term), or a date in
// the forms a ledger writes.
func parseDeadlineFlag(v string) (ledger.Date, bool, error) {
	if v == "长期坚持" || strings.EqualFold(v, "long-term") {
		return ledger.Date{}, true, nil
	}
	d, err := sheet.ParseDate(v)
	return d, false, err
}

// refuseSecondConfirm refuses a 回头看 re-check that would answer nothing:
// one was recorded since the item was last done, and no follow-up stage
// (followup_days after completion) has come since it.
func refuseSecondConfirm(ctx context.Context, cfg *config.Config, st *store.Store, it ledger.Item, on ledger.Date) error {
	events, err := st.ItemEvents(ctx, it.Round, it.No)
	if err != nil {
		return err
	}
	last, repeated := ledger.RepeatedConfirm(events, it, on, cfg.Policy.FollowupDays)
	if !repeated {
		return nil
	}
	return badInputf("item %s: 回头看 already confirmed on %s (recorded %s by %s)", it.No, last.On,
		last.At.In(cfg.Location).Format("2006-01-02 15:04"), cmp.Or(last.Actor, "unknown"))
}
