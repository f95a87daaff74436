package scheduler

import (
	"context"
	"fmt"

	"duban/ledger"
)

// loadSubmissions reads every duty's submissions once per run.
func (s *Scheduler) loadSubmissions(ctx context.Context) (ledger.Submitted, error) {
	subs, err := s.store.Submitted(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("scheduler: read submissions: %w", err)
	}
	return subs, nil
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
		out = append(out, ledger.DutyNotices(spec, idx.Has(spec.ID), s.set.Directory, today, s.set.Calendar)...)
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
func (s *Scheduler) overdueDuties(idx ledger.Submitted, today ledger.Date) []overdueDuty {
	var out []overdueDuty
	for _, spec := range s.set.Duties {
		periods := ledger.DutyPeriods(spec, today)
		grid := ledger.DutyMatrix(spec, nil, periods, idx.On(spec.ID), today, s.set.Calendar)
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
