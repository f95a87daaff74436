package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Run is one run of a job for one scheduled time.
type Run struct {
	ID                      int64
	Job                     string
	ScheduledFor, StartedAt time.Time
	FinishedAt              time.Time // zero while running
	Owner, Outcome          string    // outcome: running | ok | failed
	Reminders, Dispatches   int
	Error                   string
	Attempts                int // 1, and more when a claim took it over (Retry)
}

type runRow struct {
	ID           int64  `db:"id"`
	Job          string `db:"job"`
	ScheduledFor dbTime `db:"scheduled_for"`
	StartedAt    dbTime `db:"started_at"`
	FinishedAt   dbTime `db:"finished_at"`
	Owner        string `db:"owner"`
	Outcome      string `db:"outcome"`
	Reminders    int    `db:"reminders"`
	Dispatches   int    `db:"dispatches"`
	Error        string `db:"error"`
	Attempts     int    `db:"attempts"`
}

func (r runRow) run() Run {
	return Run{
		ID: r.ID, Job: r.Job, ScheduledFor: r.ScheduledFor.Time, StartedAt: r.StartedAt.Time,
		FinishedAt: r.FinishedAt.Time, Owner: r.Owner, Outcome: r.Outcome,
		Reminders: r.Reminders, Dispatches: r.Dispatches, Error: r.Error, Attempts: r.Attempts,
	}
}

// Retry says when a claim takes over a run already recorded for its
// scheduled time: when that run failed, or is still "running" though it
// started more than StaleAfter before the claim (its process died: a run
// takes seconds), and it has had fewer than Attempts attempts. The zero
// Retry takes over nothing. A run done again sends nothing twice: the
// reminders it recorded before are known.
type Retry struct {
	StaleAfter time.Duration
	Attempts   int
}

// ClaimRun records that owner runs job for scheduledFor, or takes over the
// run recorded for it as retry allows. Exactly one claim per (job,
// scheduledFor) succeeds at a time, across processes; the others get
// ErrConflict and must not run the job.
func (s *Store) ClaimRun(ctx context.Context, job string, scheduledFor time.Time, owner string, now time.Time, retry Retry) (Run, error) {
	if job == "" || scheduledFor.IsZero() || now.IsZero() {
		return Run{}, errors.New("store: claim run: job, scheduled time and now are required")
	}
	staleBefore := now.Add(-retry.StaleAfter)
	if retry.StaleAfter <= 0 {
		staleBefore = time.Time{}
	}
	var r runRow
	err := get(ctx, s.db, &r, qClaimRun, job, ts(scheduledFor), ts(now), owner, ts(staleBefore), retry.Attempts)
	if err != nil {
		err = classify(err)
		if errors.Is(err, ErrNotFound) { // the run exists and is not taken over
			err = ErrConflict
		}
		return Run{}, fmt.Errorf("store: claim run %s at %s: %w", job, s.inZone(scheduledFor).Format(time.RFC3339), err)
	}
	return r.run(), nil
}

// FinishRun records the end of run's attempt: outcome ok or failed, what
// it produced. ErrConflict means a later attempt has taken the run over
// (ClaimRun): the outcome is that attempt's to record.
func (s *Store) FinishRun(ctx context.Context, run Run, outcome string, reminders, dispatches int, errText string, now time.Time) error {
	err := execOne(ctx, s.db, qFinishRun, ts(now), outcome, reminders, dispatches, errText, run.ID, run.Attempts)
	if errors.Is(err, ErrNotFound) {
		var n int
		if err := get(ctx, s.db, &n, qRunExists, run.ID); err != nil {
			return fmt.Errorf("store: finish run %d: %w", run.ID, err)
		}
		if n > 0 {
			err = ErrConflict
		}
	}
	if err != nil {
		return fmt.Errorf("store: finish run %d: %w", run.ID, err)
	}
	return nil
}

// LastRuns returns each job's latest run by scheduled time.
func (s *Store) LastRuns(ctx context.Context) (map[string]Run, error) {
	var rows []runRow
	if err := sel(ctx, s.rdb, &rows, qLastRuns); err != nil {
		return nil, fmt.Errorf("store: last runs: %w", err)
	}
	out := make(map[string]Run, len(rows))
	for _, r := range rows {
		out[r.Job] = r.run()
	}
	return out, nil
}

// LastSuccesses returns each job's latest successful run by scheduled
// time; a job that never succeeded is absent.
func (s *Store) LastSuccesses(ctx context.Context) (map[string]Run, error) {
	var rows []runRow
	if err := sel(ctx, s.rdb, &rows, qLastSuccesses); err != nil {
		return nil, fmt.Errorf("store: last successful runs: %w", err)
	}
	out := make(map[string]Run, len(rows))
	for _, r := range rows {
		out[r.Job] = r.run()
	}
	return out, nil
}

// ListRuns returns runs newest first, of one job or ("" ) all; limit <= 0
// means no limit.
func (s *Store) ListRuns(ctx context.Context, job string, limit int) ([]Run, error) {
	query, args := qListRuns, []any{}
	if job != "" {
		query, args = qListJobRuns, []any{job}
	}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	var rows []runRow
	if err := sel(ctx, s.rdb, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("store: list runs: %w", err)
	}
	out := make([]Run, len(rows))
	for i, r := range rows {
		out[i] = r.run()
	}
	return out, nil
}
