package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"duban/ledger"
)

// EnsureRounds inserts the rounds or updates their names. A round given
// without a name is created named by its code and never renames one.
func (s *Store) EnsureRounds(ctx context.Context, rounds []ledger.Round) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, r := range rounds {
			if r.Code == "" {
				return errors.New("round without a code")
			}
			query := qUpsertRound
			if r.Name == "" {
				query = qInsertRoundIfMissing
			}
			if _, err := exec(ctx, tx, query, r.Code, cmp.Or(r.Name, r.Code)); err != nil {
				return fmt.Errorf("round %s: %w", r.Code, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: ensure rounds: %w", err)
	}
	return nil
}

// itemRow is an items row as scanned.
type itemRow struct {
	ID                  int64       `db:"id"`
	Round               string      `db:"round"`
	No                  string      `db:"no"`
	Seq                 int         `db:"seq"`
	Category            string      `db:"category"`
	SubCategory         string      `db:"subcategory"`
	Problem             string      `db:"problem"`
	Measures            string      `db:"measures"`
	Leader              string      `db:"leader"`
	Deadline            ledger.Date `db:"deadline"`
	LongTerm            bool        `db:"long_term"`
	Status              string      `db:"status"`
	CompletedOn         ledger.Date `db:"completed_on"`
	DoneSeenOn          ledger.Date `db:"done_seen_on"`
	Progress            string      `db:"progress"`
	FollowupConfirmedOn ledger.Date `db:"followup_confirmed_on"`
	ImportedAt          dbTime      `db:"imported_at"`
	Told                string      `db:"told"` // read with the open items only

	units []string
}

func (r itemRow) item() ledger.Item {
	return ledger.Item{
		Round:       r.Round,
		No:          r.No,
		Seq:         r.Seq,
		Category:    r.Category,
		SubCategory: r.SubCategory,
		Problem:     r.Problem,
		Measures:    r.Measures,
		Units:       r.units,
		Leader:      r.Leader,
		Deadline:    r.Deadline,
		LongTerm:    r.LongTerm,
		Status:      ledger.Status(r.Status),
		CompletedOn: r.CompletedOn,
		DoneSeenOn:  r.DoneSeenOn,
		Progress:    r.Progress,
	}
}

func items(rows []itemRow) []ledger.Item {
	out := make([]ledger.Item, len(rows))
	for i, r := range rows {
		out[i] = r.item()
	}
	return out
}

// fillUnits loads the units of rows, in ledger order.
func fillUnits(ctx context.Context, q dbtx, rows []itemRow) error {
	byID := make(map[int64]*itemRow, len(rows))
	ids := make([]int64, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
		ids[i] = rows[i].ID
	}
	// An IN list of thousands of ids makes PostgreSQL scan item_units; one
	// of listChunk uses its index.
	for _, chunk := range chunks(ids, listChunk) {
		query, args, err := in(q, qUnitsOfItems, chunk)
		if err != nil {
			return err
		}
		var units []struct {
			ItemID int64  `db:"item_id"`
			Unit   string `db:"unit"`
		}
		if err := sqlx.SelectContext(ctx, q, &units, query, args...); err != nil {
			return fmt.Errorf("units: %w", err)
		}
		for _, u := range units {
			r := byID[u.ItemID]
			r.units = append(r.units, u.Unit)
		}
	}
	return nil
}

// getItemRow reads one item with its units, by query (qItemByKey or a
// locking variant).
func getItemRow(ctx context.Context, q dbtx, query, round, no string) (itemRow, error) {
	var r itemRow
	if err := get(ctx, q, &r, query, round, no); err != nil {
		return itemRow{}, classify(err)
	}
	rows := []itemRow{r}
	if err := fillUnits(ctx, q, rows); err != nil {
		return itemRow{}, err
	}
	return rows[0], nil
}

// ItemFilter selects items; empty fields match everything. Text matches
// number, category, sub-category, problem, measures and progress,
// case-insensitively.
type ItemFilter struct {
	Round  string
	Status ledger.Status
	Unit   string
	Leader string
	Text   string
}

// ListItems returns the items matching f, ordered by round and ledger order.
func (s *Store) ListItems(ctx context.Context, f ItemFilter) ([]ledger.Item, error) {
	where, args := s.itemConditions(f)
	query := qListItems
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += qItemsOrder

	var rows []itemRow
	if err := sel(ctx, s.rdb, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("store: list items: %w", err)
	}
	if err := fillUnits(ctx, s.rdb, rows); err != nil {
		return nil, fmt.Errorf("store: list items: %w", err)
	}
	return items(rows), nil
}

// likePattern matches text anywhere, literally, with its ASCII letters in
// lower case (and only those: see fItemTextPostgres).
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(lowerASCII(text)) + "%"
}

func lowerASCII(text string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, text)
}

// EachOpenItem calls fn for every open item (whatever its deadline), with
// its units and what it was told (Told.Digest, empty when never), in no
// particular order. The items and their units are read in one read-only
// transaction, one query each, which stays open while fn runs: fn must not
// wait for the store. An error from fn stops the iteration and is returned
// as is.
func (s *Store) EachOpenItem(ctx context.Context, fn func(it ledger.Item, told Told) error) error {
	return s.eachItemIn(ctx, ledger.StatusOpen, func(r itemRow) error {
		return fn(r.item(), Told{ItemID: r.ID, Digest: r.Told})
	})
}

// EachDoneItem calls fn for every done item (not closed: 销号 is the
// office's own verification), with its units and the day of its latest
// follow-up (回头看) re-check, zero when none was recorded: what the
// follow-up rule needs. As with EachOpenItem, fn must not wait for the store.
func (s *Store) EachDoneItem(ctx context.Context, fn func(it ledger.Item, lastCheck ledger.Date) error) error {
	return s.eachItemIn(ctx, ledger.StatusDone, func(r itemRow) error { return fn(r.item(), r.FollowupConfirmedOn) })
}

// eachItemIn reads the units of the items in status, then streams the
// items to fn: two plain scans, where reading the items a page at a time
// with their units cost a query per few hundred items.
func (s *Store) eachItemIn(ctx context.Context, status ledger.Status, fn func(itemRow) error) error {
	tx, err := s.rdb.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: %s items: %w", status, err)
	}
	defer tx.Rollback() // read only: nothing to commit
	units, err := unitsOfStatus(ctx, tx, status)
	if err != nil {
		return fmt.Errorf("store: %s items: units: %w", status, err)
	}
	rows, err := tx.QueryxContext(ctx, tx.Rebind(qStatusItems), string(status))
	if err != nil {
		return fmt.Errorf("store: %s items: %w", status, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r itemRow
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("store: %s items: %w", status, err)
		}
		r.units = units[r.ID]
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s items: %w", status, err)
	}
	return nil
}

// unitsOfStatus returns the units of every item in status, by item id, in
// ledger order.
func unitsOfStatus(ctx context.Context, q dbtx, status ledger.Status) (map[int64][]string, error) {
	rows, err := q.QueryxContext(ctx, q.Rebind(qStatusUnits), string(status))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	units := make(map[int64][]string)
	for rows.Next() {
		var id int64
		var unit string
		if err := rows.Scan(&id, &unit); err != nil {
			return nil, err
		}
		units[id] = append(units[id], unit)
	}
	return units, rows.Err()
}

// GetItem returns the item no of round, or ErrNotFound.
func (s *Store) GetItem(ctx context.Context, round, no string) (ledger.Item, error) {
	r, err := getItemRow(ctx, s.rdb, qItemByKey, round, no)
	if err != nil {
		return ledger.Item{}, fmt.Errorf("store: get item %s %s: %w", round, no, err)
	}
	return r.item(), nil
}

// FindItem returns the item numbered no in whichever round holds it:
// ErrNotFound if none does, ErrConflict if several do.
func (s *Store) FindItem(ctx context.Context, no string) (ledger.Item, error) {
	var rows []itemRow
	if err := sel(ctx, s.rdb, &rows, qItemsByNo, no); err != nil {
		return ledger.Item{}, fmt.Errorf("store: find item %s: %w", no, err)
	}
	switch len(rows) {
	case 0:
		return ledger.Item{}, fmt.Errorf("store: find item %s: %w", no, ErrNotFound)
	case 1:
	default:
		return ledger.Item{}, fmt.Errorf("store: find item %s: in several rounds (%s, %s, …): %w",
			no, rows[0].Round, rows[1].Round, ErrConflict)
	}
	if err := fillUnits(ctx, s.rdb, rows); err != nil {
		return ledger.Item{}, fmt.Errorf("store: find item %s: %w", no, err)
	}
	return rows[0].item(), nil
}

// CountItems returns the number of items in all rounds.
func (s *Store) CountItems(ctx context.Context) (int, error) {
	var n int
	if err := get(ctx, s.rdb, &n, qCountItems); err != nil {
		return 0, fmt.Errorf("store: count items: %w", err)
	}
	return n, nil
}

// CreateItem adds an item made in duban (the console) to the end of its
// round, with a "created" event in its timeline and by's entry in the
// audit log; ErrConflict when the round already has an item of that
// number. A done or closed item is seen done on the day of at in the
// store's zone; an open one has no completion day.
func (s *Store) CreateItem(ctx context.Context, it ledger.Item, by Actor, at time.Time) error {
	it, err := normaliseImported(it)
	if err != nil {
		return fmt.Errorf("store: create item: %w", err)
	}
	today := ledger.DateOf(s.inZone(at))
	if it.Status == ledger.StatusOpen {
		it.CompletedOn, it.DoneSeenOn = ledger.Date{}, ledger.Date{}
	} else {
		it.DoneSeenOn = today
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, qInsertRoundIfMissing, it.Round, it.Round); err != nil {
			return fmt.Errorf("round %s: %w", it.Round, err)
		}
		if err := get(ctx, tx, &it.Seq, qNextSeq, it.Round); err != nil {
			return fmt.Errorf("next position: %w", err)
		}
		// Created counts as imported: a later import of the same row meets
		// the changes made in duban since as conflicts.
		id, err := insertItem(ctx, tx, it, at, at)
		if err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, id, ledger.Event{
			Kind: ledger.EventCreated, At: at, On: today, Field: ledger.FieldStatus, New: string(it.Status), Actor: by.Name,
		}); err != nil {
			return err
		}
		return audit(ctx, tx, by, at, ActionItemCreate, ObjectItem, ledger.ItemSubject(it), nil, fieldValues(it))
	})
	if err != nil {
		return fmt.Errorf("store: create item %s %s: %w", it.Round, it.No, err)
	}
	return nil
}

// insertItem inserts a new item with its units and returns its id.
func insertItem(ctx context.Context, q dbtx, it ledger.Item, at, importedAt time.Time) (int64, error) {
	var id int64
	if err := get(ctx, q, &id, qInsertItem, it.Round, it.No, it.Seq, it.Category, it.SubCategory, it.Problem,
		it.Measures, it.Leader, it.Deadline, it.LongTerm, string(it.Status), it.CompletedOn,
		it.DoneSeenOn, it.Progress, ts(at), ts(at), ts(importedAt)); err != nil {
		return 0, fmt.Errorf("insert: %w", classify(err))
	}
	return id, insertUnits(ctx, q, id, it.Units)
}

// statusActions name a status change in the audit log by the status it
// leads to.
var statusActions = map[ledger.Status]string{
	ledger.StatusDone: ActionItemDone, ledger.StatusClosed: ActionItemClose, ledger.StatusOpen: ActionItemReopen,
}

// ChangeStatus moves an item to status to and records it in the timeline
// and, as by's, in the audit log. From open, done and closed set the
// completion day to on (the day of at in the store's zone when on is
// zero) and the day duban saw it done to at's day there; between done and
// closed both are kept; open clears them and any follow-up confirmation.
// An item already in status to is ErrConflict.
func (s *Store) ChangeStatus(ctx context.Context, round, no string, to ledger.Status, on ledger.Date, note string, by Actor, at time.Time) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		return s.changeStatus(ctx, tx, round, no, to, on, note, by, at)
	})
	if err != nil {
		return fmt.Errorf("store: change status of %s %s: %w", round, no, err)
	}
	return nil
}

// changeStatus is ChangeStatus within the transaction tx, for a write
// that changes an item's status among other things.
func (s *Store) changeStatus(ctx context.Context, tx dbtx, round, no string, to ledger.Status, on ledger.Date, note string, by Actor, at time.Time) error {
	if !to.Valid() {
		return fmt.Errorf("invalid status %q", to)
	}
	if on.IsZero() {
		on = ledger.DateOf(s.inZone(at))
	}
	cur, err := getItemRow(ctx, tx, s.q.itemForUpdate, round, no)
	if err != nil {
		return err
	}
	from := ledger.Status(cur.Status)
	if from == to {
		return fmt.Errorf("already %s: %w", to, ErrConflict)
	}
	old := cur.item()
	it := old
	it.Status = to
	if from == ledger.StatusOpen {
		it.CompletedOn = on
	}
	followup := settle(&it, cur, ledger.DateOf(s.inZone(at)))
	if err := execOne(ctx, tx, qSetItemStatus, string(to), it.CompletedOn, it.DoneSeenOn, followup, ts(at), cur.ID); err != nil {
		return err
	}
	if err := insertEvent(ctx, tx, cur.ID, ledger.Event{
		Kind: ledger.EventStatus, At: at, On: on, Field: ledger.FieldStatus,
		Old: string(from), New: string(to), Note: note, Actor: by.Name,
	}); err != nil {
		return err
	}
	before, after := auditSides(ledger.Changes(old, it, []ledger.Field{ledger.FieldStatus, ledger.FieldCompletedOn}), note)
	return audit(ctx, tx, by, at, statusActions[to], ObjectItem, ledger.ItemSubject(old), before, after)
}

// settle makes the dates of it agree with its status, which may have
// changed from cur's: an open item has no completion day, no day seen done
// and no follow-up; an item done since today was seen done today. It
// returns the follow-up confirmation day to keep.
func settle(it *ledger.Item, cur itemRow, today ledger.Date) ledger.Date {
	if it.Status == ledger.StatusOpen {
		it.CompletedOn, it.DoneSeenOn = ledger.Date{}, ledger.Date{}
		return ledger.Date{} // reopened: a new completion needs a new 回头看
	}
	if it.DoneSeenOn.IsZero() {
		it.DoneSeenOn = today
	}
	return cur.FollowupConfirmedOn
}

// AddProgress records a dated progress note (kind progress: an entry of
// the timeline, which leaves 整改情况 as it is) or a follow-up re-check
// (kind followup, which confirms the follow-up as of on), with by's entry
// in the audit log. A zero on is the day of at in the store's zone.
func (s *Store) AddProgress(ctx context.Context, round, no string, kind ledger.EventKind, on ledger.Date, note string, by Actor, at time.Time) error {
	action := ActionItemProgress
	switch kind {
	case ledger.EventProgress:
	case ledger.EventFollowup:
		action = ActionItemConfirm
	default:
		return fmt.Errorf("store: add progress to %s %s: kind %q: want progress or followup", round, no, kind)
	}
	if on.IsZero() {
		on = ledger.DateOf(s.inZone(at))
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		if err := get(ctx, tx, &id, qItemIDOf, round, no); err != nil {
			return classify(err)
		}
		if kind == ledger.EventFollowup {
			if err := execOne(ctx, tx, qSetItemFollowup, on, ts(at), id); err != nil {
				return err
			}
		}
		if err := insertEvent(ctx, tx, id, ledger.Event{Kind: kind, At: at, On: on, Note: note, Actor: by.Name}); err != nil {
			return err
		}
		return audit(ctx, tx, by, at, action, ObjectItem, round+"/"+no, nil, map[string]string{"on": on.String(), "note": note})
	})
	if err != nil {
		return fmt.Errorf("store: add %s to %s %s: %w", kind, round, no, err)
	}
	return nil
}

// Edit says who changes an item, when, and why (a 延期's reason).
type Edit struct {
	Note string
	By   Actor
	At   time.Time
}

// EditItem sets the fields of item round/no to their values in values and
// records each change, with its value before and after, in the timeline,
// and all of them as one entry of e.By in the audit log; it returns the
// changes, none (and nothing recorded) when the item already had those
// values. The status changes by ChangeStatus only, and an open item has
// no completion day: either is ErrConflict.
func (s *Store) EditItem(ctx context.Context, round, no string, fields []ledger.Field, values ledger.Item, e Edit) ([]ledger.Change, error) {
	var changes []ledger.Change
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		changes, err = s.editItem(ctx, tx, round, no, fields, values, e)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: edit %s %s: %w", round, no, err)
	}
	return changes, nil
}

// editItem is EditItem within the transaction tx.
func (s *Store) editItem(ctx context.Context, tx dbtx, round, no string, fields []ledger.Field, values ledger.Item, e Edit) ([]ledger.Change, error) {
	cur, err := getItemRow(ctx, tx, s.q.itemForUpdate, round, no)
	if err != nil {
		return nil, err
	}
	old := cur.item()
	it := old.With(values, fields)
	switch {
	case it.Status != old.Status:
		return nil, fmt.Errorf("status: change it with done, close or reopen: %w", ErrConflict)
	case it.Status == ledger.StatusOpen && !it.CompletedOn.IsZero():
		return nil, fmt.Errorf("an open item has no completion day: %w", ErrConflict)
	}
	changes := ledger.Changes(old, it, ledger.ItemFields())
	if len(changes) == 0 {
		return nil, nil
	}
	if err := writeChanges(ctx, tx, cur, it, cur.FollowupConfirmedOn, changes, ledger.Event{
		At: e.At, On: ledger.DateOf(s.inZone(e.At)), Note: e.Note, Actor: e.By.Name,
	}); err != nil {
		return nil, err
	}
	before, after := auditSides(changes, e.Note)
	return changes, audit(ctx, tx, e.By, e.At, ActionItemEdit, ObjectItem, ledger.ItemSubject(old), before, after)
}

// writeChanges writes item it over its row cur and records each change as
// an event like proto: a status change as a status event dated by the day
// the item counts as done from (or proto's day), any other as an edit.
func writeChanges(ctx context.Context, tx dbtx, cur itemRow, it ledger.Item, followup ledger.Date, changes []ledger.Change, proto ledger.Event) error {
	if err := execOne(ctx, tx, qUpdateItem, it.Seq, it.Category, it.SubCategory, it.Problem, it.Measures, it.Leader,
		it.Deadline, it.LongTerm, string(it.Status), it.CompletedOn, it.DoneSeenOn, it.Progress, followup,
		ts(proto.At), cur.ID); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if !slices.Equal(cur.units, it.Units) {
		if err := replaceUnits(ctx, tx, cur.ID, it.Units); err != nil {
			return err
		}
	}
	for _, c := range changes {
		e := proto
		e.Kind, e.Field, e.Old, e.New = ledger.EventEdited, c.Field, c.Old, c.New
		if c.Field == ledger.FieldStatus {
			e.Kind = ledger.EventStatus
			if done, _ := it.DoneOn(); !done.IsZero() {
				e.On = done
			}
		}
		if err := insertEvent(ctx, tx, cur.ID, e); err != nil {
			return err
		}
	}
	return nil
}

// eventRow is an item_events row as scanned.
type eventRow struct {
	ID     int64       `db:"id"`
	Kind   string      `db:"kind"`
	At     dbTime      `db:"at"`
	On     ledger.Date `db:"on_date"`
	Field  string      `db:"field"`
	Old    string      `db:"old_value"`
	New    string      `db:"new_value"`
	Note   string      `db:"note"`
	Actor  string      `db:"actor"`
	Source string      `db:"source"`
}

func (r eventRow) event() ledger.Event {
	return ledger.Event{
		ID: r.ID, Kind: ledger.EventKind(r.Kind), At: r.At.Time, On: r.On,
		Field: ledger.Field(r.Field), Old: r.Old, New: r.New, Note: r.Note, Actor: r.Actor, Source: r.Source,
	}
}

// ItemEvents returns the timeline of an item, oldest first; ErrNotFound
// when the item does not exist.
func (s *Store) ItemEvents(ctx context.Context, round, no string) ([]ledger.Event, error) {
	var id int64
	if err := get(ctx, s.rdb, &id, qItemIDOf, round, no); err != nil {
		return nil, fmt.Errorf("store: events of %s %s: %w", round, no, classify(err))
	}
	var rows []eventRow
	if err := sel(ctx, s.rdb, &rows, qItemEvents, id); err != nil {
		return nil, fmt.Errorf("store: events of %s %s: %w", round, no, err)
	}
	events := make([]ledger.Event, len(rows))
	for i, r := range rows {
		events[i] = r.event()
	}
	return events, nil
}

// LatestNotes returns the latest n progress notes dated on or before asOf
// of each item of round that has any, by item number, oldest first.
func (s *Store) LatestNotes(ctx context.Context, round string, asOf ledger.Date, n int) (map[string][]ledger.Event, error) {
	out := map[string][]ledger.Event{}
	if n <= 0 {
		return out, nil
	}
	var rows []struct {
		No string `db:"no"`
		eventRow
	}
	if err := sel(ctx, s.rdb, &rows, qLatestNotes, round, asOf, n); err != nil {
		return nil, fmt.Errorf("store: latest notes of %s: %w", round, err)
	}
	for _, r := range rows {
		out[r.No] = append(out[r.No], r.event())
	}
	return out, nil
}

func insertEvent(ctx context.Context, q dbtx, itemID int64, e ledger.Event) error {
	_, err := exec(ctx, q, qInsertItemEvent, itemID, string(e.Kind), ts(e.At), e.On,
		string(e.Field), e.Old, e.New, e.Note, e.Actor, e.Source)
	if err != nil {
		return fmt.Errorf("insert %s event: %w", e.Kind, err)
	}
	return nil
}

// replaceUnits writes the units of an item in order, replacing the old ones.
func replaceUnits(ctx context.Context, q dbtx, itemID int64, units []string) error {
	if _, err := exec(ctx, q, qDeleteItemUnits, itemID); err != nil {
		return fmt.Errorf("delete units: %w", err)
	}
	return insertUnits(ctx, q, itemID, units)
}

// insertUnits writes the units of a new item in order.
func insertUnits(ctx context.Context, q dbtx, itemID int64, units []string) error {
	for pos, u := range units {
		if _, err := exec(ctx, q, qInsertItemUnit, itemID, u, pos); err != nil {
			return fmt.Errorf("insert unit %s: %w", u, err)
		}
	}
	return nil
}
