package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"duban/sheet"
	"duban/store"
)

// auditPerPage is the length of a page of the audit log.
const auditPerPage = 50

// auditActions are the actions of the audit log as the office reads them;
// an action not listed shows as it is stored.
var auditActions = []option{
	{store.ActionLogin, "登录"},
	{store.ActionLoginFailed, "登录失败"},
	{store.ActionLogout, "退出"},
	{store.ActionDispatchRetry, "重新发送邮件"},
	{store.ActionUserAdd, "新增账号"},
	{store.ActionUserDisable, "停用账号"},
	{store.ActionUserEnable, "启用账号"},
	{store.ActionUserPasswd, "修改口令"},
	{store.ActionItemCreate, "新建问题"},
	{store.ActionItemEdit, "修改问题"},
	{store.ActionItemDone, "标记已完成"},
	{store.ActionItemClose, "销号"},
	{store.ActionItemReopen, "重新打开"},
	{store.ActionItemProgress, "记录进展"},
	{store.ActionItemConfirm, "确认回头看"},
	{store.ActionLedgerImport, "导入台账"},
	{store.ActionSubmissionAdd, "登记报送"},
	{store.ActionSubmissionWithdraw, "撤回报送"},
	{store.ActionRequestAdd, "单位提交申请"},
	{store.ActionRequestApprove, "通过申请"},
	{store.ActionRequestReject, "退回申请"},
}

var auditObjects = []option{
	{store.ObjectDispatch, "发送记录"},
	{store.ObjectUser, "账号"},
	{store.ObjectItem, "整改问题"},
	{store.ObjectLedger, "台账文件"},
	{store.ObjectSubmission, "报送"},
	{store.ObjectRequest, "单位申请"},
}

var actorKinds = []option{
	{store.ActorUser, "办公室用户"},
	{store.ActorUnitLink, "单位（链接）"},
	{store.ActorCLI, "命令行"},
	{store.ActorImport, "导入"},
	{store.ActorSystem, "系统"},
}

func labelOf(opts []option, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

type auditFilterView struct{ Actor, Action, Object, Key, Since, Until string }

func (fv auditFilterView) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"actor": fv.Actor, "action": fv.Action, "object": fv.Object,
		"key": fv.Key, "since": fv.Since, "until": fv.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// auditEntryView is one entry as the page and the export show it.
type auditEntryView struct {
	E                        store.AuditEntry
	Action, Kind, ObjectType string
	URL                      string // the object's page, when it has one
}

type auditView struct {
	Filter    auditFilterView
	Error     string
	Actions   []option
	Objects   []option
	Rows      []auditEntryView
	Page      int
	PrevURL   string
	NextURL   string
	ExportURL string
}

// auditFilter reads the log's filters from the query.
func (s *Server) auditFilter(q url.Values) (store.AuditFilter, auditFilterView, string) {
	fv := auditFilterView{
		Actor: strings.TrimSpace(q.Get("actor")), Action: q.Get("action"), Object: q.Get("object"),
		Key: strings.TrimSpace(q.Get("key")), Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")),
	}
	f := store.AuditFilter{Actor: fv.Actor, Action: fv.Action, ObjectType: fv.Object, ObjectKey: fv.Key}
	var problems []string
	f.Since, f.Until, problems = s.dayRange(&fv.Since, &fv.Until)
	return f, fv, strings.Join(problems, ";")
}

func (s *Server) auditEntryView(e store.AuditEntry) auditEntryView {
	v := auditEntryView{E: e, Action: labelOf(auditActions, e.Action), Kind: labelOf(actorKinds, e.Kind),
		ObjectType: labelOf(auditObjects, e.ObjectType)}
	switch e.ObjectType {
	case store.ObjectDispatch:
		v.URL = "/dispatches/" + url.PathEscape(e.ObjectKey)
	case store.ObjectItem:
		if round, no, ok := strings.Cut(e.ObjectKey, "/"); ok {
			v.URL = itemURL(round, no)
		}
	case store.ObjectSubmission:
		if duty, _, ok := strings.Cut(e.ObjectKey, "/"); ok {
			v.URL = "/duties?duty=" + url.QueryEscape(duty)
		}
	case store.ObjectRequest:
		v.URL = "/requests"
	}
	return v
}

// auditPage is 操作日志: every write, newest first, a page at a time.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, fv, problem := s.auditFilter(q)
	pageNo := pageOf(q)
	f.Limit = auditPerPage + 1 // one more tells whether a next page exists
	f.Offset = (pageNo - 1) * auditPerPage
	entries, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := auditView{Filter: fv, Error: problem, Actions: auditActions, Objects: auditObjects, Page: pageNo}
	v.ExportURL = "/audit.csv"
	if base := fv.query(); len(base) > 0 {
		v.ExportURL += "?" + base.Encode()
	}
	if len(entries) > auditPerPage {
		entries = entries[:auditPerPage]
		v.NextURL = pageURL("/audit", fv.query(), pageNo+1)
	}
	if pageNo > 1 {
		v.PrevURL = pageURL("/audit", fv.query(), pageNo-1)
	}
	for _, e := range entries {
		v.Rows = append(v.Rows, s.auditEntryView(e))
	}
	s.render(w, r, http.StatusOK, "audit", "操作日志", v)
}

// auditCSV exports the filtered log, all pages, as CSV that Excel on a
// Chinese Windows opens as UTF-8; every text a person or a client typed
// is defused against formulas.
func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) {
	f, _, problem := s.auditFilter(r.URL.Query())
	if problem != "" {
		s.errorPage(w, r, http.StatusBadRequest, problem)
		return
	}
	entries, err := s.st.ListAudit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	cw := sheet.NewCSVWriter(&buf)
	cw.Write([]string{"编号", "时间", "操作人", "操作人类型", "操作", "对象类型", "对象", "变更前", "变更后", "来源地址"})
	for _, e := range entries {
		v := s.auditEntryView(e)
		cw.Write([]string{
			strconv.FormatInt(e.ID, 10), s.fmtTime(e.At), e.Name, v.Kind, v.Action, v.ObjectType,
			e.ObjectKey, e.Before, e.After, e.Addr,
		})
	}
	if err := cw.Flush(); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "duban-audit-" + s.now().In(s.cfg.Location).Format("20060102") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}
