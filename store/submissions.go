package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"duban/ledger"
)

// Submission is a unit's filing of a duty for one period (报送). Period is
// "2025-03", "2025-Q1", "2025-H1" or "2025"; On is the day it was filed
// (the day of CreatedAt in the store's zone when zero).
type Submission struct {
	Duty, Unit, Period string
	On                 ledger.Date
	Note, Actor        string
	CreatedAt          time.Time
}

type submissionRow struct {
	Duty      string      `db:"duty"`
	Unit      string      `db:"unit"`
	Period    string      `db:"period"`
	On        ledger.Date `db:"submitted_on"`
	Note      string      `db:"note"`
	Actor     string      `db:"actor"`
	CreatedAt dbTime      `db:"created_at"`
}

// AddSubmission records a submission; ErrConflict when the unit has already
// submitted the duty for that period (and not withdrawn it).
func (s *Store) AddSubmission(ctx context.Context, sub Submission) error {
	return s.insertSubmission(ctx, s.db, sub)
}

func (s *Store) insertSubmission(ctx context.Context, q dbtx, sub Submission) error {
	if sub.Duty == "" || sub.Unit == "" || sub.Period == "" {
		return errors.New("store: add submission: duty, unit and period are required")
	}
	if sub.CreatedAt.IsZero() {
		return errors.New("store: add submission: CreatedAt is required")
	}
	if sub.On.IsZero() {
		sub.On = ledger.DateOf(s.inZone(sub.CreatedAt))
	}
	if _, err := exec(ctx, q, qInsertSubmission, sub.Duty, sub.Unit, sub.Period, sub.On,
		sub.Note, sub.Actor, ts(sub.CreatedAt)); err != nil {
		return fmt.Errorf("store: add submission %s %s %s: %w", sub.Duty, sub.Unit, sub.Period, classify(err))
	}
	return nil
}

// WithdrawSubmission takes back the submission of duty by unit for period
// (撤回): it stays on record with when, by whom and why, no longer counts,
// and the period may be submitted again. It returns the submission taken
// back; ErrNotFound when there is none to take back.
func (s *Store) WithdrawSubmission(ctx context.Context, duty, unit, period, reason, actor string, at time.Time) (Submission, error) {
	if reason == "" || at.IsZero() {
		return Submission{}, errors.New("store: withdraw submission: a reason and the time are required")
	}
	var r submissionRow
	if err := get(ctx, s.db, &r, qWithdrawSubmission, ts(at), actor, reason, duty, unit, period); err != nil {
		return Submission{}, fmt.Errorf("store: withdraw submission %s %s %s: %w", duty, unit, period, classify(err))
	}
	return r.submission(), nil
}

// AddSubmissions records several submissions in one transaction: all or
// none. ErrConflict when any of them exists already.
func (s *Store) AddSubmissions(ctx context.Context, subs []Submission) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, sub := range subs {
			if err := s.insertSubmission(ctx, tx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add %d submissions: %w", len(subs), err)
	}
	return nil
}

// Submitted reads the submissions of a duty ("" = all duties) into the
// index the duty rules and the duty matrix ask.
func (s *Store) Submitted(ctx context.Context, duty string) (ledger.Submitted, error) {
	subs, err := s.ListSubmissions(ctx, duty)
	if err != nil {
		return nil, err
	}
	out := make(ledger.Submitted, len(subs))
	for _, sub := range subs {
		out[ledger.Submission{Duty: sub.Duty, Unit: sub.Unit, Period: sub.Period}.Key()] = sub.On
	}
	return out, nil
}

// ListSubmissions returns the submissions of a duty ("" = all duties) that
// were not withdrawn, ordered by duty, period and unit.
func (s *Store) ListSubmissions(ctx context.Context, duty string) ([]Submission, error) {
	var rows []submissionRow
	var err error
	if duty == "" {
		err = sel(ctx, s.rdb, &rows, qListSubmissions)
	} else {
		err = sel(ctx, s.rdb, &rows, qListDutySubmissions, duty)
	}
	if err != nil {
		return nil, fmt.Errorf("store: list submissions: %w", err)
	}
	out := make([]Submission, len(rows))
	for i, r := range rows {
		out[i] = r.submission()
	}
	return out, nil
}

func (r submissionRow) submission() Submission {
	return Submission{
		Duty: r.Duty, Unit: r.Unit, Period: r.Period, On: r.On,
		Note: r.Note, Actor: r.Actor, CreatedAt: r.CreatedAt.Time,
	}
}

// DutiesFirstSeen returns the day the database first saw each duty,
// recording today for the duties it had not seen before: a duty without a
// start is supervised from the first period due on or after that day.
func (s *Store) DutiesFirstSeen(ctx context.Context, duties []string, today ledger.Date) (map[string]ledger.Date, error) {
	seen, err := s.dutiesSeen(ctx)
	if err != nil {
		return nil, err
	}
	var unseen []string
	for _, d := range duties {
		if _, ok := seen[d]; !ok {
			unseen = append(unseen, d)
		}
	}
	if len(unseen) == 0 {
		return seen, nil
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, d := range unseen {
			if _, err := exec(ctx, tx, qSeeDuty, d, today); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: record duties seen: %w", err)
	}
	return s.dutiesSeen(ctx) // another replica may have seen some first
}

func (s *Store) dutiesSeen(ctx context.Context) (map[string]ledger.Date, error) {
	var rows []struct {
		Duty      string      `db:"duty"`
		FirstSeen ledger.Date `db:"first_seen"`
	}
	if err := sel(ctx, s.db, &rows, qDutiesSeen); err != nil {
		return nil, fmt.Errorf("store: duties seen: %w", err)
	}
	seen := make(map[string]ledger.Date, len(rows))
	for _, r := range rows {
		seen[r.Duty] = r.FirstSeen
	}
	return seen, nil
}
