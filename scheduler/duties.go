package scheduler

import (
	"context"
	"fmt"

	"duban/ledger"
)

// submissionIndex answers "did unit submit duty for period, and when" from
// the submissions read once per run.
type submissionIndex map[string]ledger.Date

func submissionKey(duty, unit, period string) string { return duty + "|" + unit + "|" + period }

// loadSubmissions reads every duty's submissions once.
func (s *Scheduler) loadSubmissions(ctx context.Context) (submissionIndex, error) {
	subs, err := s.store.ListSubmissions(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("scheduler: read submissions: %w", err)
	}
	idx := make(submissionIndex, len(subs))
	for _, sub := range subs {
		idx[submissionKey(sub.Duty, sub.Unit, sub.Period)] = sub.On
	}
	return idx, nil
}

// submitted is the ledger rules' question for one duty.
func (idx submissionIndex) submitted(duty string) func(unit string, p ledger.Period) bool {
	return func(unit string, p ledger.Period) bool {
		_, ok := idx[submissionKey(duty, unit, p.String())]
		return ok
	}
}

// submittedOn is the duty matrix's question for one duty.
func (idx submissionIndex) submittedOn(duty string) func(unit string, p ledger.Period) (ledger.Date, bool) {
	return func(unit string, p ledger.Period) (ledger.Date, bool) {
		on, ok := idx[submissionKey(duty, unit, p.String())]
		return on, ok
	}
}

// dutyNotices are the duties job's notices: for every duty, the units that
// have not submitted a period that reached a stage, and the supervisors'
// rolls of non-submitters.
func (s *Scheduler) dutyNotices(ctx context.Context, today ledger.Date) ([]ledger.Notice, error) {
	if len(s.set.Duties) == 0 {
		return nil, nil
	}
	idx, err := s.loadSubmissions(ctx)
	if err != nil {
		return nil, err
	}
	var out []ledger.Notice
	for _, spec := range s.set.Duties {
		out = append(out, ledger.DutyNotices(spec, idx.submitted(spec.ID), s.set.Directory, today, s.set.Calendar)...)
	}
	return out, nil
}

// followupNotices are the followups job's notices: done items whose
// 回头看 stage has come and has not been answered by a re-check.
func (s *Scheduler) followupNotices(ctx context.Context, today ledger.Date) ([]ledger.Notice, error) {
	var out []ledger.Notice
	err := s.store.EachDoneItem(ctx, func(it ledger.Item, lastCheck ledger.Date) error {
		out = append(out, ledger.FollowupNotices(it, s.set.Directory, today, s.set.Policy, lastCheck)...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scheduler: read done items: %w", err)
	}
	return out, nil
}

// overdueDuties lists, per duty, the periods whose due date has passed with
// assigned units that have not submitted, oldest period first.
func (s *Scheduler) overdueDuties(idx submissionIndex, today ledger.Date) []overdueDuty {
	var out []overdueDuty
	for _, spec := range s.set.Duties {
		periods := ledger.DutyPeriods(spec, today)
		grid := ledger.DutyMatrix(spec, nil, periods, idx.submittedOn(spec.ID), today, s.set.Calendar)
		for i, p := range grid.Periods {
			var missing []string
			for _, row := range grid.Rows {
				if row.Cells[i].State == ledger.DutyOverdue {
					missing = append(missing, row.Unit)
				}
			}
			if len(missing) > 0 {
				out = append(out, overdueDuty{spec: spec, period: p, due: grid.Due[i], missing: missing})
			}
		}
	}
	return out
}

type overdueDuty struct {
	spec    ledger.DutySpec
	period  ledger.Period
	due     ledger.Date
	missing []string // unit codes
}
