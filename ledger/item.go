package ledger

import (
	"strconv"
	"time"
)

// Status is where an item stands in the rectification programme.
type Status string

const (
	StatusOpen   Status = "open"   // 正在整改 / 未完成
	StatusDone   Status = "done"   // 已完成
	StatusClosed Status = "closed" // 已销号: verified and struck off
)

// Label is the Chinese name of the status, as the office writes it.
func (s Status) Label() string {
	switch s {
	case StatusOpen:
		return "正在整改"
	case StatusDone:
		return "已完成"
	case StatusClosed:
		return "已销号"
	}
	return string(s)
}

// CanBecome reports whether an item in status s may be set to status to:
// done, closed or back to open, but not to the status it has.
func (s Status) CanBecome(to Status) bool {
	return to.Valid() && to != s
}

// CanConfirmFollowup reports whether the 回头看 re-check may be recorded
// for an item in status s: it confirms the rectification of an item that
// has been done (done or closed), never of an open one.
func (s Status) CanConfirmFollowup() bool {
	return s == StatusDone || s == StatusClosed
}

// Light is the 红黄绿灯 traffic light of an item.
type Light string

const (
	LightRed    Light = "red"    // open and past its deadline
	LightYellow Light = "yellow" // open and the deadline is near
	LightGreen  Light = "green"  // open and on track
	LightBlue   Light = "blue"   // long-term (长期坚持), no deadline
	LightDone   Light = "done"
	LightClosed Light = "closed"
)

// Label is the Chinese name of the light.
func (l Light) Label() string {
	switch l {
	case LightRed:
		return "红灯"
	case LightYellow:
		return "黄灯"
	case LightGreen:
		return "绿灯"
	case LightBlue:
		return "蓝灯"
	case LightDone:
		return "已完成"
	case LightClosed:
		return "已销号"
	}
	return string(l)
}

// Round is one inspection and its feedback (巡察轮次).
type Round struct {
	Code string `toml:"code"`
	Name string `toml:"name"`
}

// UnitKind tells a department from a directly affiliated unit or a party branch.
type UnitKind string

const (
	KindDepartment UnitKind = "department" // 部室 / 处室
	KindUnit       UnitKind = "unit"       // 直属单位
	KindBranch     UnitKind = "branch"     // 党支部
)

// Unit is a responsible department, affiliated unit or party branch.
type Unit struct {
	Code   string   `toml:"code"`
	Name   string   `toml:"name"`
	Kind   UnitKind `toml:"kind"`
	Emails []string `toml:"emails"`
	Leader string   `toml:"leader,omitempty"` // code of the leader in charge (分管领导), may be empty
	// Aliases are other names the office uses for the unit (财务部 for
	// 财务资产部), accepted wherever a unit is named.
	Aliases []string `toml:"aliases,omitempty"`

	// The unit's group-chat robots (see Robots).
	WeComWebhook    string `toml:"wecom_webhook,omitempty"`
	DingTalkWebhook string `toml:"dingtalk_webhook,omitempty"`
	DingTalkSecret  string `toml:"dingtalk_secret,omitempty"`
	FeishuWebhook   string `toml:"feishu_webhook,omitempty"`
	FeishuSecret    string `toml:"feishu_secret,omitempty"`
}

// Leader is a member of the leadership responsible for items.
type Leader struct {
	Code  string `toml:"code"`
	Name  string `toml:"name"`
	Title string `toml:"title,omitempty"`
	Email string `toml:"email"`
	// Mobile is the leader's phone number, mentioned (@) in the messages
	// the leader's robots carry where the platform can.
	Mobile string `toml:"mobile,omitempty"`

	// The leader's group-chat robots (see Robots).
	WeComWebhook    string `toml:"wecom_webhook,omitempty"`
	DingTalkWebhook string `toml:"dingtalk_webhook,omitempty"`
	DingTalkSecret  string `toml:"dingtalk_secret,omitempty"`
	FeishuWebhook   string `toml:"feishu_webhook,omitempty"`
	FeishuSecret    string `toml:"feishu_secret,omitempty"`
}

// Item is one problem of the ledger (整改事项).
type Item struct {
	Round    string
	No       string // like 一.3.(1)
	Seq      int    // position in the ledger, keeps the notice's order
	Category string
	// SubCategory is the problem's sub-category (问题子类, 二级类别) within
	// its category, such as 关于政治站位不够高…问题; empty when the ledger
	// has none.
	SubCategory string
	Problem     string
	Measures    string
	Units       []string // unit codes, first is the lead unit
	Leader      string   // leader code, may be empty
	Deadline    Date     // zero when long-term
	LongTerm    bool     // 长期坚持
	Status      Status
	// CompletedOn is the day the item was completed, when known: the
	// ledger's 完成日期 or the day given to `item done`. Zero when unknown.
	CompletedOn Date
	// DoneSeenOn is the first day duban saw the item done (登记完成): what
	// an unknown completion day is counted from. Zero while open.
	DoneSeenOn Date
	Progress   string // 整改情况, as imported or edited; notes are events
}

// DoneOn is the day a done or closed item counts as done from: its
// completion day when known, else the day duban first saw it done (known
// is then false). Zero for an open item.
func (it Item) DoneOn() (day Date, known bool) {
	if !it.CompletedOn.IsZero() {
		return it.CompletedOn, true
	}
	return it.DoneSeenOn, false
}

// AsOf is the item as its status stood on day d: a done or closed item
// that was done only after d was open then.
func (it Item) AsOf(d Date) Item {
	if on, _ := it.DoneOn(); it.Status != StatusOpen && on.After(d) {
		it.Status, it.CompletedOn, it.DoneSeenOn = StatusOpen, Date{}, Date{}
	}
	return it
}

// DeadlineText is the item's 完成时限 as the office writes it: 长期坚持,
// the date, or — when there is none.
func (it Item) DeadlineText() string {
	switch {
	case it.LongTerm:
		return "长期坚持"
	case it.Deadline.IsZero():
		return "—"
	}
	return it.Deadline.String()
}

// DaysText says how far a deadline or due date is, daysLeft days from
// today: 还剩3天, 今天到期, 已逾期5天.
func DaysText(daysLeft int) string {
	switch {
	case daysLeft < 0:
		return "已逾期" + strconv.Itoa(-daysLeft) + "天"
	case daysLeft == 0:
		return "今天到期"
	}
	return "还剩" + strconv.Itoa(daysLeft) + "天"
}

// EventKind names what an item event records.
type EventKind string

const (
	EventImported EventKind = "imported" // created by an import
	EventCreated  EventKind = "created"  // created in duban (the console)
	EventStatus   EventKind = "status"   // status changed
	EventProgress EventKind = "progress" // a dated progress note
	EventFollowup EventKind = "followup" // a follow-up (回头看) re-check recorded
	EventEdited   EventKind = "edited"   // one other field changed, by an edit or an import
)

// Label is the Chinese name of the event kind; an unknown kind stands for
// itself. Event.Label is more precise for an edit.
func (k EventKind) Label() string {
	switch k {
	case EventImported:
		return "导入台账"
	case EventCreated:
		return "新建"
	case EventStatus:
		return "状态变更"
	case EventProgress:
		return "整改进展"
	case EventFollowup:
		return "回头看"
	case EventEdited:
		return "修改"
	}
	return string(k)
}

// Event is one entry of an item's timeline.
type Event struct {
	ID   int64
	Kind EventKind
	At   time.Time // when it was recorded
	On   Date      // the day it concerns (progress date, completion date)
	// Field, Old and New say what a status or edited event changed, the
	// values as Item.Value gives them.
	Field    Field
	Old, New string
	Note     string // a progress note, or the reason of a change (延期的理由)
	Actor    string // who recorded it: --by, DUBAN_ACTOR or the OS user
	// Source is the ledger file an import read; empty for a change made
	// in duban. An import compares a row with what duban changed since.
	Source string
}

// Label names the event in an item's timeline: 延期 for a deadline moved
// later, 导入更新 for a field an import changed, else the kind's label.
func (e Event) Label() string {
	if e.Kind != EventEdited {
		return e.Kind.Label()
	}
	if e.Field == FieldDeadline && IsExtension(e.Old, e.New) {
		return "延期"
	}
	if e.Source != "" {
		return "导入更新"
	}
	return e.Kind.Label()
}
