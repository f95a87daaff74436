package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"duban/ledger"
)

// Kinds of actor: who made a change.
const (
	ActorUser     = "user"      // an office account in the console
	ActorUnitLink = "unit-link" // a unit through its signed link
	ActorCLI      = "cli"       // a command on the server
	ActorImport   = "import"    // a ledger import
	ActorSystem   = "system"    // duban itself
)

// Actions of the audit log; more come with the writes that make them.
const (
	ActionLogin         = "login"
	ActionLoginFailed   = "login.failed"
	ActionLogout        = "logout"
	ActionDispatchRetry = "dispatch.retry"
	ActionUserAdd       = "user.add"
	ActionUserDisable   = "user.disable"
	ActionUserEnable    = "user.enable"
	ActionUserPasswd    = "user.passwd"

	ActionItemCreate   = "item.create"
	ActionItemEdit     = "item.edit"
	ActionItemDone     = "item.done"
	ActionItemClose    = "item.close"
	ActionItemReopen   = "item.reopen"
	ActionItemProgress = "item.progress"
	ActionItemConfirm  = "item.confirm" // the 回头看 re-check
	ActionLedgerImport = "ledger.import"

	ActionSubmissionAdd      = "submission.add"
	ActionSubmissionWithdraw = "submission.withdraw"
)

// Object types of the audit log, with the keys of their objects.
const (
	ObjectDispatch   = "dispatch"   // its id
	ObjectUser       = "user"       // its name
	ObjectItem       = "item"       // ROUND/NO, as ledger.ItemSubject
	ObjectLedger     = "ledger"     // an imported file's name
	ObjectSubmission = "submission" // DUTY/UNIT/PERIOD
)

// Actor is who makes a change and from where. Every write method takes
// one and records it in the audit log in the write's transaction.
type Actor struct {
	Name string // a user, a unit's code, the CLI's actor, an import's file, "duban"
	Kind string // ActorUser, ActorUnitLink, ActorCLI, ActorImport or ActorSystem
	Addr string // the client's address; "" for the CLI
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID int64
	At time.Time
	Actor
	Action     string
	ObjectType string
	ObjectKey  string
	Before     string // JSON of the object before the change; "" when none
	After      string // JSON of the object after it; "" when none
}

type auditRow struct {
	ID         int64  `db:"id"`
	At         dbTime `db:"at"`
	Actor      string `db:"actor"`
	ActorKind  string `db:"actor_kind"`
	Action     string `db:"action"`
	ObjectType string `db:"object_type"`
	ObjectKey  string `db:"object_key"`
	Before     string `db:"before"`
	After      string `db:"after"`
	Addr       string `db:"addr"`
}

func (r auditRow) entry() AuditEntry {
	return AuditEntry{
		ID: r.ID, At: r.At.Time, Actor: Actor{Name: r.Actor, Kind: r.ActorKind, Addr: r.Addr},
		Action: r.Action, ObjectType: r.ObjectType, ObjectKey: r.ObjectKey, Before: r.Before, After: r.After,
	}
}

// audit records that by did action to the object (objectType, key) at
// at, with the object's state before and after (JSON; nil: none), in q —
// the transaction of the change, so that the entry and the change are
// committed together or not at all. A write method records its entry
// with one call:
//
//	err = audit(ctx, tx, by, now, ActionDispatchRetry, ObjectDispatch, key, before, after)
func audit(ctx context.Context, q dbtx, by Actor, at time.Time, action, objectType, key string, before, after any) error {
	b, err := auditJSON(before)
	if err != nil {
		return fmt.Errorf("audit %s: before: %w", action, err)
	}
	a, err := auditJSON(after)
	if err != nil {
		return fmt.Errorf("audit %s: after: %w", action, err)
	}
	return insertAudit(ctx, q, AuditEntry{At: at, Actor: by, Action: action, ObjectType: objectType, ObjectKey: key, Before: b, After: a})
}

// fieldValues is an item as the audit log records it: every field of the
// ledger by name, as ledger.Item.Value gives it.
func fieldValues(it ledger.Item) map[ledger.Field]string {
	out := make(map[ledger.Field]string)
	for _, f := range ledger.ItemFields() {
		out[f] = it.Value(f)
	}
	return out
}

// auditSides are the fields changes changed, with their values before and
// after, and the note (a reason) that came with them, if any, after.
func auditSides(changes []ledger.Change, note string) (before, after map[string]string) {
	before, after = map[string]string{}, map[string]string{}
	for _, c := range changes {
		before[string(c.Field)], after[string(c.Field)] = c.Old, c.New
	}
	if note != "" {
		after["note"] = note
	}
	return before, after
}

func auditJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func insertAudit(ctx context.Context, q dbtx, e AuditEntry) error {
	if e.Name == "" || e.Kind == "" || e.Action == "" || e.At.IsZero() {
		return errors.New("audit: an entry needs an actor, its kind, an action and a time")
	}
	if _, err := exec(ctx, q, qInsertAudit, ts(e.At), e.Name, e.Kind, e.Action, e.ObjectType, e.ObjectKey,
		e.Before, e.After, e.Addr); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// RecordAudit records an entry that goes with no other write, such as a
// login or a logout.
func (s *Store) RecordAudit(ctx context.Context, e AuditEntry) error {
	if err := insertAudit(ctx, s.db, e); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// AuditFilter selects audit entries by actor name, action, object and time
// (Since inclusive, Until exclusive); zero fields match everything.
// Limit <= 0 means no limit.
type AuditFilter struct {
	Actor, Action         string
	ObjectType, ObjectKey string
	Since, Until          time.Time
	Limit, Offset         int
}

// ListAudit returns the entries matching f, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Actor != "" {
		add(fAuditActor, f.Actor)
	}
	if f.Action != "" {
		add(fAuditAction, f.Action)
	}
	if f.ObjectType != "" {
		add(fAuditObjectType, f.ObjectType)
	}
	if f.ObjectKey != "" {
		add(fAuditObjectKey, f.ObjectKey)
	}
	if !f.Since.IsZero() {
		add(fAuditSince, ts(f.Since))
	}
	if !f.Until.IsZero() {
		add(fAuditUntil, ts(f.Until))
	}
	query := qListAudit
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += qAuditOrder
	query, args = s.page(query, args, f.Limit, f.Offset)
	var rows []auditRow
	if err := sel(ctx, s.rdb, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("store: list audit log: %w", err)
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// page appends LIMIT and OFFSET to a list query; limit <= 0 is no limit.
func (s *Store) page(query string, args []any, limit, offset int) (string, []any) {
	switch {
	case limit > 0:
		query += ` LIMIT ?`
		args = append(args, limit)
	case offset > 0:
		query += ` LIMIT ` + s.q.noLimit
	}
	if offset > 0 {
		query += ` OFFSET ?`
		args = append(args, offset)
	}
	return query, args
}
