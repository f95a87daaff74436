package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"duban/ledger"
)

// ImportOptions says who imports, when (At is required: it stamps the rows
// and gives, in the store's zone, the day of the import's events and the
// completion day of items imported as done without one), and whether to
// write at all.
type ImportOptions struct {
	Actor  string
	At     time.Time
	DryRun bool
}

// ImportResult counts what an import did (or, dry, would do).
type ImportResult struct {
	New, Changed, Unchanged int
}

type importOutcome int

const (
	importedNew importOutcome = iota
	importedChanged
	importedUnchanged
)

// ImportItems upserts items by (round, no) in one transaction: all or
// nothing. Missing rounds are created, named by their code. An item equal to
// its stored row is not written; a new one gets an "imported" event, a
// status change a "status" event and any other change an "edited" event
// naming the fields. A dry run counts the same and writes nothing.
func (s *Store) ImportItems(ctx context.Context, batch []ledger.Item, o ImportOptions) (ImportResult, error) {
	if o.At.IsZero() {
		return ImportResult{}, errors.New("store: import items: ImportOptions.At is required")
	}
	o.Actor = cmp.Or(o.Actor, "import")
	o.At = s.inZone(o.At) // the days below are the office's days
	var res ImportResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		seen := make(map[[2]string]bool, len(batch))
		rounds := make(map[string]bool)
		for _, it := range batch {
			it, err := normaliseImported(it)
			if err != nil {
				return err
			}
			key := [2]string{it.Round, it.No}
			if seen[key] {
				return fmt.Errorf("item %s %s appears twice: %w", it.Round, it.No, ErrConflict)
			}
			seen[key] = true
			if !rounds[it.Round] {
				if _, err := exec(ctx, tx, qInsertRoundIfMissing, it.Round, it.Round); err != nil {
					return fmt.Errorf("round %s: %w", it.Round, err)
				}
				rounds[it.Round] = true
			}
			outcome, err := s.importItem(ctx, tx, it, o)
			if err != nil {
				return fmt.Errorf("item %s %s: %w", it.Round, it.No, err)
			}
			switch outcome {
			case importedNew:
				res.New++
			case importedChanged:
				res.Changed++
			case importedUnchanged:
				res.Unchanged++
			}
		}
		if o.DryRun {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return ImportResult{}, fmt.Errorf("store: import items: %w", err)
	}
	return res, nil
}

// normaliseImported checks the key and status and drops repeated units.
func normaliseImported(it ledger.Item) (ledger.Item, error) {
	if it.Round == "" || it.No == "" {
		return it, fmt.Errorf("item %q %q: round and number are required", it.Round, it.No)
	}
	if it.Status == "" {
		it.Status = ledger.StatusOpen
	}
	if !it.Status.Valid() {
		return it, fmt.Errorf("item %s %s: invalid status %q", it.Round, it.No, it.Status)
	}
	units := make([]string, 0, len(it.Units))
	for _, u := range it.Units {
		if u != "" && !slices.Contains(units, u) {
			units = append(units, u)
		}
	}
	it.Units = units
	return it, nil
}

// completionDay is the completed_on an imported item should have: none when
// open; else the imported day, or the one already stored, or the import day.
func completionDay(it ledger.Item, stored ledger.Date, at time.Time) ledger.Date {
	switch {
	case it.Status == ledger.StatusOpen:
		return ledger.Date{}
	case !it.CompletedOn.IsZero():
		return it.CompletedOn
	case !stored.IsZero():
		return stored
	}
	return ledger.DateOf(at)
}

func (s *Store) importItem(ctx context.Context, tx dbtx, it ledger.Item, o ImportOptions) (importOutcome, error) {
	cur, err := getItemRow(ctx, tx, s.q.itemForUpdate, it.Round, it.No)
	if errors.Is(err, ErrNotFound) {
		return importedNew, insertImported(ctx, tx, it, o)
	}
	if err != nil {
		return 0, err
	}

	it.CompletedOn = completionDay(it, cur.CompletedOn, o.At)
	old := cur.item()
	changed := changedFields(old, it)
	statusChanged := old.Status != it.Status
	if !statusChanged && len(changed) == 0 {
		return importedUnchanged, nil
	}

	followup := cur.FollowupConfirmedOn
	if it.Status == ledger.StatusOpen {
		followup = ledger.Date{} // reopened: a new completion needs a new 回头看
	}
	if err := execOne(ctx, tx, qUpdateItem, it.Seq, it.Category, it.Problem, it.Measures, it.Leader,
		it.Deadline, it.LongTerm, string(it.Status), it.CompletedOn, it.Progress, followup,
		ts(o.At), cur.ID); err != nil {
		return 0, fmt.Errorf("update: %w", err)
	}
	if !slices.Equal(old.Units, it.Units) {
		if err := replaceUnits(ctx, tx, cur.ID, it.Units); err != nil {
			return 0, err
		}
	}
	if statusChanged {
		on := it.CompletedOn
		if on.IsZero() {
			on = ledger.DateOf(o.At)
		}
		if err := insertEvent(ctx, tx, cur.ID, ledger.Event{
			Kind: ledger.EventStatus, At: o.At, On: on, FromStatus: old.Status, ToStatus: it.Status,
			Note: "导入台账", Actor: o.Actor,
		}); err != nil {
			return 0, err
		}
	}
	if len(changed) > 0 {
		if err := insertEvent(ctx, tx, cur.ID, ledger.Event{
			Kind: ledger.EventEdited, At: o.At, On: ledger.DateOf(o.At),
			Note: "导入更新：" + strings.Join(changed, "、"), Actor: o.Actor,
		}); err != nil {
			return 0, err
		}
	}
	return importedChanged, nil
}

func insertImported(ctx context.Context, tx dbtx, it ledger.Item, o ImportOptions) error {
	it.CompletedOn = completionDay(it, ledger.Date{}, o.At)
	var id int64
	if err := get(ctx, tx, &id, qInsertItem, it.Round, it.No, it.Seq, it.Category, it.Problem,
		it.Measures, it.Leader, it.Deadline, it.LongTerm, string(it.Status), it.CompletedOn,
		it.Progress, ts(o.At), ts(o.At)); err != nil {
		return fmt.Errorf("insert: %w", classify(err))
	}
	if err := insertUnits(ctx, tx, id, it.Units); err != nil {
		return err
	}
	return insertEvent(ctx, tx, id, ledger.Event{
		Kind: ledger.EventImported, At: o.At, On: ledger.DateOf(o.At), ToStatus: it.Status,
		Note: "导入台账", Actor: o.Actor,
	})
}

// changedFields names, in the ledger's Chinese column names, the fields
// other than the status that differ between the stored and imported item;
// the names go into the "edited" event's note.
func changedFields(old, it ledger.Item) []string {
	var out []string
	check := func(differs bool, label string) {
		if differs {
			out = append(out, label)
		}
	}
	check(old.Seq != it.Seq, "序号")
	check(old.Category != it.Category, "问题类别")
	check(old.Problem != it.Problem, "问题")
	check(old.Measures != it.Measures, "整改措施")
	check(old.Leader != it.Leader, "责任领导")
	check(!slices.Equal(old.Units, it.Units), "责任部门")
	check(!old.Deadline.Equal(it.Deadline), "完成时限")
	check(old.LongTerm != it.LongTerm, "长期坚持")
	// A completion day that moves with the status is part of the status change.
	check(old.Status == it.Status && !old.CompletedOn.Equal(it.CompletedOn), "完成日期")
	check(old.Progress != it.Progress, "整改情况")
	return out
}
