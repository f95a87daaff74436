package store

import (
	"context"
	"testing"
)

// Migration 00009 rebuilds SQLite's reminders without foreign keys and
// keeps every row with its id; its Down migration rebuilds them with the
// keys and keeps the rows too.
func TestMigration00009KeepsTheReminders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTempSQLite(t)
	p, err := s.migrationProvider(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 8); err != nil { // Open migrated it to the latest
		t.Fatal(err)
	}
	const insertRun = `INSERT INTO job_runs (id, job, scheduled_for, owner, started_at) VALUES (3, 'deadlines', '2025-06-16T01:00:00Z', 'x', '2025-06-16T01:00:00Z')`
	const insertDispatch = `INSERT INTO dispatches (id, key, recipient, next_attempt_at, created_at, updated_at) VALUES (5, 'k', 'a@example.org', 'x', 'x', 'x')`
	const insertReminders = `INSERT INTO reminders (id, key, rule, subject, stage, recipient, job, run_id, dispatch_id, created_at) VALUES
		(7, 'deadline|1/1|due|a@example.org', 'deadline', '1/1', 'due', 'a@example.org', 'deadlines', 3, 5, '2025-06-16T01:00:00Z'),
		(9, 'deadline|1/2|due|a@example.org', 'deadline', '1/2', 'due', 'a@example.org', 'deadlines', 3, NULL, '2025-06-16T01:00:00Z')`
	for _, q := range []string{insertRun, insertDispatch, insertReminders} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	type row struct {
		ID         int64  `db:"id"`
		Key        string `db:"key"`
		RunID      *int64 `db:"run_id"`
		DispatchID *int64 `db:"dispatch_id"`
	}
	read := func() []row {
		var rows []row
		if err := s.db.SelectContext(ctx, &rows, `SELECT id, key, run_id, dispatch_id FROM reminders ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	foreignKeys := func() int {
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM pragma_foreign_key_list('reminders')`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := read()
	if len(before) != 2 || foreignKeys() != 2 {
		t.Fatalf("before 00009: %d rows, %d foreign keys", len(before), foreignKeys())
	}
	check := func(when string, wantKeys int) {
		t.Helper()
		after := read()
		if len(after) != len(before) {
			t.Fatalf("%s: %d rows, want %d", when, len(after), len(before))
		}
		for i := range after {
			a, b := after[i], before[i]
			if a.ID != b.ID || a.Key != b.Key || (a.DispatchID == nil) != (b.DispatchID == nil) || *a.RunID != *b.RunID {
				t.Fatalf("%s: row %d is %+v, was %+v", when, i, a, b)
			}
		}
		if n := foreignKeys(); n != wantKeys {
			t.Fatalf("%s: %d foreign keys, want %d", when, n, wantKeys)
		}
		var dupe int
		err := s.db.GetContext(ctx, &dupe, `INSERT INTO reminders (key, rule, subject, stage, recipient, created_at)
			VALUES ('deadline|1/1|due|a@example.org', 'r', 's', 't', 'u', 'x') ON CONFLICT (key) DO NOTHING RETURNING id`)
		if err == nil {
			t.Fatalf("%s: the key is no longer unique", when)
		}
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	check("after 00009", 0)
	if _, err := p.DownTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	check("after 00009 down", 2)
}
