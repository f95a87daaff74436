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
		query, args, err := in(s.rdb, qKnownReminders, chunk)
		if s.dialect == dialectPostgres {
			query, args, err = qKnownRemindersPostgres, []any{pq.Array(chunk)}, nil
		}
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
// number of reminders and dispatches inserted. build runs inside the
// transaction: it may read the store but must not write to it, and an error
// from it rolls everything back.
func (s *Store) CommitDigests(ctx context.Context, job string, runID int64, digests []Digest,
	build func(recipient string, fresh []Reminder) (Message, error), now time.Time) (reminders, dispatchCount int, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		reminders, dispatchCount = 0, 0
		fresh, err := insertReminders(ctx, tx, job, runID, digests, now)
		if err != nil {
			return err
		}
		// Messages are queued a group at a time: on PostgreSQL each group is
		// one INSERT and one UPDATE linking its reminders, not two round
		// trips per recipient.
		insert := insertDispatchesEach
		if tx.DriverName() == dialectPostgres {
			insert = insertDispatchesPostgres
		}
		var group []queued
		flush := func() error {
			n, err := insert(ctx, tx, job, runID, group, now)
			dispatchCount += n
			group = group[:0]
			return err
		}
		for i, d := range digests {
			if len(fresh[i]) == 0 {
				continue
			}
			reminders += len(fresh[i])
			msg, err := build(d.Recipient, fresh[i])
			if err != nil {
				return fmt.Errorf("build message to %s: %w", d.Recipient, err)
			}
			if msg.Key == "" {
				return fmt.Errorf("message to %s has no key", d.Recipient)
			}
			group = append(group, queued{recipient: d.Recipient, msg: msg, fresh: fresh[i]})
			if len(group) == dispatchChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: commit digests of %s: %w", job, err)
	}
	return reminders, dispatchCount, nil
}

// insertReminders inserts every digest's reminders, ignoring known keys,
// and returns the fresh ones per digest, in the digest's order. Keys are
// inserted in sorted order so that two transactions racing over the same
// keys (PostgreSQL) wait for each other instead of deadlocking.
func insertReminders(ctx context.Context, tx *sqlx.Tx, job string, runID int64, digests []Digest, now time.Time) ([][]Reminder, error) {
	type ref struct{ digest, index int }
	var refs []ref
	all := make([][]Reminder, len(digests))
	for i, d := range digests {
		all[i] = make([]Reminder, len(d.Reminders))
		for j, r := range d.Reminders {
			r.Recipient = cmp.Or(r.Recipient, d.Recipient)
			if r.Key == "" {
				r.Key = reminderKey(r.Rule, r.Subject, r.Stage, r.Recipient)
			}
			all[i][j] = r
			refs = append(refs, ref{i, j})
		}
	}
	slices.SortStableFunc(refs, func(a, b ref) int {
		return strings.Compare(all[a.digest][a.index].Key, all[b.digest][b.index].Key)
	})
	sorted := make([]*Reminder, len(refs))
	for i, rf := range refs {
		sorted[i] = &all[rf.digest][rf.index]
	}
	insert := insertRemindersEach
	if tx.DriverName() == dialectPostgres {
		insert = insertRemindersPostgres
	}
	if err := insert(ctx, tx, job, runID, sorted, now); err != nil {
		return nil, err
	}
	isFresh := make(map[ref]bool, len(refs))
	for _, rf := range refs {
		if all[rf.digest][rf.index].ID != 0 {
			isFresh[rf] = true
		}
	}
	fresh := make([][]Reminder, len(digests))
	for i := range all {
		for j, r := range all[i] {
			if isFresh[ref{i, j}] {
				fresh[i] = append(fresh[i], r)
			}
		}
	}
	return fresh, nil
}

// reminderChunk is how many reminders one multi-row INSERT carries.
const reminderChunk = 5000

// insertRemindersPostgres inserts the reminders a chunk at a time, in
// their order, each chunk one INSERT … SELECT FROM unnest(…) ON CONFLICT
// DO NOTHING, and sets the ID of those inserted; known keys keep ID 0. A
// run records tens of thousands of reminders: one round trip each would be
// most of its time.
func insertRemindersPostgres(ctx context.Context, tx *sqlx.Tx, job string, runID int64, rs []*Reminder, now time.Time) error {
	for _, chunk := range chunks(rs, reminderChunk) {
		cols := make([][]string, 5)
		byKey := make(map[string]*Reminder, len(chunk))
		for _, r := range chunk {
			for i, v := range []string{r.Key, r.Rule, r.Subject, r.Stage, r.Recipient} {
				cols[i] = append(cols[i], v)
			}
			byKey[r.Key] = r
		}
		rows, err := tx.QueryContext(ctx, qInsertRemindersPostgres, pq.Array(cols[0]), pq.Array(cols[1]),
			pq.Array(cols[2]), pq.Array(cols[3]), pq.Array(cols[4]), job, runIDArg(runID), ts(now))
		if err != nil {
			return fmt.Errorf("insert reminders: %w", err)
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return fmt.Errorf("insert reminders: %w", err)
			}
			if r := byKey[key]; r != nil {
				r.ID = id
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("insert reminders: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("insert reminders: %w", err)
		}
	}
	return nil
}

// insertRemindersEach inserts the reminders one by one with a prepared
// statement: SQLite runs in process, a statement costs no round trip.
func insertRemindersEach(ctx context.Context, tx *sqlx.Tx, job string, runID int64, rs []*Reminder, now time.Time) error {
	stmt, err := tx.PreparexContext(ctx, tx.Rebind(qInsertReminder))
	if err != nil {
		return fmt.Errorf("insert reminders: %w", err)
	}
	defer stmt.Close()
	for _, r := range rs {
		err := stmt.QueryRowxContext(ctx, r.Key, r.Rule, r.Subject, r.Stage, r.Recipient,
			job, runIDArg(runID), ts(now)).Scan(&r.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows): // known key: handled before
			r.ID = 0
		case err != nil:
			return fmt.Errorf("insert reminder %s: %w", r.Key, err)
		}
	}
	return nil
}

// dispatchChunk is how many messages one multi-row INSERT carries: a few
// MiB of bodies.
const dispatchChunk = 200

// queued is a built message waiting to be inserted with the reminders it carries.
type queued struct {
	recipient string
	msg       Message
	fresh     []Reminder
}

// insertDispatchesEach inserts and links the messages one by one.
func insertDispatchesEach(ctx context.Context, tx *sqlx.Tx, job string, runID int64, group []queued, now time.Time) (int, error) {
	n := 0
	for _, q := range group {
		inserted, err := insertDispatch(ctx, tx, job, runID, q.recipient, q.msg, q.fresh, now)
		if err != nil {
			return n, err
		}
		if inserted {
			n++
		}
	}
	return n, nil
}

// insertDispatchesPostgres inserts the group's messages with one INSERT …
// SELECT FROM unnest(…) ON CONFLICT (key) DO NOTHING, finds the ids of
// keys that existed already, and links every fresh reminder to its
// message with one UPDATE.
func insertDispatchesPostgres(ctx context.Context, tx *sqlx.Tx, job string, runID int64, group []queued, now time.Time) (int, error) {
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
		fmt.Fprintf(&values, "($%d, $1, $2, $%d, $%d, $%d, $%d, $%d, 'pending', 0, $3, $3, $3)", n+1, n+2, n+3, n+4, n+5, n+6)
		args = append(args, q.msg.Key, q.recipient, q.msg.Subject, q.msg.Text, q.msg.HTML, q.msg.Refs)
	}
	ids := make(map[string]int64, len(group))
	rows, err := tx.QueryContext(ctx, qInsertDispatchesPostgres+values.String()+qInsertDispatchesPostgresEnd, args...)
	if err != nil {
		return 0, fmt.Errorf("insert dispatches: %w", err)
	}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return 0, fmt.Errorf("insert dispatches: %w", err)
		}
		ids[key] = id
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("insert dispatches: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("insert dispatches: %w", err)
	}
	inserted := len(ids)
	var reminderIDs, dispatchIDs []int64
	for _, q := range group {
		id, ok := ids[q.msg.Key]
		if !ok { // the key existed: link the fresh reminders to that message
			if err := get(ctx, tx, &id, qDispatchIDByKey, q.msg.Key); err != nil {
				return 0, fmt.Errorf("insert dispatch %s: %w", q.msg.Key, err)
			}
			ids[q.msg.Key] = id
		}
		for _, r := range q.fresh {
			reminderIDs = append(reminderIDs, r.ID)
			dispatchIDs = append(dispatchIDs, id)
		}
	}
	if _, err := tx.ExecContext(ctx, qLinkRemindersPostgres, pq.Array(reminderIDs), pq.Array(dispatchIDs)); err != nil {
		return 0, fmt.Errorf("link reminders to dispatches: %w", err)
	}
	return inserted, nil
}

// insertDispatch queues msg for recipient and links the reminders it
// carries; it reports whether a new dispatch was inserted.
func insertDispatch(ctx context.Context, tx *sqlx.Tx, job string, runID int64, recipient string, msg Message, fresh []Reminder, now time.Time) (bool, error) {
	if msg.Key == "" {
		return false, fmt.Errorf("message to %s has no key", recipient)
	}
	var id int64
	inserted := true
	err := get(ctx, tx, &id, qInsertDispatch, msg.Key, job, runIDArg(runID), recipient, msg.Subject,
		msg.Text, msg.HTML, msg.Refs, ts(now), ts(now), ts(now))
	if errors.Is(err, sql.ErrNoRows) {
		inserted = false
		err = get(ctx, tx, &id, qDispatchIDByKey, msg.Key)
	}
	if err != nil {
		return false, fmt.Errorf("insert dispatch %s: %w", msg.Key, err)
	}
	ids := make([]int64, len(fresh))
	for i, r := range fresh {
		ids[i] = r.ID
	}
	for _, chunk := range chunks(ids, 500) {
		query, args, err := in(tx, qLinkReminders, id, chunk)
		if err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return false, fmt.Errorf("link reminders to dispatch %s: %w", msg.Key, err)
		}
	}
	return inserted, nil
}
