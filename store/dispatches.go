package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Reminder is one decision of the rules: tell Recipient about Subject at
// Stage, by Rule. Key is unique: rule|subject|stage|recipient (derived when
// empty).
type Reminder struct {
	Key, Rule, Subject, Stage, Recipient string

	dispatchID int64 // the message (its reserved id) it is inserted linked to
	inserted   bool  // recorded by this commit: its key was not known
}

// Digest is what one run wants to tell one recipient.
type Digest struct {
	Recipient string
	Reminders []Reminder
}

// Message is a built email. Key is the dispatch's unique key; Refs is JSON
// text of what the message concerns.
type Message struct {
	Key, Subject, Text, HTML, Refs string
}

// Dispatch states.
const (
	StatePending = "pending"
	StateSending = "sending"
	StateSent    = "sent"
	StateFailed  = "failed"
)

// Dispatch is one email to one recipient and its delivery state.
type Dispatch struct {
	ID                                                  int64
	Key, Job                                            string
	RunID                                               int64
	Recipient, Subject, BodyText, BodyHTML, Refs, State string
	Attempts                                            int
	NextAttemptAt                                       time.Time
	LeaseOwner                                          string
	LeaseUntil                                          time.Time
	LastError, SMTPReply, MessageID                     string
	CreatedAt, SentAt                                   time.Time
}

type dispatchRow struct {
	ID            int64         `db:"id"`
	Key           string        `db:"key"`
	Job           string        `db:"job"`
	RunID         sql.NullInt64 `db:"run_id"`
	Recipient     string        `db:"recipient"`
	Subject       string        `db:"subject"`
	BodyText      string        `db:"body_text"`
	BodyHTML      string        `db:"body_html"`
	Body          []byte        `db:"body"` // PackBodies; nil in rows written before it
	Refs          string        `db:"refs"`
	State         string        `db:"state"`
	Attempts      int           `db:"attempts"`
	NextAttemptAt dbTime        `db:"next_attempt_at"`
	LeaseOwner    string        `db:"lease_owner"`
	LeaseUntil    dbTime        `db:"lease_until"`
	LastError     string        `db:"last_error"`
	SMTPReply     string        `db:"smtp_reply"`
	MessageID     string        `db:"message_id"`
	CreatedAt     dbTime        `db:"created_at"`
	SentAt        dbTime        `db:"sent_at"`
}

func (r dispatchRow) dispatch() (Dispatch, error) {
	text, html := r.BodyText, r.BodyHTML
	if r.Body != nil {
		var err error
		if text, html, err = unpackBodies(r.Body); err != nil {
			return Dispatch{}, fmt.Errorf("dispatch %d: %w", r.ID, err)
		}
	}
	return Dispatch{
		ID: r.ID, Key: r.Key, Job: r.Job, RunID: r.RunID.Int64, Recipient: r.Recipient,
		Subject: r.Subject, BodyText: text, BodyHTML: html, Refs: r.Refs, State: r.State,
		Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.Time, LeaseOwner: r.LeaseOwner,
		LeaseUntil: r.LeaseUntil.Time, LastError: r.LastError, SMTPReply: r.SMTPReply,
		MessageID: r.MessageID, CreatedAt: r.CreatedAt.Time, SentAt: r.SentAt.Time,
	}, nil
}

func dispatches(rows []dispatchRow) ([]Dispatch, error) {
	out := make([]Dispatch, len(rows))
	for i, r := range rows {
		var err error
		if out[i], err = r.dispatch(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runIDArg stores run id 0 ("no run", e.g. a manual send) as NULL so that
// the foreign key to job_runs holds.
func runIDArg(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// defaultClaimLimit applies when ClaimDispatches is asked for limit <= 0.
const defaultClaimLimit = 100

// ClaimDispatches leases up to limit dispatches to owner until now+lease:
// pending ones whose next attempt is due (any pending one with
// ignoreBackoff) and sending ones whose lease expired (a crashed worker).
// Each claim counts an attempt. Concurrent claimers never get the same row.
// The result is ordered by next attempt time, oldest first; the claimed
// dispatches carry what sending needs, not their Refs.
func (s *Store) ClaimDispatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, ignoreBackoff bool) ([]Dispatch, error) {
	args, err := claimArgs(owner, now, lease, limit, ignoreBackoff)
	if err != nil {
		return nil, err
	}
	query, qargs, err := sqlx.Named(s.q.claimDispatches, args)
	if err != nil {
		return nil, fmt.Errorf("store: claim dispatches: %w", err)
	}
	query = s.db.Rebind(query)
	if s.dialect == dialectSQLite {
		return s.claimSQLite(ctx, func(tx *sqlx.Tx) (*sql.Rows, error) { return tx.QueryContext(ctx, query, qargs...) })
	}
	rows, err := s.db.QueryContext(ctx, query, qargs...)
	if err != nil {
		return nil, fmt.Errorf("store: claim dispatches: %w", err)
	}
	return claimResult(scanClaimed(rows))
}

// claimSQLite runs an SQLite claim in one transaction: lease, which
// returns the ids of the leased states, then the read of their messages.
func (s *Store) claimSQLite(ctx context.Context, lease func(tx *sqlx.Tx) (*sql.Rows, error)) ([]Dispatch, error) {
	var out []Dispatch
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		rows, err := lease(tx)
		if err != nil {
			return err
		}
		ids, err := scanIDs(rows)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		list, err := json.Marshal(ids)
		if err != nil {
			return err
		}
		if rows, err = tx.QueryContext(ctx, qClaimedSQLite, string(list)); err != nil {
			return err
		}
		out, err = scanClaimed(rows)
		return err
	})
	return claimResult(out, err)
}

// claimArgs checks a claim's arguments and names them for the claim statement.
func claimArgs(owner string, now time.Time, lease time.Duration, limit int, ignoreBackoff bool) (map[string]any, error) {
	if owner == "" || lease <= 0 {
		return nil, errors.New("store: claim dispatches: owner and a positive lease are required")
	}
	if limit <= 0 {
		limit = defaultClaimLimit
	}
	dueBy := now
	if ignoreBackoff {
		dueBy = farFuture
	}
	return map[string]any{
		"owner":  owner,
		"now":    ts(now),
		"until":  ts(now.Add(lease)),
		"limit":  limit,
		"due_by": ts(dueBy),
	}, nil
}

// scanClaimed reads the rows of a claim (claimCols, in order) and closes
// them. The columns are scanned by position, not matched to fields by
// name: a delivery claims every message it sends, thousands a minute.
// A claimed Dispatch has no Refs.
func scanClaimed(rows *sql.Rows) ([]Dispatch, error) {
	defer rows.Close()
	var out []dispatchRow
	for rows.Next() {
		var r dispatchRow
		if err := rows.Scan(&r.ID, &r.Key, &r.Job, &r.RunID, &r.Recipient, &r.Subject, &r.BodyText,
			&r.BodyHTML, &r.Body, &r.State, &r.Attempts, &r.NextAttemptAt, &r.LeaseOwner, &r.LeaseUntil,
			&r.LastError, &r.SMTPReply, &r.MessageID, &r.CreatedAt, &r.SentAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return claimed(out)
}

// claimResult wraps the error of a claim.
func claimResult(ds []Dispatch, err error) ([]Dispatch, error) {
	if err != nil {
		return nil, fmt.Errorf("store: claim dispatches: %w", err)
	}
	return ds, nil
}

// scanIDs reads a column of ids and closes the rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// claimed orders claimed rows by next attempt: RETURNING does not keep the
// subquery's order.
func claimed(rows []dispatchRow) ([]Dispatch, error) {
	slices.SortFunc(rows, func(a, b dispatchRow) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt.Time), cmp.Compare(a.ID, b.ID))
	})
	return dispatches(rows)
}

// MarkSent settles a claimed dispatch as sent.
func (s *Store) MarkSent(ctx context.Context, id int64, owner, messageID, reply string, now time.Time) error {
	return s.settle(ctx, "sent", id, owner, qMarkSent, ts(now), ts(now), messageID, reply, id, owner)
}

// farFuture is later than any next attempt: what "due by" means when the
// backoff is ignored.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// SentMark is a dispatch the transport handed over, to be settled as sent.
type SentMark struct {
	ID               int64
	MessageID, Reply string
}

// MarkSentMany settles claimed dispatches as sent, each as MarkSent would,
// in one statement (PostgreSQL) or one transaction (SQLite): a worker
// records a stream of deliveries with one commit per group instead of one
// per message. It returns the ids it did not settle because they are no
// longer sending under owner's lease (where MarkSent says ErrConflict or
// ErrNotFound).
func (s *Store) MarkSentMany(ctx context.Context, owner string, marks []SentMark, now time.Time) (lost []int64, err error) {
	if len(marks) == 0 {
		return nil, nil
	}
	var settled []int64
	if s.dialect == dialectPostgres {
		settled, err = s.markSentManyPostgres(ctx, owner, marks, now)
	} else {
		settled, err = s.markSentManyEach(ctx, owner, marks, now)
	}
	if err != nil {
		return nil, fmt.Errorf("store: mark %d dispatches sent: %w", len(marks), err)
	}
	return unsettled(marks, settled), nil
}

// unsettled returns the ids of marks that are not among settled.
func unsettled(marks []SentMark, settled []int64) (lost []int64) {
	done := make(map[int64]bool, len(settled))
	for _, id := range settled {
		done[id] = true
	}
	for _, m := range marks {
		if !done[m.ID] {
			lost = append(lost, m.ID)
		}
	}
	return lost
}

func (s *Store) markSentManyPostgres(ctx context.Context, owner string, marks []SentMark, now time.Time) ([]int64, error) {
	query, args, err := sqlx.Named(qMarkSentManyPostgres, sentManyArgs(owner, marks, now))
	if err != nil {
		return nil, err
	}
	var settled []int64
	if err := sel(ctx, s.db, &settled, query, args...); err != nil {
		return nil, err
	}
	return settled, nil
}

// sentManyArgs names the arguments of qMarkSentManyPostgres: the marks as
// parallel arrays.
func sentManyArgs(owner string, marks []SentMark, now time.Time) map[string]any {
	ids := make([]int64, len(marks))
	messageIDs := make([]string, len(marks))
	replies := make([]string, len(marks))
	for i, m := range marks {
		ids[i], messageIDs[i], replies[i] = m.ID, m.MessageID, m.Reply
	}
	return map[string]any{
		"now": ts(now), "owner": owner,
		"ids": pq.Array(ids), "message_ids": pq.Array(messageIDs), "replies": pq.Array(replies),
	}
}

// markSentManyEach runs MarkSent's statement for each mark in one
// transaction: SQLite statements cost no round trip, the commit is what counts.
func (s *Store) markSentManyEach(ctx context.Context, owner string, marks []SentMark, now time.Time) ([]int64, error) {
	var settled []int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		stmt, err := tx.PreparexContext(ctx, tx.Rebind(qMarkSent))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, m := range marks {
			res, err := stmt.ExecContext(ctx, ts(now), ts(now), m.MessageID, m.Reply, m.ID, owner)
			if err != nil {
				return fmt.Errorf("dispatch %d: %w", m.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				settled = append(settled, m.ID)
			}
		}
		return nil
	})
	return settled, err
}

// MarkRetry puts a claimed dispatch back to pending, to be tried at next.
func (s *Store) MarkRetry(ctx context.Context, id int64, owner, messageID, errText, reply string, next time.Time) error {
	return s.settle(ctx, "for retry", id, owner, qMarkRetry, ts(next), errText, messageID, reply, id, owner)
}

// MarkFailed settles a claimed dispatch as failed for good.
func (s *Store) MarkFailed(ctx context.Context, id int64, owner, messageID, errText, reply string, now time.Time) error {
	return s.settle(ctx, "failed", id, owner, qMarkFailed, ts(now), errText, messageID, reply, id, owner)
}

// settle runs a Mark* update, which only touches a row still sending and
// leased by owner: ErrNotFound when the dispatch does not exist,
// ErrConflict when the lease was lost (expired and claimed by another
// worker) or the row was settled already.
func (s *Store) settle(ctx context.Context, what string, id int64, owner, query string, args ...any) error {
	err := execOne(ctx, s.db, query, args...)
	if errors.Is(err, ErrNotFound) {
		var cur struct {
			State string `db:"state"`
			Owner string `db:"lease_owner"`
		}
		if gerr := get(ctx, s.db, &cur, qDispatchLease, id); gerr != nil {
			err = classify(gerr)
		} else {
			err = fmt.Errorf("state %s leased by %q, not a claim of %q: %w", cur.State, cur.Owner, owner, ErrConflict)
		}
	}
	if err != nil {
		return fmt.Errorf("store: mark dispatch %d %s: %w", id, what, err)
	}
	return nil
}

// PreparedDelivery claims and settles dispatches as the Store does, with
// statements prepared once and run again and again: a delivery pass claims
// and settles hundreds of times, and each unprepared run of the claim had
// PostgreSQL parse and plan it afresh (and cost lib/pq a round trip more).
// Statements are prepared on first use; Close releases them. It is safe for
// concurrent use.
//
// On PostgreSQL each statement runs on a connection of its own, held for
// the pass, on which the plans are generic (plan_cache_mode): prepared
// alone, the claim was still planned at every run, because its plan
// depends on its parameters (the limit, the times), and planning it cost
// PostgreSQL as much as running it. Both statements read and write through
// primary keys and the worker's partial indexes whatever the parameters,
// so the generic plan is the plan.
type PreparedDelivery struct {
	s *Store

	mu    sync.Mutex
	claim *sqlx.NamedStmt // SQLite
	pg    [2]*pinnedStmt  // PostgreSQL: the claim and the settlement
}

// The statements of a PostgreSQL delivery pass, as indexes of pg.
const (
	pinnedClaim = iota
	pinnedSent
)

// PrepareDelivery returns the prepared statements of one delivery pass;
// the caller closes them when the pass ends.
func (s *Store) PrepareDelivery() *PreparedDelivery {
	return &PreparedDelivery{s: s}
}

// ClaimDispatches is Store.ClaimDispatches with a prepared statement.
func (p *PreparedDelivery) ClaimDispatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, ignoreBackoff bool) ([]Dispatch, error) {
	args, err := claimArgs(owner, now, lease, limit, ignoreBackoff)
	if err != nil {
		return nil, err
	}
	if p.s.dialect == dialectSQLite {
		stmt, err := p.preparedSQLite(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: claim dispatches: %w", err)
		}
		return p.s.claimSQLite(ctx, func(tx *sqlx.Tx) (*sql.Rows, error) {
			return tx.NamedStmtContext(ctx, stmt).QueryContext(ctx, args)
		})
	}
	stmt, err := p.pinned(ctx, pinnedClaim, p.s.q.claimDispatches, args)
	if err != nil {
		return nil, fmt.Errorf("store: claim dispatches: %w", err)
	}
	rows, err := stmt.query(ctx, args)
	if err != nil {
		return nil, fmt.Errorf("store: claim dispatches: %w", err)
	}
	return claimResult(scanClaimed(rows))
}

// MarkSentMany is Store.MarkSentMany with a prepared statement.
func (p *PreparedDelivery) MarkSentMany(ctx context.Context, owner string, marks []SentMark, now time.Time) (lost []int64, err error) {
	if len(marks) == 0 || p.s.dialect != dialectPostgres {
		return p.s.MarkSentMany(ctx, owner, marks, now)
	}
	args := sentManyArgs(owner, marks, now)
	stmt, err := p.pinned(ctx, pinnedSent, qMarkSentManyPostgres, args)
	if err != nil {
		return nil, fmt.Errorf("store: mark %d dispatches sent: %w", len(marks), err)
	}
	rows, err := stmt.query(ctx, args)
	if err != nil {
		return nil, fmt.Errorf("store: mark %d dispatches sent: %w", len(marks), err)
	}
	settled, err := scanIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("store: mark %d dispatches sent: %w", len(marks), err)
	}
	return unsettled(marks, settled), nil
}

// preparedSQLite returns the SQLite claim, preparing it on first use.
func (p *PreparedDelivery) preparedSQLite(ctx context.Context) (*sqlx.NamedStmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.claim == nil {
		stmt, err := p.s.db.PrepareNamedContext(ctx, p.s.q.claimDispatches)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		p.claim = stmt
	}
	return p.claim, nil
}

// pinned returns the PostgreSQL statement in slot, preparing query on a
// connection of its own on first use; args name its parameters.
func (p *PreparedDelivery) pinned(ctx context.Context, slot int, query string, args map[string]any) (*pinnedStmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pg[slot] == nil {
		stmt, err := p.s.pinStatement(ctx, query, args)
		if err != nil {
			return nil, err
		}
		p.pg[slot] = stmt
	}
	return p.pg[slot], nil
}

// Close releases the prepared statements and their connections.
func (p *PreparedDelivery) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	if p.claim != nil {
		errs = append(errs, p.claim.Close())
		p.claim = nil
	}
	for i, stmt := range p.pg {
		if stmt != nil {
			errs = append(errs, stmt.close())
			p.pg[i] = nil
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close delivery statements: %w", err)
	}
	return nil
}

// pinnedStmt is a named statement prepared on a connection held for it,
// on which PostgreSQL plans generically.
type pinnedStmt struct {
	conn  *sql.Conn
	stmt  *sql.Stmt
	named string // the query, with :named parameters
}

// pinStatement takes a connection from the pool, has PostgreSQL plan
// generically on it and prepares query, whose :named parameters are args'.
func (s *Store) pinStatement(ctx context.Context, query string, args map[string]any) (*pinnedStmt, error) {
	compiled, _, err := sqlx.Named(query, args)
	if err != nil {
		return nil, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if _, err := conn.ExecContext(ctx, qGenericPlans); err != nil {
		discardConn(conn)
		return nil, fmt.Errorf("generic plans: %w", err)
	}
	stmt, err := conn.PrepareContext(ctx, s.db.Rebind(compiled))
	if err != nil {
		discardConn(conn)
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return &pinnedStmt{conn: conn, stmt: stmt, named: query}, nil
}

// query runs the statement with the named arguments args.
func (p *pinnedStmt) query(ctx context.Context, args map[string]any) (*sql.Rows, error) {
	_, values, err := sqlx.Named(p.named, args)
	if err != nil {
		return nil, err
	}
	return p.stmt.QueryContext(ctx, values...)
}

// close releases the statement and gives the connection back to the pool
// as it found it; a connection that cannot be reset is dropped instead.
func (p *pinnedStmt) close() error {
	err := p.stmt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, resetErr := p.conn.ExecContext(ctx, qDefaultPlans); resetErr != nil {
		discardConn(p.conn)
		return errors.Join(err, fmt.Errorf("reset plans: %w", resetErr))
	}
	return errors.Join(err, p.conn.Close())
}

// discardConn closes a held connection for good instead of pooling it.
func discardConn(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// RetryDispatch puts a failed dispatch back to pending, due at now, with a
// fresh attempt budget; ErrConflict when it is not failed.
func (s *Store) RetryDispatch(ctx context.Context, id int64, now time.Time) error {
	err := execOne(ctx, s.db, qRetryDispatch, ts(now), ts(now), id)
	if errors.Is(err, ErrNotFound) {
		var state string
		if gerr := get(ctx, s.db, &state, qDispatchState, id); gerr != nil {
			err = classify(gerr)
		} else {
			err = fmt.Errorf("state is %s, not failed: %w", state, ErrConflict)
		}
	}
	if err != nil {
		return fmt.Errorf("store: retry dispatch %d: %w", id, err)
	}
	return nil
}

// DispatchFilter selects dispatches by creation time (Since inclusive,
// Until exclusive), state, recipient (case-insensitive) and job; zero
// fields match everything. Limit <= 0 means no limit.
type DispatchFilter struct {
	Since, Until   time.Time
	State, To, Job string
	Limit, Offset  int
}

// ListDispatches returns the dispatches matching f, newest first.
func (s *Store) ListDispatches(ctx context.Context, f DispatchFilter) ([]Dispatch, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if !f.Since.IsZero() {
		add(fDispatchSince, ts(f.Since))
	}
	if !f.Until.IsZero() {
		add(fDispatchUntil, ts(f.Until))
	}
	if f.State != "" {
		add(fDispatchState, f.State)
	}
	if f.To != "" {
		add(fDispatchTo, f.To)
	}
	if f.Job != "" {
		add(fDispatchJob, f.Job)
	}
	query := qListDispatches
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += qDispatchesOrder
	switch {
	case f.Limit > 0:
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	case f.Offset > 0:
		query += ` LIMIT ` + s.q.noLimit
	}
	if f.Offset > 0 {
		query += ` OFFSET ?`
		args = append(args, f.Offset)
	}
	var rows []dispatchRow
	if err := sel(ctx, s.rdb, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("store: list dispatches: %w", err)
	}
	ds, err := dispatches(rows)
	if err != nil {
		return nil, fmt.Errorf("store: list dispatches: %w", err)
	}
	return ds, nil
}

// GetDispatch returns one dispatch, or ErrNotFound.
func (s *Store) GetDispatch(ctx context.Context, id int64) (Dispatch, error) {
	var r dispatchRow
	if err := get(ctx, s.rdb, &r, qGetDispatch, id); err != nil {
		return Dispatch{}, fmt.Errorf("store: get dispatch %d: %w", id, classify(err))
	}
	d, err := r.dispatch()
	if err != nil {
		return Dispatch{}, fmt.Errorf("store: get dispatch: %w", err)
	}
	return d, nil
}

// NextDispatchDue returns the earliest next attempt time of the pending
// dispatches; false when none is pending.
func (s *Store) NextDispatchDue(ctx context.Context) (time.Time, bool, error) {
	var t dbTime
	if err := get(ctx, s.rdb, &t, qNextDispatchDue); err != nil {
		return time.Time{}, false, fmt.Errorf("store: next dispatch due: %w", err)
	}
	return t.Time, !t.IsZero(), nil
}

// CountDispatchesByState counts dispatches per state; every state is present.
func (s *Store) CountDispatchesByState(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := sel(ctx, s.rdb, &rows, qCountByState); err != nil {
		return nil, fmt.Errorf("store: count dispatches: %w", err)
	}
	out := map[string]int{StatePending: 0, StateSending: 0, StateSent: 0, StateFailed: 0}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}
