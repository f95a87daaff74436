package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Ledger is the shape of a generated planning dataset: Items items, one in
// ten open, the others done or closed; Units units, each item led by one
// and every third item shared with a second; the open items' deadlines
// spread evenly from 400 days before Today to 59 days after (so most are
// overdue, and about one in seven reaches a new overdue step on any day).
type Ledger struct {
	Items int
	Units int
	Today time.Time
}

// Schema names the PostgreSQL schema that keeps the dataset between runs.
// Its name carries a digest of the PostgreSQL migrations: a ledger kept
// from a run of another schema is not read as this one's.
func (l Ledger) Schema() string {
	return fmt.Sprintf("duban_bench_plan_%d_%d_%s_%s", l.Items, l.Units, l.Today.Format("20060102"), migrationsDigest())
}

// migrationsDigest sums up the PostgreSQL migrations (the benchmarks run
// in bench/).
func migrationsDigest() string {
	files, _ := filepath.Glob("../store/migrations/postgres/*.sql")
	h := sha256.New()
	for _, f := range files {
		data, _ := os.ReadFile(f)
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}

// Generate fills an empty, migrated database with the dataset in a few
// INSERT … SELECT statements: generate_series on PostgreSQL, a recursive
// CTE on SQLite. Numbers and dates are ours, formatted into the SQL; the
// texts are parameters.
func (l Ledger) Generate(ctx context.Context, db *sql.DB, dialect string) error {
	today := l.Today.Format(time.DateOnly)
	now := l.Today.UTC().Format("2006-01-02T15:04:05.000000Z")
	var series, deadline, completed, falseLit, unit0, unit1, p string
	if dialect == "postgres" {
		series = fmt.Sprintf("generate_series(1, %d) AS s(g)", l.Items)
		deadline = fmt.Sprintf("DATE '%s' + ((g::bigint * 7919) %% 460 - 400)::int", today)
		completed = fmt.Sprintf("DATE '%s' - (g %% 300)", today)
		falseLit = "false"
		unit0 = fmt.Sprintf("'u' || lpad((seq %% %d)::text, 5, '0')", l.Units)
		unit1 = fmt.Sprintf("'u' || lpad(((seq * 7 + 1) %% %d)::text, 5, '0')", l.Units)
		p = "$"
		now = "TIMESTAMPTZ '" + now + "'"
	} else {
		series = fmt.Sprintf("(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < %d) SELECT g FROM s)", l.Items)
		deadline = fmt.Sprintf("date('%s', printf('%%+d days', (g * 7919) %% 460 - 400))", today)
		completed = fmt.Sprintf("date('%s', printf('%%+d days', -(g %% 300)))", today)
		falseLit = "0"
		unit0 = fmt.Sprintf("'u' || substr('0000' || (seq %% %d), -5, 5)", l.Units)
		unit1 = fmt.Sprintf("'u' || substr('0000' || ((seq * 7 + 1) %% %d), -5, 5)", l.Units)
		p = "?"
		now = "'" + now + "'"
	}
	steps := []struct {
		query string
		args  []any
	}{
		{`INSERT INTO rounds (code, name) VALUES ('bench', '压测轮次') ON CONFLICT (code) DO NOTHING`, nil},
		{fmt.Sprintf(`INSERT INTO items (round, no, seq, category, problem, measures, leader, deadline,
			long_term, status, completed_on, progress, created_at, updated_at)
		SELECT 'bench', 'B' || g, g, %[1]s1, %[1]s2 || g, %[1]s3, '', %[2]s, %[3]s,
			CASE WHEN g %% 10 = 0 THEN 'open' WHEN g %% 10 < 8 THEN 'done' ELSE 'closed' END,
			CASE WHEN g %% 10 = 0 THEN NULL ELSE %[4]s END,
			%[1]s4, %[5]s, %[5]s
		FROM %[6]s`, p, deadline, falseLit, completed, now, series),
			[]any{TextCategory, TextProblem, TextMeasures, TextProgress}},
		{fmt.Sprintf(`INSERT INTO item_units (item_id, unit, position) SELECT id, %s, 0 FROM items`, unit0), nil},
		{fmt.Sprintf(`INSERT INTO item_units (item_id, unit, position) SELECT id, %s, 1 FROM items
		WHERE seq %% 3 = 0 AND (seq * 7 + 1) %% %d <> seq %% %d`, unit1, l.Units, l.Units), nil},
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("generate ledger: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "ANALYZE")
	return err
}

// ResetRuns forgets every run, reminder and dispatch, and what each item
// was told, so that the next run of the deadline job is a first run again.
func ResetRuns(ctx context.Context, db *sql.DB, dialect string) error {
	stmts := []string{"TRUNCATE reminders, dispatches, job_runs, item_told"}
	if dialect != "postgres" {
		stmts = []string{"DELETE FROM reminders", "DELETE FROM dispatches", "DELETE FROM job_runs", "DELETE FROM item_told"}
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset runs: %w", err)
		}
	}
	if dialect == "postgres" {
		_, err := db.ExecContext(ctx, "VACUUM ANALYZE")
		if err == nil {
			_, err = db.ExecContext(ctx, "CHECKPOINT") // the floor is read on a quiet disk too
		}
		return err
	}
	_, err := db.ExecContext(ctx, "VACUUM")
	return err
}

// Maintain does what the database does by itself in the day between two
// daily runs: autovacuum (PostgreSQL: VACUUM ANALYZE, which also lets
// index-only scans skip the heap) or an occasional ANALYZE (SQLite), and
// the checkpoints (every five minutes on PostgreSQL; on SQLite, by the
// connection whose commit fills the write-ahead log). Without them the
// daily run, a minute after a first run that wrote a GiB, shared the disk
// with the checkpoint of that run's writes, which a day later is long
// done.
func Maintain(ctx context.Context, db *sql.DB, dialect string) error {
	stmts := []string{"ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"}
	if dialect == "postgres" {
		stmts = []string{"VACUUM ANALYZE", "CHECKPOINT"}
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("maintain: %s: %w", q, err)
		}
	}
	return nil
}

// floorQuery reads the open items with their units in one query, as little
// as the deadline job can read: the floor of the planning case. It is the
// same text in both dialects.
const floorQuery = `SELECT i.id, i.round, i.no, i.seq, i.category, i.problem, i.measures, i.leader, i.deadline,
	i.long_term, i.status, i.completed_on, i.progress, i.followup_confirmed_on, i.created_at, i.updated_at, u.unit
	FROM items i JOIN item_units u ON u.item_id = i.id WHERE i.status = 'open'`

// ReadFloor runs the floor query and scans every row into Go values, keeping
// none; it returns the number of rows.
func ReadFloor(ctx context.Context, db *sql.DB) (int, error) {
	rows, err := db.QueryContext(ctx, floorQuery)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var (
		id, seq                                                int64
		round, no, category, problem, measures, leader, status string
		progress, unit                                         string
		deadline, completed, followup, created, updated        any
		longTerm                                               bool
	)
	for rows.Next() {
		if err := rows.Scan(&id, &round, &no, &seq, &category, &problem, &measures, &leader, &deadline,
			&longTerm, &status, &completed, &progress, &followup, &created, &updated, &unit); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
