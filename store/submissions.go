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
// (the day of CreatedAt in the store's zone when zero); Actor is who
// recorded it (the name of the Actor that added it).
type Submission struct {
	Duty, Unit, Period string
	On                 ledger.Date
	Note, Actor        string
	CreatedAt          time.Time
}

// Key is the submission's key in the audit log: DUTY/UNIT/PERIOD.
func (sub Submission) Key() string { return sub.Duty + "/" + sub.Unit + "/" + sub.Period }

type submissionRow struct {
	Duty      string      `db:"duty"`
	Unit      string      `db:"unit"`
	Period    string      `db:"period"`
	On        ledger.Date `db:"submitted_on"`
	Note      string      `db:"note"`
	Actor     string      `db:"actor"`
	CreatedAt dbTime      `db:"created_at"`
}

// submissionState is a submission as the audit log records it.
type submissionState struct {
	On     string `json:"on"`
	Note   string `json:"note,omitempty"`
	Reason string `json:"withdraw_reason,omitempty"`
}

// AddSubmission records a submission (sub.CreatedAt is required; its Actor
// is by's name) and by's entry in the audit log; ErrConflict when the unit
// has already submitted the duty for that period (and not withdrawn it).
func (s *Store) AddSubmission(ctx context.Context, sub Submission, by Actor) error {
	return s.AddSubmissions(ctx, []Submission{sub}, by)
}

// AddSubmissions records several submissions in one transaction, each with
// its entry in the audit log: all or none. ErrConflict when any of them
// exists already.
func (s *Store) AddSubmissions(ctx context.Context, subs []Submission, by Actor) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, sub := range subs {
			if err := s.addSubmission(ctx, tx, sub, by); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: add submission: %w", err)
	}
	return nil
}

// addSubmission is AddSubmission within the transaction q.
func (s *Store) addSubmission(ctx context.Context, q dbtx, sub Submission, by Actor) error {
	if sub.Duty == "" || sub.Unit == "" || sub.Period == "" {
		return errors.New("duty, unit and period are required")
	}
	if sub.CreatedAt.IsZero() {
		return errors.New("CreatedAt is required")
	}
	if sub.On.IsZero() {
		sub.On = ledger.DateOf(s.inZone(sub.CreatedAt))
	}
	if _, err := exec(ctx, q, qInsertSubmission, sub.Duty, sub.Unit, sub.Period, sub.On,
		sub.Note, by.Name, ts(sub.CreatedAt)); err != nil {
		return fmt.Errorf("%s: %w", sub.Key(), classify(err))
	}
	return audit(ctx, q, by, sub.CreatedAt, ActionSubmissionAdd, ObjectSubmission, sub.Key(), nil,
		submissionState{On: sub.On.String(), Note: sub.Note})
}

// WithdrawSubmission takes back the submission of duty by unit for period
// (撤回): it stays on record with when, by whom and why, no longer counts,
// and the period may be submitted again; by's entry goes to the audit log.
// It returns the submission taken back; ErrNotFound when there is none to
// take back.
func (s *Store) WithdrawSubmission(ctx context.Context, duty, unit, period, reason string, by Actor, at time.Time) (Submission, error) {
	if reason == "" || at.IsZero() {
		return Submission{}, errors.New("store: withdraw submission: a reason and the time are required")
	}
	var was Submission
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var r submissionRow
		if err := get(ctx, tx, &r, qWithdrawSubmission, ts(at), by.Name, reason, duty, unit, period); err != nil {
			return classify(err)
		}
		was = r.submission()
		state := submissionState{On: was.On.String(), Note: was.Note}
		after := state
		after.Reason = reason
		return audit(ctx, tx, by, at, ActionSubmissionWithdraw, ObjectSubmission, was.Key(), state, after)
	})
	if err != nil {
		return Submission{}, fmt.Errorf("store: withdraw submission %s %s %s: %w", duty, unit, period, err)
	}
	return was, nil
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
