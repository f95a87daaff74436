package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Dispatch states.
const (
	StatePending = "pending"
	StateSending = "sending"
	StateSent    = "sent"
	StateFailed  = "failed"
)

// states are the dispatch states in the order they are shown.
var states = []string{StatePending, StateSending, StateSent, StateFailed}

// StateLabel is the Chinese name of a dispatch state, as the console and
// the office say it; an unknown state stands for itself.
func StateLabel(state string) string {
	switch state {
	case StatePending:
		return "待发送"
	case StateSending:
		return "发送中"
	case StateSent:
		return "已发送"
	case StateFailed:
		return "发送失败"
	}
	return state
}

// ParseState reads a dispatch state by its name or its Chinese label.
func ParseState(s string) (string, error) {
	for _, st := range states {
		if s == st || s == StateLabel(st) {
			return st, nil
		}
	}
	return "", fmt.Errorf("invalid status %q: want pending (待发送), sending (发送中), sent (已发送) or failed (发送失败)", s)
}

// Dispatch is one message to one recipient and its delivery state.
type Dispatch struct {
	ID                                                  int64
	Key, Job                                            string
	RunID                                               int64
	Recipient, Subject, BodyText, BodyHTML, Refs, State string
	Channel                                             string // ledger.ChannelEmail, or a robot's platform
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
	Channel       string        `db:"channel"`
	Subject       string        `db:"subject"`
	BodyText      string        `db:"body_text"`
	BodyHTML      string        `db:"body_html"`
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

func (r dispatchRow) dispatch() Dispatch {
	return Dispatch{
		ID: r.ID, Key: r.Key, Job: r.Job, RunID: r.RunID.Int64, Recipient: r.Recipient, Channel: r.Channel,
		Subject: r.Subject, BodyText: r.BodyText, BodyHTML: r.BodyHTML, Refs: r.Refs, State: r.State,
		Attempts: r.Attempts, NextAttemptAt: r.NextAttemptAt.Time, LeaseOwner: r.LeaseOwner,
		LeaseUntil: r.LeaseUntil.Time, LastError: r.LastError, SMTPReply: r.SMTPReply,
		MessageID: r.MessageID, CreatedAt: r.CreatedAt.Time, SentAt: r.SentAt.Time,
	}
}

func dispatches(rows []dispatchRow) []Dispatch {
	out := make([]Dispatch, len(rows))
	for i, r := range rows {
		out[i] = r.dispatch()
	}
	return out
}

// runIDArg stores run id 0 ("no run", e.g. a manual send) as NULL so that
// the foreign key to job_runs holds.
func runIDArg(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// farFuture is later than any next attempt: what "due by" means when the
// backoff is ignored.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// ClaimDispatches leases up to limit dispatches to owner until now+lease:
// pending ones whose next attempt is due (any pending one with
// ignoreBackoff) and sending ones whose lease expired (a crashed worker).
// Each claim counts an attempt. Concurrent claimers never get the same
// row: PostgreSQL skips the rows another claim has locked, and SQLite
// runs the statement under its one write lock. The result is ordered by
// next attempt time, oldest first.
func (s *Store) ClaimDispatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, ignoreBackoff bool) ([]Dispatch, error) {
	if owner == "" || lease <= 0 || limit <= 0 {
		return nil, errors.New("store: claim dispatches: owner, a positive lease and a positive limit are required")
	}
	dueBy := now
	if ignoreBackoff {
		dueBy = farFuture
	}
	if _, err := exec(ctx, s.db, qReleaseExpired, ts(now)); err != nil {
		return nil, fmt.Errorf("store: claim dispatches: release expired leases: %w", err)
	}
	var rows []dispatchRow
	err := sel(ctx, s.db, &rows, s.q.claimDispatches, owner, ts(now.Add(lease)), ts(now), ts(dueBy), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim dispatches: %w", err)
	}
	// RETURNING does not keep the subquery's order.
	slices.SortFunc(rows, func(a, b dispatchRow) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt.Time), cmp.Compare(a.ID, b.ID))
	})
	return dispatches(rows), nil
}

// Outcome is what became of a claimed dispatch: sent, failed for good, or
// pending again (a temporary failure to retry at NextAttemptAt, or a
// dispatch handed back unsent).
type Outcome struct {
	ID            int64
	State         string    // StateSent, StateFailed or StatePending
	NextAttemptAt time.Time // StatePending: when to try again
	MessageID     string    // kept when empty
	Reply         string    // the server's reply, or where the message went
	Error         string    // the last error, kept for a sent message
	Unsent        bool      // handed back without an attempt: the claim's count is undone
}

// Settle records the outcomes of claimed dispatches in one transaction.
// Only a dispatch still sending under owner's lease is settled; the ids of
// the others (their lease expired and another worker took them over, or
// they were settled already) are returned as lost.
func (s *Store) Settle(ctx context.Context, owner string, outcomes []Outcome, now time.Time) (lost []int64, err error) {
	rows := make([]settleRow, len(outcomes))
	for i, o := range outcomes {
		if !validOutcome(o.State) {
			return nil, fmt.Errorf("store: settle dispatch %d: state %q is no outcome", o.ID, o.State)
		}
		rows[i] = settleRowOf(o, now)
	}
	var settled []int64
	if s.dialect == dialectPostgres {
		settled, err = settlePostgres(ctx, s.db, owner, rows, now)
	} else {
		err = s.inTx(ctx, func(tx *sqlx.Tx) error {
			settled, err = settleEach(ctx, tx, owner, rows, now)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("store: settle %d dispatches: %w", len(outcomes), err)
	}
	done := make(map[int64]bool, len(settled))
	for _, id := range settled {
		done[id] = true
	}
	for _, o := range outcomes {
		if !done[o.ID] {
			lost = append(lost, o.ID)
		}
	}
	return lost, nil
}

// settleRow is an outcome as the settlement writes it.
type settleRow struct {
	id                      int64
	state                   string
	next, sent              sql.NullString // NULL keeps next_attempt_at, or leaves sent_at empty
	undo                    int            // 1 undoes the claim's attempt
	errText, reply, message string
}

func settleRowOf(o Outcome, now time.Time) settleRow {
	r := settleRow{id: o.ID, state: o.State, errText: o.Error, reply: o.Reply, message: o.MessageID}
	switch o.State {
	case StatePending:
		r.next = nullTime(o.NextAttemptAt)
	case StateSent:
		r.sent = nullTime(now)
	}
	if o.Unsent {
		r.undo = 1
	}
	return r
}

func nullTime(t time.Time) sql.NullString {
	v, ok := ts(t).(string)
	return sql.NullString{String: v, Valid: ok}
}

// settlePostgres settles every row in one statement: one round trip, not
// one per message.
func settlePostgres(ctx context.Context, db *sqlx.DB, owner string, rows []settleRow, now time.Time) ([]int64, error) {
	ids, undo := make([]int64, len(rows)), make([]int64, len(rows))
	next, sent := make([]sql.NullString, len(rows)), make([]sql.NullString, len(rows))
	states, errs, replies, messages := make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		ids[i], states[i], next[i], undo[i] = r.id, r.state, r.next, int64(r.undo)
		errs[i], replies[i], messages[i], sent[i] = r.errText, r.reply, r.message, r.sent
	}
	var settled []int64
	err := db.SelectContext(ctx, &settled, qSettlePostgres, pq.Array(ids), pq.Array(states), pq.Array(next),
		pq.Array(undo), pq.Array(errs), pq.Array(replies), pq.Array(messages), pq.Array(sent), ts(now), owner)
	return settled, err
}

// settleEach settles the rows one statement each: in process, SQLite's
// statements cost no round trip.
func settleEach(ctx context.Context, tx *sqlx.Tx, owner string, rows []settleRow, now time.Time) ([]int64, error) {
	var settled []int64
	for _, r := range rows {
		res, err := exec(ctx, tx, qSettle, r.state, r.next, r.undo, r.errText, r.reply, r.message, r.sent, ts(now), r.id, owner)
		if err != nil {
			return nil, fmt.Errorf("dispatch %d: %w", r.id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n == 1 {
			settled = append(settled, r.id)
		}
	}
	return settled, nil
}

func validOutcome(state string) bool {
	return state == StateSent || state == StateFailed || state == StatePending
}

// retryState is a dispatch as the audit log records a retry of it.
type retryState struct {
	State    string `db:"state" json:"state"`
	Attempts int    `db:"attempts" json:"attempts"`
}

// RetryDispatch puts a failed dispatch back to pending, due at now, with a
// fresh attempt budget, and records by's retry in the audit log;
// ErrConflict when it is not failed.
func (s *Store) RetryDispatch(ctx context.Context, id int64, now time.Time, by Actor) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var before retryState
		if err := get(ctx, tx, &before, qDispatchState, id); err != nil {
			return classify(err)
		}
		err := execOne(ctx, tx, qRetryDispatch, ts(now), ts(now), id)
		if errors.Is(err, ErrNotFound) { // not failed, or retried meanwhile
			return fmt.Errorf("state is %s, not failed: %w", before.State, ErrConflict)
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, by, now, ActionDispatchRetry, ObjectDispatch, strconv.FormatInt(id, 10),
			before, retryState{State: StatePending})
	})
	if err != nil {
		return fmt.Errorf("store: retry dispatch %d: %w", id, err)
	}
	return nil
}

// RetryFailed puts the failed dispatches among those f selects (its State,
// Limit and Offset aside) back to pending, due at now, with a fresh
// attempt budget, each with by's retry in the audit log, and returns how
// many.
func (s *Store) RetryFailed(ctx context.Context, f DispatchFilter, now time.Time, by Actor) (int, error) {
	where, args := dispatchConditions(DispatchFilter{Since: f.Since, Until: f.Until, To: f.To, Job: f.Job, Channel: f.Channel,
		State: StateFailed})
	var failed []struct {
		ID int64 `db:"id"`
		retryState
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := sel(ctx, tx, &failed, qFailedDispatches+" WHERE "+strings.Join(where, " AND ")+s.q.forUpdate, args...); err != nil {
			return err
		}
		for _, d := range failed { // locked: still failed
			if err := execOne(ctx, tx, qRetryDispatch, ts(now), ts(now), d.ID); err != nil {
				return err
			}
			if err := audit(ctx, tx, by, now, ActionDispatchRetry, ObjectDispatch, strconv.FormatInt(d.ID, 10),
				d.retryState, retryState{State: StatePending}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: retry failed dispatches: %w", err)
	}
	return len(failed), nil
}

// DispatchFilter selects dispatches by creation time (Since inclusive,
// Until exclusive), state, recipient (case-insensitive), job and channel;
// zero fields match everything. Limit <= 0 means no limit.
type DispatchFilter struct {
	Since, Until            time.Time
	State, To, Job, Channel string
	Limit, Offset           int
}

// ListDispatches returns the dispatches matching f, newest first.
func (s *Store) ListDispatches(ctx context.Context, f DispatchFilter) ([]Dispatch, error) {
	where, args := dispatchConditions(f)
	query := qListDispatches
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += qDispatchesOrder
	query, args = s.page(query, args, f.Limit, f.Offset)
	var rows []dispatchRow
	if err := sel(ctx, s.rdb, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("store: list dispatches: %w", err)
	}
	return dispatches(rows), nil
}

// dispatchConditions are the conditions of f, to join with AND, and
// their arguments.
func dispatchConditions(f DispatchFilter) ([]string, []any) {
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
	if f.Channel != "" {
		add(fDispatchChannel, f.Channel)
	}
	return where, args
}

// GetDispatch returns one dispatch, or ErrNotFound.
func (s *Store) GetDispatch(ctx context.Context, id int64) (Dispatch, error) {
	var r dispatchRow
	if err := get(ctx, s.rdb, &r, qGetDispatch, id); err != nil {
		return Dispatch{}, fmt.Errorf("store: get dispatch %d: %w", id, classify(err))
	}
	return r.dispatch(), nil
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

// DispatchCount is how many dispatches of one channel are in one state.
type DispatchCount struct {
	State   string `db:"state"`
	Channel string `db:"channel"`
	N       int    `db:"n"`
}

// CountDispatches counts dispatches per state and channel; a pair without
// dispatches is absent.
func (s *Store) CountDispatches(ctx context.Context) ([]DispatchCount, error) {
	var rows []DispatchCount
	if err := sel(ctx, s.rdb, &rows, qCountByState); err != nil {
		return nil, fmt.Errorf("store: count dispatches: %w", err)
	}
	return rows, nil
}

// CountDispatchesByState counts dispatches per state, over every channel;
// every state is present.
func (s *Store) CountDispatchesByState(ctx context.Context) (map[string]int, error) {
	rows, err := s.CountDispatches(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{StatePending: 0, StateSending: 0, StateSent: 0, StateFailed: 0}
	for _, r := range rows {
		out[r.State] += r.N
	}
	return out, nil
}

// OldestUndelivered returns when the oldest dispatch still pending (or
// being sent) was created; false when every dispatch is settled.
func (s *Store) OldestUndelivered(ctx context.Context) (time.Time, bool, error) {
	var t dbTime
	if err := get(ctx, s.rdb, &t, qOldestUndelivered); err != nil {
		return time.Time{}, false, fmt.Errorf("store: oldest undelivered dispatch: %w", err)
	}
	return t.Time, !t.IsZero(), nil
}
