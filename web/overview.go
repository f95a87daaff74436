package web

import (
	"context"
	"net/http"
	"time"

	"duban/config"
	"duban/ledger"
	"duban/scheduler"
	"duban/store"
)

// dueSoonDays is how far ahead the overview lists deadlines.
const dueSoonDays = 14

// overviewRows is how many items each of the overview's lists shows, the
// most urgent first; the rest are a link away.
const overviewRows = 20

type countView struct {
	Value, Label string
	N            int
}

// dutyNow is where a duty stands for the period being collected now: the
// last one that has ended.
type dutyNow struct {
	Spec      ledger.DutySpec
	Period    ledger.Period
	Due       ledger.Date
	Overdue   bool // the due date has passed
	Submitted int  // on time or late
	Late      int
	Total     int
	Missing   []string // unit codes without a submission
}

type jobView struct {
	Name, Schedule string
	Last           store.Run
	HasLast        bool
	Next           time.Time
	// Stale: no successful run since Since, and one was due by ExpectedBy.
	Stale             bool
	Since, ExpectedBy time.Time
}

type overviewView struct {
	Today        ledger.Date
	Total        int
	Lights       []countView
	Open         int // the items of the four lights of open items
	DueSoonDays  int
	DueSoon      []itemRow
	DueSoonTotal int
	Overdue      []itemRow
	OverdueTotal int
	Duties       []dutyNow
	Jobs         []jobView
	Failed       []store.Dispatch
	FailedTotal  int
}

// overview is 总览: the state of the programme at a glance.
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	today := s.today()
	v := overviewView{Today: today}
	if err := s.summarizeItems(ctx, &v); err != nil {
		s.fail(w, r, err)
		return
	}
	var err error
	if v.Duties, err = s.dutiesNow(ctx, today); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Jobs, err = s.jobViews(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.st.CountDispatchesByState(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.FailedTotal = counts[store.StateFailed]
	if v.Failed, err = s.st.ListDispatches(ctx, store.DispatchFilter{State: store.StateFailed, Limit: 10}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "overview", "总览", v)
}

// summarizeItems counts the items by light and lists the most
// urgent overdue ones and those due soon.
func (s *Server) summarizeItems(ctx context.Context, v *overviewView) error {
	lights, err := s.lightCounts(ctx)
	if err != nil {
		return err
	}
	for _, l := range allLights {
		v.Lights = append(v.Lights, countView{Value: string(l), Label: l.Label(), N: lights[l]})
		v.Total += lights[l]
		if l != ledger.LightDone && l != ledger.LightClosed {
			v.Open += lights[l]
		}
	}
	urgent := store.ItemQuery{Today: v.Today, YellowDays: s.cfg.Policy.YellowDays, ByDeadline: true, Limit: overviewRows}
	overdue := urgent
	overdue.Light = ledger.LightRed
	if v.Overdue, v.OverdueTotal, err = s.itemRows(ctx, overdue); err != nil {
		return err
	}
	dueSoon := urgent
	dueSoon.DueWithin = dueSoonDays
	v.DueSoonDays = dueSoonDays
	v.DueSoon, v.DueSoonTotal, err = s.itemRows(ctx, dueSoon)
	return err
}

// itemRows lists the items of q as rows, with how many match in all.
func (s *Server) itemRows(ctx context.Context, q store.ItemQuery) ([]itemRow, int, error) {
	page, err := s.st.ListItemPage(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]itemRow, len(page.Items))
	for i, it := range page.Items {
		rows[i] = s.itemRowOf(it, q.Today)
	}
	return rows, page.Total, nil
}

func (s *Server) dutiesNow(ctx context.Context, today ledger.Date) ([]dutyNow, error) {
	cal := ledger.NewCalendar(s.cfg.Calendar.Holidays, s.cfg.Calendar.Workdays)
	var out []dutyNow
	for _, spec := range s.specs {
		p := ledger.LastEndedPeriod(spec.Kind, today)
		if !spec.Start.IsZero() && p.Compare(spec.Start) < 0 {
			continue // not supervised yet
		}
		submitted, err := s.st.Submitted(ctx, spec.ID)
		if err != nil {
			return nil, err
		}
		g := ledger.DutyMatrix(spec, nil, []ledger.Period{p}, submitted.On(spec.ID), today, cal)
		n := dutyNow{Spec: spec, Period: p, Due: g.Due[0], Overdue: today.After(g.Due[0]), Total: len(g.Rows)}
		for _, row := range g.Rows {
			switch row.Cells[0].State {
			case ledger.DutySubmitted:
				n.Submitted++
			case ledger.DutyLate:
				n.Submitted++
				n.Late++
			default:
				n.Missing = append(n.Missing, row.Unit)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// jobViews are the jobs with their last run and next run.
func (s *Server) jobViews(ctx context.Context) ([]jobView, error) {
	last, err := s.st.LastRuns(ctx)
	if err != nil {
		return nil, err
	}
	health, err := s.jobsHealth(ctx)
	if err != nil {
		return nil, err
	}
	stale := map[string]jobHealth{}
	for _, h := range health {
		stale[h.Job] = h
	}
	now := s.now().In(s.cfg.Location)
	var out []jobView
	for _, name := range ledger.JobNames {
		spec, ok := s.cfg.Jobs[name]
		if !ok {
			continue
		}
		j := jobView{Name: name, Schedule: spec.Schedule}
		j.Last, j.HasLast = last[name]
		if sched, err := config.ParseSchedule(spec.Schedule); err == nil {
			j.Next = scheduler.NextRun(sched, now)
		}
		h := stale[name]
		j.Stale, j.Since, j.ExpectedBy = h.Stale, h.Since, h.ExpectedBy
		out = append(out, j)
	}
	return out, nil
}
