package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"duban/ledger"
)

// CheckMark is what the items' check days were worked out under: the
// fingerprint of the rule's settings, and the day of the run.
type CheckMark struct {
	Fingerprint string
	AsOf        ledger.Date
}

// ItemCheck is what a run worked out about one open item it looked at:
// the day it next needs looking at (zero: not while it stays as it is).
// Seen is the item's updated_at as read: the day holds only while the
// item's updated_at is still that.
type ItemCheck struct {
	ID   int64
	Seen time.Time
	Next ledger.Date
}

// Checks are recorded with a run's reminders, in the same transaction, so
// that a check day never outlives the reminders it relies on.
type Checks struct {
	Job   string
	Mark  CheckMark
	Items []ItemCheck
}

// OpenItem is an open item as the deadline job reads it, with what a check
// of it records. Its Category and Progress are not read: no reminder
// shows them.
type OpenItem struct {
	ID        int64
	UpdatedAt time.Time
	Item      ledger.Item
}

// neverCheck stands for "no check day": far later than any run.
var neverCheck = ledger.NewDate(9999, 12, 31)

// GetCheckMark returns the mark of job's check days, or ErrNotFound.
func (s *Store) GetCheckMark(ctx context.Context, job string) (CheckMark, error) {
	var row struct {
		Fingerprint string      `db:"fingerprint"`
		AsOf        ledger.Date `db:"as_of"`
	}
	if err := get(ctx, s.rdb, &row, qCheckMark, job); err != nil {
		return CheckMark{}, fmt.Errorf("store: check mark of %s: %w", job, classify(err))
	}
	return CheckMark{Fingerprint: row.Fingerprint, AsOf: row.AsOf}, nil
}

// EachOpenItemToCheck calls fn for the open items whose check day has come
// by day, or that have none; with all, for every open item. Items come in
// no particular order, a page at a time, with their units; fn may use the
// store.
//
// Three stages overlap, each on a connection of its own: the ids are
// listed (a walk over every open item, most of it reading pages), each
// page of ids is read with its items as soon as it is full, and fn works
// through the page before.
func (s *Store) EachOpenItemToCheck(ctx context.Context, day ledger.Date, all bool, fn func(OpenItem) error) error {
	ctx, cancel := context.WithCancel(ctx)
	idPages := make(chan []int64, 1)
	pages := make(chan itemsPageRead, 1)
	var wg sync.WaitGroup
	var listErr error
	wg.Go(func() {
		defer close(idPages)
		listErr = s.listItemsToCheck(ctx, day, all, func(ids []int64) bool {
			select {
			case idPages <- ids:
				return true
			case <-ctx.Done():
				return false
			}
		})
	})
	wg.Go(func() {
		defer close(pages)
		for ids := range idPages {
			items, err := s.openItemsOf(ctx, ids)
			select {
			case pages <- itemsPageRead{items, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	})
	defer func() {
		cancel()
		for range pages { // wait for the reader to stop
		}
		wg.Wait()
	}()
	for page := range pages {
		if page.err != nil {
			return cmp.Or(ctx.Err(), page.err)
		}
		for _, oi := range page.items {
			if err := fn(oi); err != nil {
				return err
			}
		}
	}
	wg.Wait()
	// A query stopped by the end of ctx fails with the driver's own error
	// (PostgreSQL's "canceling statement"): the caller is told why.
	return cmp.Or(ctx.Err(), listErr)
}

// checkPage is how many items EachOpenItemToCheck reads at a time: small
// enough that the first page is read while the listing goes on.
const checkPage = 500

// listItemsToCheck passes the ids of the items EachOpenItemToCheck reads
// to page, checkPage at a time, in id order, as the listing finds them;
// it stops when page returns false.
func (s *Store) listItemsToCheck(ctx context.Context, day ledger.Date, all bool, page func([]int64) bool) error {
	query, args := qOpenItemIDsToCheck, []any{day}
	if all {
		query, args = qOpenItemIDs, nil
	}
	rows, err := s.rdb.QueryContext(ctx, s.rdb.Rebind(query), args...)
	if err != nil {
		return fmt.Errorf("store: open items to check: %w", err)
	}
	defer rows.Close()
	ids := make([]int64, 0, checkPage)
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("store: open items to check: %w", err)
		}
		if ids = append(ids, id); len(ids) == checkPage {
			if !page(ids) {
				return nil
			}
			ids = make([]int64, 0, checkPage)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: open items to check: %w", err)
	}
	if len(ids) > 0 {
		page(ids)
	}
	return nil
}

// itemsPageRead is one page of open items, or why it could not be read.
type itemsPageRead struct {
	items []OpenItem
	err   error
}

// openItemsOf reads the open items of ids with their units, in one query.
func (s *Store) openItemsOf(ctx context.Context, ids []int64) ([]OpenItem, error) {
	query, args, err := inList(s.rdb, qOpenItemsByID, qOpenItemsByIDPostgres, ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: open items to check: %w", err)
	}
	defer rows.Close()
	var items []OpenItem
	for rows.Next() {
		var r itemRow
		var unit sql.NullString
		if err := rows.Scan(&r.ID, &r.Round, &r.No, &r.Seq, &r.Problem, &r.Measures, &r.Leader, &r.Deadline,
			&r.LongTerm, &r.Status, &r.CompletedOn, &r.UpdatedAt, &unit); err != nil {
			return nil, fmt.Errorf("store: open items to check: %w", err)
		}
		if n := len(items); n > 0 && items[n-1].ID == r.ID {
			items[n-1].Item.Units = append(items[n-1].Item.Units, unit.String)
			continue
		}
		oi := OpenItem{ID: r.ID, UpdatedAt: r.UpdatedAt.Time, Item: r.item()}
		if unit.Valid {
			oi.Item.Units = []string{unit.String}
		}
		items = append(items, oi)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: open items to check: %w", err)
	}
	return items, nil
}

// forgetCheck takes a changed item's check day away: the next deadline run
// looks at it again.
func forgetCheck(ctx context.Context, q dbtx, itemID int64) error {
	if _, err := exec(ctx, q, qForgetCheck, itemID); err != nil {
		return fmt.Errorf("forget check day: %w", err)
	}
	return nil
}

// recordChecks stores the items' check days and the mark they were worked
// out under.
func recordChecks(ctx context.Context, tx *sqlx.Tx, c *Checks) error {
	if c == nil {
		return nil
	}
	write := writeChecksSQLite
	if tx.DriverName() == dialectPostgres {
		write = writeChecksPostgres
	}
	// In id order, like the ids are listed: two runs at once take the rows'
	// locks in the same order.
	items := slices.SortedFunc(slices.Values(c.Items), func(a, b ItemCheck) int { return cmp.Compare(a.ID, b.ID) })
	if err := write(ctx, tx, items); err != nil {
		return fmt.Errorf("record check days: %w", err)
	}
	if _, err := exec(ctx, tx, qUpsertCheckMark, c.Job, c.Mark.Fingerprint, c.Mark.AsOf); err != nil {
		return fmt.Errorf("record check mark: %w", err)
	}
	return nil
}

// checkChunk is how many check days one PostgreSQL upsert carries.
const checkChunk = 10000

func writeChecksPostgres(ctx context.Context, tx *sqlx.Tx, checks []ItemCheck) error {
	for _, chunk := range chunks(checks, checkChunk) {
		ids := make([]int64, len(chunk))
		seen := make([]string, len(chunk))
		next := make([]string, len(chunk))
		for i, c := range chunk {
			ids[i], seen[i], next[i] = c.ID, c.Seen.UTC().Format(timeLayout), checkDay(c.Next).String()
		}
		if _, err := tx.ExecContext(ctx, qWriteChecksPostgres, pq.Array(ids), pq.Array(seen), pq.Array(next)); err != nil {
			return err
		}
	}
	return nil
}

// writeChecksSQLite writes the check days sqliteRowsPerStatement at a time.
func writeChecksSQLite(ctx context.Context, tx *sqlx.Tx, checks []ItemCheck) error {
	ptx := newPreparedTx(tx)
	defer ptx.Close()
	for _, chunk := range chunks(checks, sqliteRowsPerStatement) {
		args := make([]any, 0, 3*len(chunk))
		for _, c := range chunk {
			args = append(args, c.ID, checkDay(c.Next), ts(c.Seen))
		}
		query := multiRowQuery(qWriteChecksSQLite, qCheckValuesSQLite, qWriteChecksSQLiteEnd, len(chunk))
		if _, err := ptx.ExecContext(ctx, query, args...); err != nil {
			return err
		}
	}
	return nil
}

func checkDay(d ledger.Date) ledger.Date {
	if d.IsZero() {
		return neverCheck
	}
	return d
}
