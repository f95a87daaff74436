package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"duban/ledger"
	"duban/sheet"
)

// formState is a form the console refused: which one (its id), why, and
// what was posted, so that the page shows the reason and the form keeps
// what the user typed.
type formState struct {
	ID     string
	Alert  string
	Posted url.Values
}

// Value is what was posted in field of the refused form id; "" for any
// other form.
func (f formState) Value(id, field string) string {
	if f.ID != id {
		return ""
	}
	return f.Posted.Get(field)
}

// refused is the form id of r refused for reason.
func refused(r *http.Request, id, reason string) formState {
	return formState{ID: id, Alert: reason, Posted: r.PostForm}
}

// notices are what a page says after the write that redirected to it
// (?notice=…): fixed texts, so that a link can make a page say nothing
// else.
var notices = map[string]string{
	"created":     "已新建问题。",
	"edited":      "已保存修改。",
	"unchanged":   "内容没有变化，未作修改。",
	"note":        "已记录整改进展。",
	"done":        "已标记为已完成。",
	"closed":      "已销号。",
	"reopened":    "已重新打开，恢复督办。",
	"confirmed":   "已确认回头看。",
	"submitted":   "已登记报送。",
	"withdrawn":   "已撤回报送。",
	"imported":    "已导入台账。",
	"retried":     "已将发送失败的消息重新排队。",
	"retriedNone": "没有符合条件的发送失败的消息。",
}

// noticeOf is the notice the request's query asks for, with the counts
// (?n=) that some carry; "" when none.
func noticeOf(q url.Values) string {
	text := notices[q.Get("notice")]
	if text == "" {
		return ""
	}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n >= 0 {
		text += "（" + strconv.Itoa(n) + " 条）"
	}
	return text
}

// withNotice is path with the notice code (and count, when n >= 0).
func withNotice(path, code string, n int) string {
	q := url.Values{"notice": {code}}
	if n >= 0 {
		q.Set("n", strconv.Itoa(n))
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + q.Encode()
}

// seeOther redirects after a write, so that reloading the page repeats
// nothing.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// formText is a text field as the ledger keeps it: line ends as "\n",
// trimmed.
func formText(form url.Values, field string) string {
	v := strings.ReplaceAll(form.Get(field), "\r\n", "\n")
	return strings.TrimSpace(strings.ReplaceAll(v, "\r", "\n"))
}

// textProblem says what is wrong with a text field's value, "" when
// nothing: it may span lines (unless oneLine) but hold no other control
// character, and no more than a spreadsheet cell holds.
func textProblem(label, v string, oneLine bool) string {
	switch {
	case oneLine && strings.ContainsFunc(v, unicode.IsControl):
		return label + "不能包含换行或控制字符"
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return label + "包含不可见的控制字符"
	case utf8.RuneCountInString(v) > sheet.MaxCellChars:
		return label + "超过 " + strconv.Itoa(sheet.MaxCellChars) + " 个字符的上限"
	}
	return ""
}

// formDay reads a day field: today when empty; never after today (a
// completion, a note or a submission has happened).
func (s *Server) formDay(form url.Values, field, label string) (ledger.Date, string) {
	v := strings.TrimSpace(form.Get(field))
	today := s.today()
	if v == "" {
		return today, ""
	}
	d, err := sheet.ParseDate(v)
	switch {
	case err != nil:
		return d, label + "“" + v + "”无效，应为 2025-06-16 这样的日期"
	case d.After(today):
		return d, label + d.Label() + "晚于今天（" + today.Label() + "）"
	}
	return d, ""
}
