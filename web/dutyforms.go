package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

// dutyCellView is one unit × period of a duty, with its submission (if
// any) and the forms that record or withdraw it.
type dutyCellView struct {
	Spec      ledger.DutySpec
	Unit      string
	Period    ledger.Period
	Due       ledger.Date
	Cell      ledger.DutyCell
	Submitted *store.Submission
	Review    int64 // the request under review that filed it (待审核), 0 when none
	Today     ledger.Date
	Form      formState
	Back      string // the duty's matrix
	URL       string // the cell's page, where its forms post
}

// dutyCellURL is the page of one unit × period of a duty.
func dutyCellURL(duty, unit string, p ledger.Period) string {
	return "/duties/" + url.PathEscape(duty) + "/" + url.PathEscape(unit) + "/" + url.PathEscape(p.String())
}

// submissionRules are the rules of a submission as `duban submit` checks
// them, as of today.
func (s *Server) submissionRules() ledger.SubmissionRules {
	return ledger.SubmissionRules{Duties: s.specs, ResolveUnit: s.cfg.ResolveUnit, ParseDate: sheet.ParseDate, Today: s.today()}
}

// dutyCellOf reads the cell the request's path names; false (and an error
// page written) when the duty, the unit or the period is not the duty's.
func (s *Server) dutyCellOf(w http.ResponseWriter, r *http.Request) (dutyCellView, bool) {
	in := ledger.SubmissionInput{Duty: r.PathValue("duty"), Unit: r.PathValue("unit"), Period: r.PathValue("period")}
	sub, probs := s.submissionRules().Identify(in)
	spec, found := ledger.FindDuty(s.specs, sub.Duty)
	if len(probs) > 0 || !found || !(slices.Contains(spec.Units, sub.Unit) || slices.Contains(spec.Exempt, sub.Unit)) {
		s.errorPage(w, r, http.StatusNotFound, "没有这一报送事项：定期任务、单位或期间不存在。")
		return dutyCellView{}, false
	}
	p, err := ledger.ParsePeriodOf(spec.Kind, sub.Period)
	if err != nil {
		s.errorPage(w, r, http.StatusNotFound, "没有这一报送事项：期间不存在。")
		return dutyCellView{}, false
	}
	v := dutyCellView{Spec: spec, Unit: sub.Unit, Period: p, Today: s.today(), Back: "/duties?duty=" + url.QueryEscape(spec.ID),
		URL: dutyCellURL(spec.ID, sub.Unit, p)}
	cal := ledger.NewCalendar(s.cfg.Calendar.Holidays, s.cfg.Calendar.Workdays)
	subs, err := s.st.ListSubmissions(r.Context(), spec.ID)
	if err != nil {
		s.fail(w, r, err)
		return v, false
	}
	submitted := ledger.Submitted{}
	for i, x := range subs {
		submitted[ledger.Submission{Duty: x.Duty, Unit: x.Unit, Period: x.Period}.Key()] = x.On
		if x.Unit == v.Unit && x.Period == p.String() {
			v.Submitted = &subs[i]
		}
	}
	reviews, err := s.reportsUnderReview(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return v, false
	}
	v.Review = reviews[reviewKey(spec.ID, v.Unit, p.String())]
	grid := ledger.DutyMatrix(spec, spec.Exempt, []ledger.Period{p}, submitted.On(spec.ID), v.Today, cal)
	v.Due = grid.Due[0]
	for _, row := range grid.Rows {
		if row.Unit == v.Unit {
			v.Cell = row.Cells[0]
		}
	}
	return v, true
}

// dutyCellPage shows one unit × period of a duty with its forms.
func (s *Server) dutyCellPage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.dutyCellOf(w, r)
	if !ok {
		return
	}
	s.renderDutyCell(w, r, http.StatusOK, v)
}

func (s *Server) renderDutyCell(w http.ResponseWriter, r *http.Request, status int, v dutyCellView) {
	s.render(w, r, status, "dutycell", s.cfg.UnitName(v.Unit)+" "+v.Period.Label()+" "+v.Spec.Name, v)
}

// recordSubmission records the unit's submission of the period, by the
// rules of `duban submit`.
func (s *Server) recordSubmission(w http.ResponseWriter, r *http.Request) {
	v, ok := s.dutyCellOf(w, r)
	if !ok {
		return
	}
	const formID = "submit-form"
	note := formText(r.PostForm, "note")
	sub, probs := s.submissionRules().Check(ledger.SubmissionInput{Duty: v.Spec.ID, Unit: v.Unit, Period: v.Period.String(),
		Date: strings.TrimSpace(r.PostForm.Get("on")), Note: note})
	if p := textProblem("备注", note, false); p != "" {
		probs = append(probs, ledger.SubmissionProblem{Reason: p})
	}
	if len(probs) > 0 {
		reasons := make([]string, len(probs))
		for i, p := range probs {
			reasons[i] = p.Reason
		}
		v.Form = refused(r, formID, strings.Join(reasons, ";"))
		s.renderDutyCell(w, r, http.StatusBadRequest, v)
		return
	}
	err := s.st.AddSubmission(r.Context(), store.Submission{Duty: sub.Duty, Unit: sub.Unit, Period: sub.Period, On: sub.On,
		Note: sub.Note, CreatedAt: s.now()}, s.actorOf(r))
	if errors.Is(err, store.ErrConflict) {
		v.Form = refused(r, formID, "该单位已登记过这一期的报送，不能重复登记；如需更正，请先撤回。")
		s.renderDutyCell(w, r, http.StatusConflict, v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, withNotice(v.Back, "submitted", -1))
}

// withdrawSubmission takes the unit's submission of the period back (撤回),
// with its reason.
func (s *Server) withdrawSubmission(w http.ResponseWriter, r *http.Request) {
	v, ok := s.dutyCellOf(w, r)
	if !ok {
		return
	}
	const formID = "withdraw-form"
	reason := formText(r.PostForm, "reason")
	problem := textProblem("撤回原因", reason, false)
	if reason == "" {
		problem = "请填写撤回原因。"
	}
	if problem != "" {
		v.Form = refused(r, formID, problem)
		s.renderDutyCell(w, r, http.StatusBadRequest, v)
		return
	}
	_, err := s.st.WithdrawSubmission(r.Context(), v.Spec.ID, v.Unit, v.Period.String(), reason, s.actorOf(r), s.now())
	if errors.Is(err, store.ErrNotFound) {
		v.Form = refused(r, formID, "这一期没有可撤回的报送。")
		s.renderDutyCell(w, r, http.StatusConflict, v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, withNotice(v.Back, "withdrawn", -1))
}
