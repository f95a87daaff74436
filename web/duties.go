package web

import (
	"context"
	"fmt"
	"net/http"

	"duban/ledger"
	"duban/store"
)

// matrixPeriods is how many periods the matrix shows per kind: half a
// year of months, a year of quarters, two years of halves, three years.
func matrixPeriods(k ledger.PeriodKind) int {
	switch k {
	case ledger.Monthly:
		return 6
	case ledger.Quarterly:
		return 4
	case ledger.HalfYearly:
		return 4
	}
	return 3
}

type dutiesView struct {
	Today    ledger.Date
	All      []ledger.DutySpec
	Selected string
	Matrices []ledger.DutyGrid
	Notice   string
	// Reviews are the reports units filed through their links that the
	// office has yet to review (待审核), by reviewKey.
	Reviews map[string]int64
}

// Review is the request under review by which unit filed period p of
// duty, 0 when there is none.
func (v dutiesView) Review(duty, unit string, p ledger.Period) int64 {
	return v.Reviews[reviewKey(duty, unit, p.String())]
}

func reviewKey(duty, unit, period string) string { return duty + "/" + unit + "/" + period }

// reportsUnderReview are the pending duty reports filed through the units'
// links, each request's id by reviewKey.
func (s *Server) reportsUnderReview(ctx context.Context) (map[string]int64, error) {
	reqs, err := s.st.ListRequests(ctx, store.RequestFilter{Status: ledger.RequestPending})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, q := range reqs {
		if q.Kind == ledger.RequestSubmission {
			out[reviewKey(q.Duty, q.Unit, q.Period)] = q.ID
		}
	}
	return out, nil
}

// dutiesPage is 定期任务: for each duty, its units × recent periods.
func (s *Server) dutiesPage(w http.ResponseWriter, r *http.Request) {
	selected := r.URL.Query().Get("duty")
	today := s.today()
	cal := ledger.NewCalendar(s.cfg.Calendar.Holidays, s.cfg.Calendar.Workdays)
	v := dutiesView{Today: today, Selected: selected, Notice: noticeOf(r.URL.Query())}
	var err error
	if v.Reviews, err = s.reportsUnderReview(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, spec := range s.specs {
		v.All = append(v.All, spec)
		if selected != "" && spec.ID != selected {
			continue
		}
		submitted, err := s.st.Submitted(r.Context(), spec.ID)
		if err != nil {
			s.fail(w, r, fmt.Errorf("duty %s: %w", spec.ID, err))
			return
		}
		periods := ledger.RecentDutyPeriods(spec, today, matrixPeriods(spec.Kind))
		v.Matrices = append(v.Matrices, ledger.DutyMatrix(spec, spec.Exempt, periods, submitted.On(spec.ID), today, cal))
	}
	s.render(w, r, http.StatusOK, "duties", "定期任务", v)
}
