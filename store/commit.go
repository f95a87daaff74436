package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// reminderKey is the unique key of a reminder: rule|subject|stage|recipient.
func reminderKey(rule, subject, stage, recipient string) string {
	return strings.Join([]string{rule, subject, stage, recipient}, "|")
}

// KnownReminders reports which of keys were already recorded; keys not in
// the map are unknown.
func (s *Store) KnownReminders(ctx context.Context, keys []string) (map[string]bool, error) {
	known := make(map[string]bool)
	size := 500
	if s.dialect == dialectPostgres {
		size = reminderChunk // one array parameter, whatever its length
	}
	for _, chunk := range chunks(keys, size) {
		query, args, err := inList(s.rdb, qKnownReminders, qKnownRemindersPostgres, chunk)
		if err != nil {
			return nil, fmt.Errorf("store: known reminders: %w", err)
		}
		var found []string
		if err := s.rdb.SelectContext(ctx, &found, query, args...); err != nil {
			return nil, fmt.Errorf("store: known reminders: %w", err)
		}
		for _, k := range found {
			known[k] = true
		}
	}
	return known, nil
}

// CommitDigests records, in one transaction, the reminders of a run and
// one dispatch per recipient for the reminders not recorded before
// ("fresh"). A digest with no fresh reminder produces no message and build
// is not called for it. A dispatch whose key already exists is not inserted
// again; its fresh reminders are linked to the existing one. It returns the
// number of reminders and dispatches inserted. build may be called from
// several goroutines at once, while the transaction is open: it may read
// the store but must not write to it, and an error from it rolls everything
// back. checks, when not nil, are recorded in the same transaction (see
// Checks).
func (s *Store) CommitDigests(ctx context.Context, job string, runID int64, digests []Digest,
	build BuildFunc, now time.Time, checks *Checks) (reminders, dispatchCount int, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		reminders, dispatchCount = 0, 0
		// Each digest's message id is reserved first, so that its reminders
		// are inserted already linked to it, instead of being updated again
		// once it is queued.
		ids, err := reserveDispatchIDs(ctx, tx, len(digests))
		if err != nil {
			return err
		}
		fresh, err := insertReminders(ctx, tx, job, runID, digests, ids, now)
		if err != nil {
			return err
		}
		// Messages are queued a group at a time, each group one INSERT: not
		// a round trip per recipient on PostgreSQL, and on SQLite a third
		// of the time of a statement per message. The next group is built
		// while one is inserted.
		ptx := newPreparedTx(tx)
		defer ptx.Close()
		buildCtx, stop := context.WithCancel(ctx)
		groups := buildAhead(buildCtx, digests, fresh, ids, build)
		defer func() {
			stop()
			for range groups { // wait for the builders to stop
			}
		}()
		for g := range groups {
			if g.err != nil {
				return g.err
			}
			for _, q := range g.queued {
				reminders += len(q.fresh)
			}
			n, err := insertDispatches(ctx, ptx, job, runID, g.queued, now)
			dispatchCount += n
			if err != nil {
				return err
			}
		}
		// The builders stop early, without a word, only when ctx ends: then
		// not every message was queued.
		if err := buildCtx.Err(); err != nil {
			return err
		}
		return recordChecks(ctx, tx, checks)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: commit digests of %s: %w", job, err)
	}
	return reminders, dispatchCount, nil
}

// reserveDispatchIDs takes n ids for the messages of a commit.
func reserveDispatchIDs(ctx context.Context, tx *sqlx.Tx, n int) ([]int64, error) {
	if tx.DriverName() == dialectPostgres {
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, qReserveDispatchIDsPostgres, n); err != nil {
			return nil, fmt.Errorf("reserve dispatch ids: %w", err)
		}
		return ids, nil
	}
	var last int64
	if err := tx.GetContext(ctx, &last, qLastDispatchID); err != nil {
		return nil, fmt.Errorf("reserve dispatch ids: %w", err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + 1 + int64(i)
	}
	return ids, nil
}

// BuildFunc builds the message that tells recipient of its fresh reminders.
type BuildFunc func(recipient string, fresh []Reminder) (Message, error)

// builtGroup is up to dispatchChunk built messages, or why one could not be built.
type builtGroup struct {
	queued []queued
	err    error
}

// buildAhead builds the messages of the digests that have fresh reminders,
// a group at a time, each group's messages on all cores, and sends the
// groups in digest order, one group ahead of the caller: rendering runs
// while the previous group is on its way to the database. The channel is
// closed after the last group, after an error, or when ctx ends.
func buildAhead(ctx context.Context, digests []Digest, fresh [][]Reminder, ids []int64, build BuildFunc) <-chan builtGroup {
	out := make(chan builtGroup, 1)
	go func() {
		defer close(out)
		var todo []int
		for i := range digests {
			if len(fresh[i]) > 0 {
				todo = append(todo, i)
			}
		}
		for _, window := range chunks(todo, dispatchChunk) {
			g := buildGroup(digests, fresh, ids, window, build)
			select {
			case out <- g:
			case <-ctx.Done():
				return
			}
			if g.err != nil {
				return
			}
		}
	}()
	return out
}

// buildGroup builds the messages of the digests at indices, in parallel.
func buildGroup(digests []Digest, fresh [][]Reminder, ids []int64, indices []int, build BuildFunc) builtGroup {
	g := builtGroup{queued: make([]queued, len(indices))}
	errs := make([]error, len(indices))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(indices)) {
		wg.Go(func() {
			for j := int(next.Add(1) - 1); j < len(indices); j = int(next.Add(1) - 1) {
				i := indices[j]
				msg, err := build(digests[i].Recipient, fresh[i])
				if err == nil && msg.Key == "" {
					err = fmt.Errorf("message to %s has no key", digests[i].Recipient)
				}
				if err != nil {
					errs[j] = fmt.Errorf("build message to %s: %w", digests[i].Recipient, err)
					continue
				}
				body := PackBodies(msg.Text, msg.HTML)
				msg.Text, msg.HTML = "", ""
				g.queued[j] = queued{recipient: digests[i].Recipient, msg: msg, body: body, fresh: fresh[i]}
				g.queued[j].id = ids[i]
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			g.err = err // the first in digest order, as a sequential build would stop at
			break
		}
	}
	return g
}

// insertReminders inserts every digest's reminders, ignoring known keys,
// and returns the fresh ones per digest, in the digest's order. Keys are
// inserted in sorted order so that two transactions racing over the same
// keys (PostgreSQL) wait for each other instead of deadlocking. ids are
// the digests' message ids the reminders are linked to.
func insertReminders(ctx context.Context, tx *sqlx.Tx, job string, runID int64, digests []Digest, ids []int64, now time.Time) ([][]Reminder, error) {
	all := make([][]Reminder, len(digests))
	total := 0
	for i, d := range digests {
		all[i] = make([]Reminder, len(d.Reminders))
		for j, r := range d.Reminders {
			r.Recipient = cmp.Or(r.Recipient, d.Recipient)
			if r.Key == "" {
				r.Key = reminderKey(r.Rule, r.Subject, r.Stage, r.Recipient)
			}
			r.dispatchID = ids[i]
			all[i][j] = r
		}
		total += len(d.Reminders)
	}
	sorted := make([]*Reminder, 0, total)
	for i := range all {
		for j := range all[i] {
			sorted = append(sorted, &all[i][j])
		}
	}
	slices.SortStableFunc(sorted, func(a, b *Reminder) int { return strings.Compare(a.Key, b.Key) })
	insert := insertRemindersSQLite
	if tx.DriverName() == dialectPostgres {
		insert = insertRemindersPostgres
	}
	if err := insert(ctx, tx, job, runID, sorted, now); err != nil {
		return nil, err
	}
	// The fresh reminders are kept in place, in all's arrays: a first run
	// has hundreds of thousands.
	for i := range all {
		all[i] = slices.DeleteFunc(all[i], func(r Reminder) bool { return !r.inserted })
	}
	return all, nil
}

// reminderChunk is how many reminders one multi-row INSERT carries.
const reminderChunk = 5000

// insertRemindersPostgres inserts the reminders a chunk at a time, in
// their order, each chunk one INSERT … SELECT FROM unnest(…) ON CONFLICT
// DO NOTHING RETURNING key, and marks those inserted. A run records tens
// of thousands of reminders: one round trip each would be most of its
// time.
func insertRemindersPostgres(ctx context.Context, tx *sqlx.Tx, job string, runID int64, rs []*Reminder, now time.Time) error {
	for _, chunk := range chunks(rs, reminderChunk) {
		cols := make([][]string, 5)
		dispatchIDs := make([]int64, len(chunk))
		for j, r := range chunk {
			for i, v := range []string{r.Key, r.Rule, r.Subject, r.Stage, r.Recipient} {
				cols[i] = append(cols[i], v)
			}
			dispatchIDs[j] = r.dispatchID
		}
		rows, err := tx.QueryContext(ctx, qInsertRemindersPostgres, pq.Array(cols[0]), pq.Array(cols[1]),
			pq.Array(cols[2]), pq.Array(cols[3]), pq.Array(cols[4]), pq.Array(dispatchIDs), job, runIDArg(runID), ts(now))
		if err := markInserted(rows, err, chunk); err != nil {
			return err
		}
	}
	return nil
}

// markInserted reads the keys a statement that inserted some of chunk
// gave back, marks the reminders of those keys inserted, and closes the
// rows. queryErr is the error of the query that gave them.
func markInserted(rows *sql.Rows, queryErr error, chunk []*Reminder) error {
	if queryErr != nil {
		return fmt.Errorf("insert reminders: %w", queryErr)
	}
	defer rows.Close()
	byKey := make(map[string]*Reminder, len(chunk))
	for _, r := range chunk {
		byKey[r.Key] = r
	}
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return fmt.Errorf("insert reminders: %w", err)
		}
		if r := byKey[key]; r != nil {
			r.inserted = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert reminders: %w", err)
	}
	return nil
}

// insertRemindersSQLite inserts the reminders sqliteRowsPerStatement at a
// time, in their order, each group one INSERT … VALUES … ON CONFLICT DO
// NOTHING, and marks those inserted. A group whose every row went in (a
// daily run's: its notices are nearly all new) is marked whole; reading
// the keys back (RETURNING) was a fifth of the time the reminders took.
// Of a group with known keys, the rows inserted are those past the
// largest id before it: the writer holds the database's lock, and a new
// rowid is the largest plus one.
func insertRemindersSQLite(ctx context.Context, tx *sqlx.Tx, job string, runID int64, rs []*Reminder, now time.Time) error {
	ptx := newPreparedTx(tx)
	defer ptx.Close()
	for _, chunk := range chunks(rs, sqliteRowsPerStatement) {
		var before int64
		if err := tx.GetContext(ctx, &before, qLastReminderID); err != nil {
			return fmt.Errorf("insert reminders: %w", err)
		}
		args := make([]any, 0, 9*len(chunk))
		for _, r := range chunk {
			args = append(args, r.Key, r.Rule, r.Subject, r.Stage, r.Recipient, r.dispatchID, job, runIDArg(runID), ts(now))
		}
		res, err := ptx.ExecContext(ctx, multiRowQuery(qInsertRemindersSQLite, qReminderValuesSQLite,
			qInsertRemindersSQLiteEnd, len(chunk)), args...)
		if err != nil {
			return fmt.Errorf("insert reminders: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == int64(len(chunk)) {
			for _, r := range chunk {
				r.inserted = true
			}
			continue
		}
		rows, err := tx.QueryContext(ctx, qRemindersAfterSQLite, before)
		if err := markInserted(rows, err, chunk); err != nil {
			return err
		}
	}
	return nil
}

// insertDispatchStates makes the messages just inserted pending, due now.
func insertDispatchStates(ctx context.Context, tx *preparedTx, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(ids))
	for _, id := range ids {
		args = append(args, id, ts(now), ts(now))
	}
	query := tx.Rebind(multiRowQuery(qInsertDispatchStates, qDispatchStateValues, "", len(ids)))
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("insert dispatch states: %w", err)
	}
	return nil
}

// dispatchChunk is how many messages are built at once and carried by one
// multi-row INSERT: enough to keep the cores busy and the round trips few,
// few enough that the bodies in flight (a group being built, one being
// inserted, and the driver's copy of it) stay a few MiB even when a first
// run's digests run to 100 KiB each.
const dispatchChunk = 32

// queued is a built message waiting to be inserted with the reminders it carries.
type queued struct {
	recipient string
	msg       Message // its Text and HTML are packed into body
	body      []byte  // PackBodies, done by the builders, on all cores
	fresh     []Reminder
	id        int64 // reserved for the message, its reminders linked to it
}

// relinkChunk is how many reminder keys one relinking UPDATE names.
const relinkChunk = 500

// relinkToExisting moves q's fresh reminders, inserted linked to q's
// reserved id, to the message queued before under q's key.
func relinkToExisting(ctx context.Context, tx *preparedTx, q queued) error {
	var existing int64
	if err := get(ctx, tx, &existing, qDispatchIDByKey, q.msg.Key); err != nil {
		return fmt.Errorf("insert dispatch %s: %w", q.msg.Key, err)
	}
	keys := make([]string, len(q.fresh))
	for i, r := range q.fresh {
		keys[i] = r.Key
	}
	for _, chunk := range chunks(keys, relinkChunk) {
		query, args, err := inList(tx, qRelinkReminders, qRelinkRemindersPostgres, existing, chunk)
		if err == nil {
			_, err = tx.ExecContext(ctx, query, args...)
		}
		if err != nil {
			return fmt.Errorf("link reminders to dispatch %s: %w", q.msg.Key, err)
		}
	}
	return nil
}

// insertDispatches inserts the group's messages, under the ids their
// reminders were inserted with, in one INSERT … VALUES … ON CONFLICT (key)
// DO NOTHING. A message whose key existed already is not inserted: its
// reminders are moved to that message. The placeholders are numbered ($N),
// which SQLite's driver binds by position too; the statement for a group
// size is prepared once in the transaction.
func insertDispatches(ctx context.Context, tx *preparedTx, job string, runID int64, group []queued, now time.Time) (int, error) {
	if len(group) == 0 {
		return 0, nil
	}
	// Plain parameters, not arrays: a body as an array element would be
	// quoted and escaped byte by byte on the way.
	args := []any{job, runIDArg(runID), ts(now)}
	var values strings.Builder
	for i, q := range group {
		if i > 0 {
			values.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&values, "($%d, $%d, $1, $2, $%d, $%d, $%d, $%d, $3)", n+1, n+2, n+3, n+4, n+5, n+6)
		args = append(args, q.id, q.msg.Key, q.recipient, q.msg.Subject, q.body, q.msg.Refs)
	}
	var inserted []int64
	if err := sqlx.SelectContext(ctx, tx, &inserted, qInsertDispatches+values.String()+qInsertDispatchesEnd, args...); err != nil {
		return 0, fmt.Errorf("insert dispatches: %w", err)
	}
	if err := insertDispatchStates(ctx, tx, inserted, now); err != nil {
		return 0, err
	}
	if len(inserted) == len(group) {
		return len(inserted), nil
	}
	isNew := make(map[int64]bool, len(inserted))
	for _, id := range inserted {
		isNew[id] = true
	}
	for _, q := range group {
		if !isNew[q.id] {
			if err := relinkToExisting(ctx, tx, q); err != nil {
				return 0, err
			}
		}
	}
	return len(inserted), nil
}
