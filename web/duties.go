package web

import (
	"fmt"
	"net/http"

	"duban/ledger"
)

// duty is a configured duty with what its matrix needs.
type duty struct {
	Spec   ledger.DutySpec
	Exempt []string // the config's exempt units, shown as 免报
}

// duties pairs the rule specs the caller gave with the config's exempt
// units.
func (s *Server) duties() []duty {
	out := make([]duty, 0, len(s.specs))
	for _, spec := range s.specs {
		d := duty{Spec: spec}
		if c, ok := s.cfg.Duty(spec.ID); ok {
			d.Exempt = c.Exempt
		}
		out = append(out, d)
	}
	return out
}

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
}

// dutiesPage is 定期任务: for each duty, its units × recent periods.
func (s *Server) dutiesPage(w http.ResponseWriter, r *http.Request) {
	selected := r.URL.Query().Get("duty")
	today := s.today()
	cal := ledger.NewCalendar(s.cfg.Calendar.Holidays, s.cfg.Calendar.Workdays)
	v := dutiesView{Today: today, Selected: selected}
	for _, d := range s.duties() {
		v.All = append(v.All, d.Spec)
		if selected != "" && d.Spec.ID != selected {
			continue
		}
		submitted, err := s.st.Submitted(r.Context(), d.Spec.ID)
		if err != nil {
			s.fail(w, r, fmt.Errorf("duty %s: %w", d.Spec.ID, err))
			return
		}
		periods := ledger.RecentDutyPeriods(d.Spec, today, matrixPeriods(d.Spec.Kind))
		v.Matrices = append(v.Matrices, ledger.DutyMatrix(d.Spec, d.Exempt, periods, submitted.On(d.Spec.ID), today, cal))
	}
	s.render(w, r, http.StatusOK, "duties", "定期任务", v)
}
