package web

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/text/width"

	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

// itemForm is the form of an item, as the office fills it in: every field
// of the ledger, by the names the form posts.
type itemForm struct {
	Round, No             string
	Category, SubCategory string
	Problem, Measures     string
	Leader                string   // a leader's code, "" for none
	Lead                  string   // the lead unit's code
	Others                []string // the other units' codes
	Deadline              string   // YYYY-MM-DD; ignored when LongTerm
	LongTerm              bool
	Status                string
	CompletedOn           string // YYYY-MM-DD or "" (unknown)
	Progress              string
	Reason                string // why, with an edit; required for 延期
}

// choice is an option of a select, a checkbox or a radio button.
type choice struct {
	Value, Label string
	On           bool
}

type itemFormView struct {
	New      bool // creating: the round, the number and the status are asked
	Form     itemForm
	Action   string // where the form posts
	Cancel   string
	Alert    string
	Done     bool // editing a done or closed item: its completion day is a field
	Today    ledger.Date
	Rounds   []choice
	Leaders  []choice
	Leads    []choice
	Others   []choice
	Statuses []choice
}

// formOfItem is the form filled with an item's fields.
func formOfItem(it ledger.Item) itemForm {
	f := itemForm{
		Round: it.Round, No: it.No, Category: it.Category, SubCategory: it.SubCategory, Problem: it.Problem,
		Measures: it.Measures, Leader: it.Leader, LongTerm: it.LongTerm, Status: string(it.Status), Progress: it.Progress,
	}
	if len(it.Units) > 0 {
		f.Lead, f.Others = it.Units[0], it.Units[1:]
	}
	if !it.Deadline.IsZero() {
		f.Deadline = it.Deadline.String()
	}
	if !it.CompletedOn.IsZero() {
		f.CompletedOn = it.CompletedOn.String()
	}
	return f
}

// itemFormOf reads the posted form.
func itemFormOf(form url.Values) itemForm {
	return itemForm{
		Round: strings.TrimSpace(form.Get("round")), No: width.Fold.String(strings.TrimSpace(form.Get("no"))),
		Category: formText(form, "category"), SubCategory: formText(form, "subcategory"),
		Problem: formText(form, "problem"), Measures: formText(form, "measures"),
		Leader: strings.TrimSpace(form.Get("leader")), Lead: strings.TrimSpace(form.Get("lead")), Others: form["units"],
		Deadline: strings.TrimSpace(form.Get("deadline")), LongTerm: form.Get("long_term") != "",
		Status: strings.TrimSpace(form.Get("status")), CompletedOn: strings.TrimSpace(form.Get("completed_on")),
		Progress: formText(form, "progress"), Reason: formText(form, "reason"),
	}
}

// itemOfForm checks the form and turns it into an item; creating, the round,
// number and status are read too. It returns every problem found.
func (s *Server) itemOfForm(f itemForm, creating bool) (ledger.Item, []string) {
	var probs []string
	fail := func(p string) {
		if p != "" {
			probs = append(probs, p)
		}
	}
	it := ledger.Item{Round: f.Round, No: f.No, Category: f.Category, SubCategory: f.SubCategory, Problem: f.Problem,
		Measures: f.Measures, Progress: f.Progress, LongTerm: f.LongTerm, Status: ledger.StatusOpen}
	if creating {
		if _, ok := s.cfg.Round(f.Round); !ok {
			fail("请选择巡察轮次")
		}
		if f.No == "" {
			fail("请填写编号")
		}
		fail(textProblem("编号", f.No, true))
		st, err := ledger.ParseStatus(cmp.Or(f.Status, string(ledger.StatusOpen)))
		if err != nil {
			fail("整改状态无效")
		}
		it.Status = st
	}
	if f.Problem == "" {
		fail("请填写问题")
	}
	for _, t := range []struct{ label, v string }{{"问题类别", f.Category}, {"问题子类", f.SubCategory}, {"问题", f.Problem}, {"整改措施", f.Measures},
		{"整改情况", f.Progress}, {"说明", f.Reason}} {
		fail(textProblem(t.label, t.v, false))
	}
	if f.Leader != "" {
		if _, ok := s.cfg.Leader(f.Leader); !ok {
			fail("未知的责任领导")
		}
		it.Leader = f.Leader
	}
	it.Units, probs = s.formUnits(f, probs)
	if !f.LongTerm {
		d, err := sheet.ParseDate(f.Deadline)
		switch {
		case f.Deadline == "":
			fail("请填写完成时限，或勾选“长期坚持”")
		case err != nil:
			fail("完成时限“" + f.Deadline + "”无效，应为 2025-06-16 这样的日期")
		}
		it.Deadline = d
	}
	if f.CompletedOn != "" {
		d, err := sheet.ParseDate(f.CompletedOn)
		switch {
		case err != nil:
			fail("完成日期“" + f.CompletedOn + "”无效，应为 2025-06-16 这样的日期")
		case d.After(s.today()):
			fail("完成日期" + d.Label() + "晚于今天（" + s.today().Label() + "）")
		case creating && it.Status == ledger.StatusOpen:
			fail("正在整改的问题没有完成日期")
		}
		it.CompletedOn = d
	}
	return it, probs
}

// formUnits are the form's units, the lead unit first, each once.
func (s *Server) formUnits(f itemForm, probs []string) ([]string, []string) {
	if _, ok := s.cfg.Unit(f.Lead); !ok {
		return nil, append(probs, "请选择牵头的责任部门")
	}
	units := []string{f.Lead}
	for _, u := range f.Others {
		if _, ok := s.cfg.Unit(u); !ok {
			return nil, append(probs, "未知的责任部门")
		}
		if !slices.Contains(units, u) {
			units = append(units, u)
		}
	}
	return units, probs
}

// formView is the item form's page around f.
func (s *Server) formView(f itemForm, creating bool) itemFormView {
	v := itemFormView{New: creating, Form: f, Today: s.today()}
	for _, rd := range s.cfg.Rounds {
		v.Rounds = append(v.Rounds, choice{rd.Code, rd.Name, rd.Code == f.Round})
	}
	for _, l := range s.cfg.Leaders {
		v.Leaders = append(v.Leaders, choice{l.Code, l.Name, l.Code == f.Leader})
	}
	for _, u := range s.cfg.Units {
		v.Leads = append(v.Leads, choice{u.Code, u.Name, u.Code == f.Lead})
		v.Others = append(v.Others, choice{u.Code, u.Name, slices.Contains(f.Others, u.Code)})
	}
	// A leader or unit the config no longer has stays on show, so that
	// saving the form does not drop it unseen (it is refused instead).
	if _, ok := s.cfg.Leader(f.Leader); f.Leader != "" && !ok {
		v.Leaders = append(v.Leaders, choice{f.Leader, f.Leader + "（配置中已无）", true})
	}
	if _, ok := s.cfg.Unit(f.Lead); f.Lead != "" && !ok {
		v.Leads = append(v.Leads, choice{f.Lead, f.Lead + "（配置中已无）", true})
	}
	for _, u := range f.Others {
		if _, ok := s.cfg.Unit(u); !ok {
			v.Others = append(v.Others, choice{u, u + "（配置中已无）", true})
		}
	}
	for _, o := range statusOptions {
		v.Statuses = append(v.Statuses, choice{o.Value, o.Label, o.Value == cmp.Or(f.Status, string(ledger.StatusOpen))})
	}
	return v
}

// newItemPage is the form of a new item.
func (s *Server) newItemPage(w http.ResponseWriter, r *http.Request) {
	f := itemForm{Status: string(ledger.StatusOpen)}
	if len(s.cfg.Rounds) == 1 {
		f.Round = s.cfg.Rounds[0].Code
	}
	v := s.formView(f, true)
	v.Action, v.Cancel = "/items/new", "/items"
	s.render(w, r, http.StatusOK, "itemform", "新建问题", v)
}

// createItem adds the posted item to the end of its round.
func (s *Server) createItem(w http.ResponseWriter, r *http.Request) {
	f := itemFormOf(r.PostForm)
	it, probs := s.itemOfForm(f, true)
	refuse := func(status int, reason string) {
		v := s.formView(f, true)
		v.Action, v.Cancel, v.Alert = "/items/new", "/items", reason
		s.render(w, r, status, "itemform", "新建问题", v)
	}
	if len(probs) > 0 {
		refuse(http.StatusBadRequest, strings.Join(probs, ";"))
		return
	}
	err := s.st.CreateItem(r.Context(), it, s.actorOf(r), s.now())
	if errors.Is(err, store.ErrConflict) {
		refuse(http.StatusConflict, "该轮次中已有编号为“"+it.No+"”的问题。")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, withNotice(itemURL(it.Round, it.No), "created", -1))
}

// editItemPage is the form of an item's fields.
func (s *Server) editItemPage(w http.ResponseWriter, r *http.Request) {
	it, ok := s.itemOf(w, r)
	if !ok {
		return
	}
	s.renderEdit(w, r, http.StatusOK, it, formOfItem(it), "")
}

func (s *Server) renderEdit(w http.ResponseWriter, r *http.Request, status int, it ledger.Item, f itemForm, alert string) {
	v := s.formView(f, false)
	v.Action, v.Cancel, v.Alert = itemURL(it.Round, it.No)+"/edit", itemURL(it.Round, it.No), alert
	v.Done = it.Status != ledger.StatusOpen
	v.Form.Round, v.Form.No = it.Round, it.No
	s.render(w, r, status, "itemform", "修改 "+it.No, v)
}

// editedFields are the fields the edit form carries: all but the status
// (done, close and reopen change it), and the completion day only of an
// item that has one.
func editedFields(it ledger.Item) []ledger.Field {
	fields := []ledger.Field{ledger.FieldCategory, ledger.FieldSubCategory, ledger.FieldProblem, ledger.FieldMeasures, ledger.FieldLeader,
		ledger.FieldUnits, ledger.FieldDeadline, ledger.FieldProgress}
	if it.Status != ledger.StatusOpen {
		fields = append(fields, ledger.FieldCompletedOn)
	}
	return fields
}

// editItem writes the posted fields of an item, each change before →
// after in its timeline; moving the deadline later (延期) needs a reason.
func (s *Server) editItem(w http.ResponseWriter, r *http.Request) {
	cur, ok := s.itemOf(w, r)
	if !ok {
		return
	}
	f := itemFormOf(r.PostForm)
	values, probs := s.itemOfForm(f, false)
	if len(probs) > 0 {
		s.renderEdit(w, r, http.StatusBadRequest, cur, f, strings.Join(probs, ";"))
		return
	}
	if sameUnits(cur.Units, values.Units) {
		values.Units = cur.Units // the same units in another order of the others are no change
	}
	fields := editedFields(cur)
	if ledger.HasExtension(ledger.Changes(cur, cur.With(values, fields), fields)) && f.Reason == "" {
		s.renderEdit(w, r, http.StatusBadRequest, cur, f, "完成时限推后属于延期，请填写延期理由。")
		return
	}
	changes, err := s.st.EditItem(r.Context(), cur.Round, cur.No, fields, values,
		store.Edit{Note: f.Reason, By: s.actorOf(r), At: s.now()})
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "台账中没有编号为“"+cur.No+"”的问题。")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	notice := "edited"
	if len(changes) == 0 {
		notice = "unchanged"
	}
	seeOther(w, r, withNotice(itemURL(cur.Round, cur.No), notice, -1))
}

// sameUnits reports whether a and b have the same lead unit and the same
// others, in whatever order.
func sameUnits(a, b []string) bool {
	if len(a) != len(b) || len(a) == 0 || a[0] != b[0] {
		return false
	}
	x, y := slices.Clone(a[1:]), slices.Clone(b[1:])
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// statusFormID is the form of the item page that asks an item in status
// from to become to.
func statusFormID(from, to ledger.Status) string {
	switch {
	case from == ledger.StatusOpen:
		return "done-form"
	case to == ledger.StatusOpen:
		return "reopen-form"
	}
	return "close-form"
}

// statusNotices are the notices of a status change, by the status it led to.
var statusNotices = map[ledger.Status]string{ledger.StatusDone: "done", ledger.StatusClosed: "closed", ledger.StatusOpen: "reopened"}

// changeStatus marks an item done (with its completion day), closes it
// (销号) or reopens it, as `duban item done|close|reopen` does.
func (s *Server) changeStatus(w http.ResponseWriter, r *http.Request) {
	it, ok := s.itemOf(w, r)
	if !ok {
		return
	}
	to, err := ledger.ParseStatus(r.PostForm.Get("to"))
	formID := statusFormID(it.Status, to)
	if err != nil {
		s.renderItem(w, r, http.StatusBadRequest, refused(r, formID, "请选择要进行的操作。"))
		return
	}
	if !it.Status.CanBecome(to) {
		s.renderItem(w, r, http.StatusConflict, refused(r, formID, "该问题已是“"+to.Label()+"”状态。"))
		return
	}
	on, problem := s.formDay(r.PostForm, "on", "日期")
	if problem != "" {
		s.renderItem(w, r, http.StatusBadRequest, refused(r, formID, problem))
		return
	}
	err = s.st.ChangeStatus(r.Context(), it.Round, it.No, to, on, formText(r.PostForm, "note"), s.actorOf(r), s.now())
	if errors.Is(err, store.ErrConflict) {
		s.renderItem(w, r, http.StatusConflict, refused(r, formID, "该问题已是“"+to.Label()+"”状态。"))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, withNotice(itemURL(it.Round, it.No), statusNotices[to], -1))
}

// addNote records a dated progress note (整改进展).
func (s *Server) addNote(w http.ResponseWriter, r *http.Request) {
	it, ok := s.itemOf(w, r)
	if !ok {
		return
	}
	const formID = "note-form"
	note := formText(r.PostForm, "note")
	on, problem := s.formDay(r.PostForm, "on", "进展日期")
	switch {
	case note == "":
		problem = "请填写整改进展。"
	case textProblem("整改进展", note, false) != "":
		problem = textProblem("整改进展", note, false)
	}
	if problem != "" {
		s.renderItem(w, r, http.StatusBadRequest, refused(r, formID, problem))
		return
	}
	if err := s.st.AddProgress(r.Context(), it.Round, it.No, ledger.EventProgress, on, note, s.actorOf(r), s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, withNotice(itemURL(it.Round, it.No), "note", -1))
}

// confirmFollowup records the 回头看 re-check of a done item, by the rules
// of `duban item confirm`: a done or closed item, a day not in the
// future, and not a second time for the same follow-up.
func (s *Server) confirmFollowup(w http.ResponseWriter, r *http.Request) {
	it, ok := s.itemOf(w, r)
	if !ok {
		return
	}
	const formID = "confirm-form"
	if !it.Status.CanConfirmFollowup() {
		s.renderItem(w, r, http.StatusConflict, refused(r, formID, "该问题正在整改，回头看只能在问题完成后确认。"))
		return
	}
	on, problem := s.formDay(r.PostForm, "on", "回头看日期")
	if problem != "" {
		s.renderItem(w, r, http.StatusBadRequest, refused(r, formID, problem))
		return
	}
	events, err := s.st.ItemEvents(r.Context(), it.Round, it.No)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if last, repeated := ledger.RepeatedConfirm(events, it, on, s.cfg.Policy.FollowupDays); repeated {
		s.renderItem(w, r, http.StatusConflict, refused(r, formID, "回头看已于"+last.On.Label()+"确认（"+
			s.fmtTime(last.At)+" 由 "+cmp.Or(last.Actor, "未知")+" 记录），无需重复确认。"))
		return
	}
	note := cmp.Or(formText(r.PostForm, "note"), "回头看已确认")
	if p := textProblem("说明", note, false); p != "" {
		s.renderItem(w, r, http.StatusBadRequest, refused(r, formID, p))
		return
	}
	if err := s.st.AddProgress(r.Context(), it.Round, it.No, ledger.EventFollowup, on, note, s.actorOf(r), s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, withNotice(itemURL(it.Round, it.No), "confirmed", -1))
}
