package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"duban/ledger"
	"duban/store"
)

// unitPageNames are the pages of a unit's link: whole documents of their
// own, without the console's menu.
var unitPageNames = []string{"unit", "unit_error"}

func loadUnitPages(funcs template.FuncMap) (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(unitPageNames))
	for _, name := range unitPageNames {
		t, err := template.New(name+".html").Funcs(funcs).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// renderUnit renders a page of a unit's link. It is never cached, and
// sends no referrer: the page's address is the unit's key.
func (s *Server) renderUnit(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.unitPages[name].Execute(&buf, data); err != nil {
		s.log.Error("render unit page", "page", name, "error", err)
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

type unitPageView struct {
	Unit     ledger.Unit
	Base     string // the page's path, /u/TOKEN
	Form     string // the forms' token
	Expires  string
	Today    string
	Sent     string // what was just filed
	Error    string
	MaxMB    int
	MaxFiles int
	Accept   string
	Allowed  string
	Items    []unitItemView
	Periods  []unitPeriodView
	Requests []unitRequestView
}

type unitItemView struct {
	Item    ledger.Item
	Light   ledger.Light
	Days    string
	Action  string   // the path its forms post to, + /KIND
	Pending []string // the kinds of its requests waiting for review
}

type unitPeriodView struct {
	Duty, Name, Period, Label, Due, State string
	Overdue, Pending                      bool
	Action                                string
}

type unitRequestView struct {
	ID                    int64
	Kind, What, At        string
	Status                ledger.RequestStatus
	Note, On, Body, Files string
	FileList              []unitFileView
}

// unitFileView is a file the unit sent, to download again from its page.
type unitFileView struct{ Name, Size, URL string }

// sentMessages are what the page says after a unit filed something, by kind.
var sentMessages = map[string]string{
	string(ledger.RequestProgress):   "整改进展已报送，等待整改办审核。",
	string(ledger.RequestCompletion): "销号申请已提交，等待整改办审核；审核结果将通过邮件告知。",
	string(ledger.RequestExtension):  "延期申请已提交，等待整改办审核；审核结果将通过邮件告知。",
	string(ledger.RequestSubmission): "已报送，待整改办审核；本期提醒即停止。",
}

// unitPage is a unit's page: its open items and the duty periods it has
// still to submit, with the forms that file its reports and requests, and
// its recent requests with the office's decisions.
func (s *Server) unitPage(w http.ResponseWriter, r *http.Request, l unitLink) {
	v, err := s.unitView(r, l)
	if err != nil {
		s.log.Error("unit page", "unit", l.Unit.Code, "error", err)
		s.linkRefused(w, http.StatusInternalServerError, "服务器内部错误，请稍后重试。")
		return
	}
	v.Sent = sentMessages[r.URL.Query().Get("sent")]
	s.renderUnit(w, http.StatusOK, "unit", v)
}

func (s *Server) unitView(r *http.Request, l unitLink) (unitPageView, error) {
	ctx := r.Context()
	today := s.today()
	base := "/u/" + l.Token
	v := unitPageView{
		Unit: l.Unit, Base: base, Form: s.signer.FormToken(l.Token), Today: today.String(),
		Expires: ledger.DateOf(l.Claims.Expires.In(s.cfg.Location)).Label(),
		MaxMB:   s.cfg.Admin.MaxUploadMB, MaxFiles: maxFilesPerRequest, Accept: acceptAttr, Allowed: allowedText,
	}
	reqs, err := s.st.ListRequests(ctx, store.RequestFilter{Unit: l.Unit.Code, Limit: 50})
	if err != nil {
		return v, err
	}
	pendingOn := map[string][]string{}
	pendingPeriod := map[string]bool{}
	for _, q := range reqs {
		if q.Status == ledger.RequestPending {
			if q.Kind.OnItem() {
				pendingOn[q.Round+"/"+q.No] = append(pendingOn[q.Round+"/"+q.No], q.Kind.Label())
			} else {
				pendingPeriod[q.Duty+"/"+q.Period] = true
			}
		}
		v.Requests = append(v.Requests, s.unitRequestView(ctx, base, q))
	}
	items, err := s.st.ListItems(ctx, store.ItemFilter{Unit: l.Unit.Code, Status: ledger.StatusOpen})
	if err != nil {
		return v, err
	}
	for _, it := range items {
		iv := unitItemView{Item: it, Light: ledger.LightOf(it, today, s.cfg.Policy.YellowDays),
			Action:  base + "/items/" + url.PathEscape(it.Round) + "/" + url.PathEscape(it.No),
			Pending: pendingOn[it.Round+"/"+it.No]}
		if !it.Deadline.IsZero() {
			iv.Days = ledger.DaysText(it.Deadline.DaysSince(today))
		}
		v.Items = append(v.Items, iv)
	}
	v.Periods, err = s.unitPeriods(r, l, today, pendingPeriod)
	return v, err
}

// unitPeriods are the periods of the unit's duties it has not submitted
// whose reminders have begun (open, due or overdue), and those submitted
// through its link that wait for review.
func (s *Server) unitPeriods(r *http.Request, l unitLink, today ledger.Date, pending map[string]bool) ([]unitPeriodView, error) {
	subs, err := s.st.Submitted(r.Context(), "")
	if err != nil {
		return nil, err
	}
	var out []unitPeriodView
	for _, spec := range s.specs {
		if !slices.Contains(spec.Units, l.Unit.Code) {
			continue
		}
		has := subs.Has(spec.ID)
		for _, p := range ledger.DutyPeriods(spec, today) {
			key := spec.ID + "/" + p.String()
			if _, reached := ledger.DutyStage(spec, p, today, s.calendar); !reached && !pending[key] {
				continue
			}
			if has(l.Unit.Code, p) && !pending[key] {
				continue
			}
			due := spec.DueDate(p, s.calendar)
			pv := unitPeriodView{Duty: spec.ID, Name: ledger.DocumentName(spec.Name), Period: p.String(), Label: p.Label(),
				Due: due.Label(), Overdue: today.After(due), Pending: pending[key],
				Action: "/u/" + l.Token + "/duties/" + url.PathEscape(spec.ID) + "/" + url.PathEscape(p.String())}
			switch {
			case pv.Pending:
				pv.State = "已报送，待审核"
			case pv.Overdue:
				pv.State = "逾期未报"
			default:
				pv.State = ledger.DaysText(due.DaysSince(today))
			}
			out = append(out, pv)
		}
	}
	return out, nil
}

func (s *Server) unitRequestView(ctx context.Context, base string, q store.Request) unitRequestView {
	v := unitRequestView{ID: q.ID, Kind: q.Kind.Label(), At: s.fmtTime(q.CreatedAt), Status: q.Status, Note: q.Note, Body: q.Body}
	if q.Kind.OnItem() {
		v.What = q.No
	} else {
		v.What = s.reviewer.what(ctx, q)
	}
	if !q.On.IsZero() {
		v.On = q.On.String()
	}
	if n := len(q.Files); n > 0 {
		v.Files = fmt.Sprintf("%d 个文件", n)
	}
	for _, f := range q.Files {
		v.FileList = append(v.FileList, unitFileView{Name: f.Name, Size: sizeText(f.Size), URL: base + "/files/" + strconv.FormatInt(f.ID, 10)})
	}
	return v
}

// unitFile lets a unit download a file it sent, and only its own: a file
// of another unit's request is not found, as one that does not exist.
// Like the console's downloads, it is an attachment under a sandbox.
func (s *Server) unitFile(w http.ResponseWriter, r *http.Request, l unitLink) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.linkRefused(w, http.StatusNotFound, "没有此文件。")
		return
	}
	f, data, err := s.st.GetFile(r.Context(), id)
	var req store.Request
	if err == nil {
		req, err = s.st.GetRequest(r.Context(), f.RequestID)
	}
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && req.Unit != l.Unit.Code:
		s.linkRefused(w, http.StatusNotFound, "没有此文件。")
		return
	case err != nil:
		s.log.Error("unit file", "unit", l.Unit.Code, "file", id, "error", err)
		s.linkRefused(w, http.StatusInternalServerError, "服务器内部错误，请稍后重试。")
		return
	}
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.serveFile(w, f, data, "attachment")
}

// unitItemRequest files a progress report, a completion request or an
// extension request on one of the unit's open items.
func (s *Server) unitItemRequest(w http.ResponseWriter, r *http.Request, l unitLink) {
	kind := ledger.RequestKind(r.PathValue("kind"))
	if !kind.Valid() || !kind.OnItem() {
		s.linkRefused(w, http.StatusNotFound, "未找到此页面。")
		return
	}
	req := store.Request{Kind: kind, Unit: l.Unit.Code, Round: r.PathValue("round"), No: r.PathValue("no")}
	s.fileRequest(w, r, l, req)
}

// unitSubmission files a duty's report for a period: it counts at once.
func (s *Server) unitSubmission(w http.ResponseWriter, r *http.Request, l unitLink) {
	duty, period := r.PathValue("duty"), r.PathValue("period")
	spec, ok := s.dutySpec(duty)
	p, err := ledger.ParsePeriodOf(spec.Kind, period)
	if !ok || err != nil || !slices.Contains(spec.Units, l.Unit.Code) || !slices.Contains(ledger.DutyPeriods(spec, s.today()), p) {
		s.linkRefused(w, http.StatusNotFound, "未找到此项定期任务。")
		return
	}
	s.fileRequest(w, r, l, store.Request{Kind: ledger.RequestSubmission, Unit: l.Unit.Code, Duty: duty, Period: p.String()})
}

func (s *Server) dutySpec(id string) (ledger.DutySpec, bool) {
	for _, d := range s.specs {
		if d.ID == id {
			return d, true
		}
	}
	return ledger.DutySpec{}, false
}

// fileRequest reads the form (only now: the link has checked out),
// checks it for the kind, and stores the request with its files; any
// refusal stores nothing and shows the page again with the reason.
func (s *Server) fileRequest(w http.ResponseWriter, r *http.Request, l unitLink, req store.Request) {
	if !s.limits.allow("write:" + l.Unit.Code) {
		s.linkRefused(w, http.StatusTooManyRequests, "提交过于频繁，请稍后再试。")
		return
	}
	form, err := s.readLinkForm(r, l, s.cfg.Admin.MaxUploadBytes())
	if err == nil {
		err = s.checkRequest(&req, form)
	}
	if err == nil {
		_, err = s.st.AddRequest(r.Context(), req, form.files, s.linkActor(r, l), s.now())
	}
	var refusal *uploadError
	switch {
	case err == nil:
		http.Redirect(w, r, "/u/"+l.Token+"?sent="+string(req.Kind)+"#sent", http.StatusSeeOther)
		return
	case errors.As(err, &refusal):
	case errors.Is(err, store.ErrNotFound):
		s.linkRefused(w, http.StatusNotFound, "未找到此事项。")
		return
	case errors.Is(err, store.ErrNotOpen):
		refusal = &uploadError{http.StatusConflict, "该事项已不在整改中，无需再提交。"}
	case errors.Is(err, store.ErrPending):
		refusal = &uploadError{http.StatusConflict, "该事项已有一份同类申请等待审核，请等待审核结果。"}
	case errors.Is(err, store.ErrConflict):
		refusal = &uploadError{http.StatusConflict, "该期已报送，无需重复报送。"}
	default:
		s.log.Error("unit request", "unit", l.Unit.Code, "error", err)
		s.linkRefused(w, http.StatusInternalServerError, "服务器内部错误，请稍后重试。")
		return
	}
	if refusal.status == http.StatusRequestEntityTooLarge || refusal.status == http.StatusForbidden {
		w.Header().Set("Connection", "close") // the rest of the body is not read
	}
	v, verr := s.unitView(r, l)
	if verr != nil {
		s.linkRefused(w, refusal.status, refusal.msg)
		return
	}
	v.Error = refusal.msg
	s.renderUnit(w, refusal.status, "unit", v)
}

// checkRequest takes the form's fields for the request's kind: what each
// kind needs, dates as dates.
func (s *Server) checkRequest(req *store.Request, f linkForm) error {
	req.Body = f.fields["body"]
	today := s.today()
	switch req.Kind {
	case ledger.RequestProgress:
		if req.Body == "" {
			return refuse(http.StatusBadRequest, "请填写整改进展。")
		}
	case ledger.RequestCompletion:
		on, err := ledger.ParseDate(f.fields["on"])
		switch {
		case err != nil:
			return refuse(http.StatusBadRequest, "请填写完成日期，如 %s。", today)
		case on.After(today):
			return refuse(http.StatusBadRequest, "完成日期不能晚于今天。")
		case req.Body == "":
			return refuse(http.StatusBadRequest, "请填写整改完成情况。")
		case len(f.files) == 0:
			return refuse(http.StatusBadRequest, "申请销号须上传佐证材料。")
		}
		req.On = on
	case ledger.RequestExtension:
		on, err := ledger.ParseDate(f.fields["on"])
		switch {
		case err != nil:
			return refuse(http.StatusBadRequest, "请填写申请延期至的日期，如 %s。", today.AddDays(30))
		case !on.After(today):
			return refuse(http.StatusBadRequest, "申请延期至的日期应晚于今天。")
		case req.Body == "":
			return refuse(http.StatusBadRequest, "请填写延期理由。")
		}
		req.On = on
	case ledger.RequestSubmission:
		if len(f.files) == 0 {
			return refuse(http.StatusBadRequest, "请上传报送材料。")
		}
	}
	return nil
}
