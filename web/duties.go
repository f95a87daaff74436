package web

import (
	"fmt"
	"net/http"

	"duban/ledger"
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
}

// dutiesPage is 定期任务: for each duty, its units × recent periods.
func (s *Server) dutiesPage(w http.ResponseWriter, r *http.Request) {
	selected := r.URL.Query().Get("duty")
	today := s.today()
	cal := ledger.NewCalendar(s.cfg.Calendar.Holidays, s.cfg.Calendar.Workdays)
	v := dutiesView{Today: today, Selected: selected, Notice: noticeOf(r.URL.Query())}
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
