package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/sheet"
	"duban/store"
)

// dispatchesPerPage is the length of a page of the dispatch log.
const dispatchesPerPage = 50

type dispatchFilterView struct{ Since, Until, Status, To, Job, Channel string }

type dispatchesView struct {
	Filter    dispatchFilterView
	Error     string
	States    []option
	Jobs      []option
	Channels  []option
	Rows      []store.Dispatch
	Page      int
	PrevURL   string
	NextURL   string
	ExportURL string
	Notice    string
	// CanRetry: the log lists failed messages, which an admin may send
	// again all at once.
	CanRetry bool
}

// dispatchFilter reads the log's filters from the query: days in the
// configured zone, the until day included. A bad day is reported and
// ignored.
func (s *Server) dispatchFilter(q url.Values) (store.DispatchFilter, dispatchFilterView, string) {
	fv := dispatchFilterView{
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")),
		Status: q.Get("status"), To: strings.TrimSpace(q.Get("to")), Job: q.Get("job"), Channel: q.Get("channel"),
	}
	f := store.DispatchFilter{To: fv.To}
	var problems []string
	f.Since, f.Until, problems = s.dayRange(&fv.Since, &fv.Until)
	switch fv.Status {
	case store.StatePending, store.StateSending, store.StateSent, store.StateFailed:
		f.State = fv.Status
	default:
		fv.Status = ""
	}
	if job, err := ledger.ParseJob(fv.Job); err == nil {
		f.Job, fv.Job = job, job
	} else {
		fv.Job = ""
	}
	if slices.Contains(ledger.Channels, fv.Channel) {
		f.Channel = fv.Channel
	} else {
		fv.Channel = ""
	}
	return f, fv, strings.Join(problems, ";")
}

// dayRange reads the days of a filter, in the configured zone: the
// instants from the start of since to the end of until. A bad day is
// reported and cleared.
func (s *Server) dayRange(since, until *string) (from, to time.Time, problems []string) {
	day := func(v *string, what string) time.Time {
		if *v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, *v, s.cfg.Location)
		if err != nil {
			problems = append(problems, what+"“"+*v+"”无效，应为 2025-06-16 这样的日期")
			*v = ""
		}
		return t
	}
	from, to = day(since, "起始日期"), day(until, "截止日期")
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to, problems
}

func (fv dispatchFilterView) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"since": fv.Since, "until": fv.Until, "status": fv.Status, "to": fv.To, "job": fv.Job, "channel": fv.Channel} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

var stateOptions = []option{
	{store.StatePending, store.StateLabel(store.StatePending)},
	{store.StateSending, store.StateLabel(store.StateSending)},
	{store.StateSent, store.StateLabel(store.StateSent)},
	{store.StateFailed, store.StateLabel(store.StateFailed)},
}

func channelOptions() []option {
	out := make([]option, len(ledger.Channels))
	for i, c := range ledger.Channels {
		out[i] = option{c, ledger.ChannelLabel(c)}
	}
	return out
}

func jobOptions() []option {
	out := make([]option, len(ledger.JobNames))
	for i, j := range ledger.JobNames {
		out[i] = option{j, ledger.JobLabel(j)}
	}
	return out
}

// dispatchList is 发送记录: the dispatch log, newest first, a page at a time.
func (s *Server) dispatchList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, fv, problem := s.dispatchFilter(q)
	pageNo := pageOf(q)
	f.Limit = dispatchesPerPage + 1 // one more tells whether a next page exists
	f.Offset = (pageNo - 1) * dispatchesPerPage
	rows, err := s.st.ListDispatches(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := dispatchesView{Filter: fv, Error: problem, States: stateOptions, Jobs: jobOptions(), Channels: channelOptions(), Page: pageNo,
		Notice: noticeOf(q), CanRetry: f.State == store.StateFailed && len(rows) > 0 && problem == ""}
	base := fv.query()
	v.ExportURL = "/dispatches.csv"
	if len(base) > 0 {
		v.ExportURL += "?" + base.Encode()
	}
	if len(rows) > dispatchesPerPage {
		rows = rows[:dispatchesPerPage]
		v.NextURL = pageURL("/dispatches", fv.query(), pageNo+1)
	}
	if pageNo > 1 {
		v.PrevURL = pageURL("/dispatches", fv.query(), pageNo-1)
	}
	v.Rows = rows
	s.render(w, r, http.StatusOK, "dispatches", "发送记录", v)
}

// dispatchCSV exports the filtered log, all pages, as CSV that Excel on a
// Chinese Windows opens as UTF-8 (with a byte order mark).
func (s *Server) dispatchCSV(w http.ResponseWriter, r *http.Request) {
	f, _, problem := s.dispatchFilter(r.URL.Query())
	if problem != "" {
		s.errorPage(w, r, http.StatusBadRequest, problem)
		return
	}
	rows, err := s.st.ListDispatches(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	cw := sheet.NewCSVWriter(&buf)
	cw.Write([]string{"编号", "创建时间", "任务", "渠道", "收件人", "状态", "尝试次数", "主题", "最后错误", "服务器回复", "Message-ID", "发送时间"})
	for _, d := range rows {
		sent := ""
		if !d.SentAt.IsZero() {
			sent = s.fmtTime(d.SentAt)
		}
		cw.Write([]string{
			strconv.FormatInt(d.ID, 10), s.fmtTime(d.CreatedAt), ledger.JobLabel(d.Job), ledger.ChannelLabel(d.Channel), d.Recipient, store.StateLabel(d.State),
			strconv.Itoa(d.Attempts), d.Subject, d.LastError, d.SMTPReply, d.MessageID, sent,
		})
	}
	if err := cw.Flush(); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "duban-dispatches-" + s.now().In(s.cfg.Location).Format("20060102") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// refView is one thing a dispatch concerned, linked to its page, with the
// tag its entry had in the email.
type refView struct {
	Tag, URL, Label string
}

type dispatchView struct {
	D          store.Dispatch
	Headers    string
	HeadersErr string
	Refs       []refView
	RawRefs    string
	Retried    bool
}

func (s *Server) dispatchOf(w http.ResponseWriter, r *http.Request) (store.Dispatch, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return store.Dispatch{}, false
	}
	d, err := s.st.GetDispatch(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "没有编号为 "+strconv.FormatInt(id, 10)+" 的发送记录。")
		return store.Dispatch{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return store.Dispatch{}, false
	}
	return d, true
}

// dispatchPage shows one message exactly as it was sent: subject, text,
// HTML (in a sandboxed frame, and as source), the headers rebuilt as the
// worker builds them, and how delivery went.
func (s *Server) dispatchPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dispatchOf(w, r)
	if !ok {
		return
	}
	v := dispatchView{D: d, Retried: r.URL.Query().Get("retried") == "1"}
	if d.Channel == ledger.ChannelEmail {
		v.Headers, v.HeadersErr = s.rebuildHeaders(d)
	}
	refs, parsed := parseRefs(d.Refs)
	if !parsed {
		v.RawRefs = d.Refs
	}
	for _, ref := range refs {
		v.Refs = append(v.Refs, s.refView(ref))
	}
	s.render(w, r, http.StatusOK, "dispatch", "发送记录 #"+strconv.FormatInt(d.ID, 10), v)
}

// rebuildHeaders builds the message as the worker does and keeps its
// header block.
func (s *Server) rebuildHeaders(d store.Dispatch) (string, string) {
	m, _, err := notify.BuildMessage(s.cfg.Mail.From, d)
	if err != nil {
		return "", err.Error()
	}
	var data strings.Builder
	if _, err := m.WriteTo(&data); err != nil {
		return "", err.Error()
	}
	head, _, _ := strings.Cut(data.String(), "\r\n\r\n")
	return strings.ReplaceAll(head, "\r\n", "\n"), ""
}

// refView links an item ("ROUND/NO") to its page and a duty period
// ("DUTY/PERIOD") to the duty matrix.
func (s *Server) refView(ref scheduler.Ref) refView {
	v := refView{Tag: ref.Tag(), Label: ref.Ref}
	prefix, rest, ok := strings.Cut(ref.Ref, "/")
	if !ok {
		return v
	}
	if _, isRound := s.cfg.Round(prefix); isRound {
		v.URL, v.Label = itemURL(prefix, rest), rest
		return v
	}
	if d, isDuty := s.cfg.Duty(prefix); isDuty {
		v.URL, v.Label = "/duties?duty="+url.QueryEscape(prefix), d.Name+" "+rest
	}
	return v
}

// dispatchHTML serves a sent message's HTML for the preview frame, under
// a CSP sandbox: no script runs, it gets an opaque origin (no cookies, no
// access to the console), and it loads nothing from the network.
func (s *Server) dispatchHTML(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dispatchOf(w, r)
	if !ok {
		return
	}
	if d.BodyHTML == "" {
		s.errorPage(w, r, http.StatusNotFound, "这封邮件没有 HTML 正文。")
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write([]byte(d.BodyHTML))
}

// retryDispatch puts a failed dispatch back to pending.
func (s *Server) retryDispatch(w http.ResponseWriter, r *http.Request) {
	d, ok := s.dispatchOf(w, r)
	if !ok {
		return
	}
	err := s.st.RetryDispatch(r.Context(), d.ID, s.now(), s.actorOf(r))
	if errors.Is(err, store.ErrConflict) {
		s.errorPage(w, r, http.StatusConflict, "只有发送失败的邮件可以重新发送；这封邮件当前状态为“"+store.StateLabel(d.State)+"”。")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("dispatch retry requested from the console", "dispatch", d.ID, "to", d.Recipient, "by", s.actorOf(r).Name)
	s.wake()
	http.Redirect(w, r, "/dispatches/"+strconv.FormatInt(d.ID, 10)+"?retried=1", http.StatusSeeOther)
}

// retryFailed puts every failed message the posted filter selects (the
// filter of the log's page) back in the queue, each retry in the audit
// log, and wakes the worker.
func (s *Server) retryFailed(w http.ResponseWriter, r *http.Request) {
	f, fv, problem := s.dispatchFilter(r.PostForm)
	if problem != "" {
		s.errorPage(w, r, http.StatusBadRequest, problem)
		return
	}
	n, err := s.st.RetryFailed(r.Context(), f, s.now(), s.actorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("failed dispatches retried from the console", "count", n, "by", s.actorOf(r).Name)
	if n > 0 {
		s.wake()
	}
	fv.Status = store.StateFailed
	notice := "retried"
	if n == 0 {
		notice = "retriedNone"
	}
	seeOther(w, r, withNotice("/dispatches?"+fv.query().Encode(), notice, n))
}
