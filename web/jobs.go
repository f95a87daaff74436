package web

import (
	"net/http"

	"duban/ledger"
	"duban/store"
)

// runsShown is how many runs 任务运行 lists.
const runsShown = 100

type jobsView struct {
	Jobs     []jobView
	Selected string
	Runs     []store.Run
}

// jobsPage is 任务运行: each job's schedule and its runs.
func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	selected := r.URL.Query().Get("job")
	known := false
	for _, j := range ledger.JobNames {
		known = known || j == selected
	}
	if !known {
		selected = ""
	}
	jobs, err := s.jobViews(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	runs, err := s.st.ListRuns(ctx, selected, runsShown)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "jobs", "任务运行", jobsView{Jobs: jobs, Selected: selected, Runs: runs})
}
