// Package report renders the ledger as a progress notice (整改进展情况通报)
// in the shape of the office's published notices: the totals, each problem
// category with its problems, what was done (整改情况) and where it stands
// (整改结果), then the problems still being rectified with the units
// responsible and their deadlines. It is pure: it takes items and names and
// returns Markdown, HTML or an XLSX workbook.
package report

import (
	"strconv"
	"strings"

	"duban/ledger"
)

// Names is what a notice needs beyond the items: its title and the names
// of the units and leaders the items refer to by code.
type Names struct {
	Title   string            // e.g. 关于市委第七巡察组反馈意见整改进展情况的通报
	Units   map[string]string // unit code → name
	Leaders map[string]string // leader code → name
}

// NewNames are the names of a notice of the round named roundName (empty:
// the whole ledger) over the configured units and leaders.
func NewNames(roundName string, units []ledger.Unit, leaders []ledger.Leader) Names {
	names := Names{Title: TitleFor(roundName), Units: map[string]string{}, Leaders: map[string]string{}}
	for _, u := range units {
		names.Units[u.Code] = u.Name
	}
	for _, l := range leaders {
		names.Leaders[l.Code] = l.Name
	}
	return names
}

// TitleFor is the notice's title for a round named roundName (empty: the
// whole ledger).
func TitleFor(roundName string) string {
	if roundName == "" {
		return "巡察整改进展情况的通报"
	}
	return "关于" + roundName + "进展情况的通报"
}

// Notice is the progress notice as of a day.
type Notice struct {
	Title      string
	AsOf       ledger.Date
	Total      int // 问题总数
	Done       int // 已完成 (done and closed)
	Closed     int // of which 已销号
	Open       int // 正在整改
	Categories []Category
	Unfinished []Problem // the open problems, in ledger order
	// Unknown are the numbers of the problems counted done whose
	// completion day is unknown: they count from the day duban first saw
	// them done (登记完成).
	Unknown []string
}

// Category is one problem category (问题类别) with its problems.
type Category struct {
	Ordinal  string // 一, 二, …
	Text     string
	Problems []Problem
}

// Problem is one item as the notice prints it.
type Problem struct {
	No, Problem, Measures, Progress string
	Notes                           []Note // the latest progress notes, oldest first
	Result                          string // 整改结果: 已完成, 已完成(已销号), 未完成(正在整改)
	Units                           []string
	Leader                          string
	Deadline                        string // 2026-11-30 or 长期坚持
	DaysOverdue                     int    // > 0 when open and past the deadline
	Light                           ledger.Light
}

// Note is a dated progress note (整改进展) of a problem.
type Note struct {
	On   ledger.Date
	Text string
}

// Build assembles the notice from the items (in ledger order) as of asOf,
// with lights by yellowDays: an item counts as done only if it was done on
// or before asOf (ledger.Item.AsOf). notes are the latest progress notes
// to print after each problem's 整改情况, by item number; nil for none.
func Build(items []ledger.Item, notes map[string][]ledger.Event, names Names, asOf ledger.Date, yellowDays int) Notice {
	n := Notice{Title: names.Title, AsOf: asOf, Total: len(items)}
	if n.Title == "" {
		n.Title = TitleFor("")
	}
	index := map[string]int{}
	for _, it := range items {
		it = it.AsOf(asOf)
		if _, known := it.DoneOn(); it.Status != ledger.StatusOpen && !known {
			n.Unknown = append(n.Unknown, it.No)
		}
		p := problemOf(it, names, asOf, yellowDays)
		for _, e := range notes[it.No] {
			p.Notes = append(p.Notes, Note{On: e.On, Text: e.Note})
		}
		switch it.Status {
		case ledger.StatusOpen:
			n.Open++
			n.Unfinished = append(n.Unfinished, p)
		case ledger.StatusClosed:
			n.Closed++
			n.Done++
		default:
			n.Done++
		}
		text := strings.TrimSpace(it.Category)
		if text == "" {
			text = "其他问题"
		}
		i, ok := index[text]
		if !ok {
			i = len(n.Categories)
			index[text] = i
			n.Categories = append(n.Categories, Category{Ordinal: ChineseNumeral(i + 1), Text: text})
		}
		n.Categories[i].Problems = append(n.Categories[i].Problems, p)
	}
	return n
}

func problemOf(it ledger.Item, names Names, asOf ledger.Date, yellowDays int) Problem {
	p := Problem{
		No: it.No, Problem: it.Problem, Measures: it.Measures, Progress: it.Progress,
		Result: ResultLabel(it.Status),
		Light:  ledger.LightOf(it, asOf, yellowDays),
		Leader: nameOr(names.Leaders, it.Leader),
	}
	for _, u := range it.Units {
		p.Units = append(p.Units, nameOr(names.Units, u))
	}
	p.Deadline = it.DeadlineText()
	if p.Light == ledger.LightRed {
		p.DaysOverdue = asOf.DaysSince(it.Deadline)
	}
	return p
}

// ResultLabel is the 整改结果 of a status, in the notice's words.
func ResultLabel(s ledger.Status) string {
	switch s {
	case ledger.StatusDone:
		return "已完成"
	case ledger.StatusClosed:
		return "已完成(已销号)"
	}
	return "未完成(正在整改)"
}

// UnitList joins unit names the way the office writes them.
func (p Problem) UnitList() string { return strings.Join(p.Units, "、") }

// DeadlineNote is the deadline with how late it is, e.g. 2026-11-20(已逾期5天).
func (p Problem) DeadlineNote() string {
	if p.DaysOverdue > 0 {
		return p.Deadline + "(" + ledger.DaysText(-p.DaysOverdue) + ")"
	}
	return p.Deadline
}

// NotesText is the latest progress notes as one paragraph:
// 2026-11-20 已召开推进会；2026-11-24 …
func (p Problem) NotesText() string {
	parts := make([]string, len(p.Notes))
	for i, note := range p.Notes {
		parts[i] = note.On.String() + " " + strings.Join(strings.Fields(note.Text), " ")
	}
	return strings.Join(parts, "；")
}

// UnknownText says which problems count as done from the day duban first
// saw them done, their completion day being unknown; "" when none.
func (n Notice) UnknownText() string {
	if len(n.Unknown) == 0 {
		return ""
	}
	return "注：" + strings.Join(n.Unknown, "、") + "共" + strconv.Itoa(len(n.Unknown)) +
		"个问题的完成日期未登记，按登记完成日期统计。"
}

// Summary is the opening sentence with the totals.
func (n Notice) Summary() string {
	var b strings.Builder
	if !n.AsOf.IsZero() {
		b.WriteString("截至" + DateLabel(n.AsOf) + "，")
	}
	b.WriteString("巡察反馈问题共" + strconv.Itoa(n.Total) + "个，已完成整改" + strconv.Itoa(n.Done) + "个")
	if n.Closed > 0 {
		b.WriteString("(其中已销号" + strconv.Itoa(n.Closed) + "个)")
	}
	b.WriteString("，正在整改" + strconv.Itoa(n.Open) + "个。")
	return b.String()
}

// DateLabel prints a date as 2026年11月25日.
func DateLabel(d ledger.Date) string {
	return strconv.Itoa(d.Year()) + "年" + strconv.Itoa(int(d.Month())) + "月" + strconv.Itoa(d.Day()) + "日"
}

func nameOr(names map[string]string, code string) string {
	if n, ok := names[code]; ok && n != "" {
		return n
	}
	return code
}

// ChineseNumeral writes 1…99 as 一 … 九十九, as headings are numbered.
func ChineseNumeral(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0 || n >= 100:
		return strconv.Itoa(n)
	case n < 10:
		return digits[n]
	}
	s := "十"
	if n/10 > 1 {
		s = digits[n/10] + s
	}
	if n%10 != 0 {
		s += digits[n%10]
	}
	return s
}
