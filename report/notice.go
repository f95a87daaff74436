// Package report renders the ledger as a progress notice (整改进展情况通报)
// in the shape of the office's published notices: the title, the opening,
// 一、 how the rectification was organised, 二、 the progress by problem
// category （一）, sub-category 1. and problem （1） with what was done
// (整改情况) and where it stands (整改结果), 三、 the next steps, the
// closing invitation, the contact lines, the issuer and the date, then the
// problems still being rectified as an attachment. The office's own texts
// come from Texts; the rest from the ledger. It is pure: it takes items and
// names and returns Markdown, HTML, a Word document (DOCX) or an XLSX
// workbook, every Chinese text in the house style (full-width punctuation,
// dates as 2025年3月14日).
package report

import (
	"strconv"
	"strings"

	"duban/ledger"
)

// Texts are the office's own texts of a notice: config.NoticeConfig's
// fields, so that report.Texts(cfg.Notice) converts one. Any text may hold
// {issuer}, {round} and {date}; an empty title or heading takes its
// default, and a section without paragraphs is left out. A blank in the
// title breaks its line there.
type Texts struct {
	Issuer              string
	Title               string
	Opening             []string
	OrganisationHeading string
	Organisation        []string
	ProgressHeading     string
	NextStepsHeading    string
	NextSteps           []string
	Closing             []string
	Contacts            []string
}

// The title and headings of Texts that leave them empty.
const (
	DefaultTitle               = "{issuer} 关于{round}整改进展情况的通报"
	DefaultOrganisationHeading = "组织整改落实情况"
	DefaultProgressHeading     = "巡察反馈意见整改进展情况"
	DefaultNextStepsHeading    = "下一步整改工作安排"
)

// AttachmentTitle names the attachment listing the problems still open.
const AttachmentTitle = "尚未完成整改的问题清单"

// Names is what a notice needs beyond the items: the round's name, the
// office's texts, and the names of the units and leaders the items refer
// to by code.
type Names struct {
	Round   string            // the round's name, for {round}; "" for the whole ledger
	Texts   Texts             // the office's own texts
	Units   map[string]string // unit code → name
	Leaders map[string]string // leader code → name
}

// NewNames are the names of a notice of the round named roundName (empty:
// the whole ledger) over the configured units and leaders, with the
// office's texts.
func NewNames(roundName string, texts Texts, units []ledger.Unit, leaders []ledger.Leader) Names {
	names := Names{Round: roundName, Texts: texts, Units: map[string]string{}, Leaders: map[string]string{}}
	for _, u := range units {
		names.Units[u.Code] = u.Name
	}
	for _, l := range leaders {
		names.Leaders[l.Code] = l.Name
	}
	return names
}

// Notice is the progress notice as of a day, the day it is dated.
type Notice struct {
	Title    string
	Issuer   string
	AsOf     ledger.Date
	Opening  []string
	Sections []Section // 一、二、三, numbered as present
	Closing  []string
	Contacts []string

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

// Section is one numbered section of the notice: the office's paragraphs,
// or (Progress) the ledger's totals and categories.
type Section struct {
	Ordinal    string // 一, 二, 三
	Heading    string
	Paragraphs []string
	Progress   bool
}

// Category is one problem category (问题类别), （一）, with its problems
// grouped by sub-category.
type Category struct {
	Ordinal string // 一, 二, …
	Text    string
	Groups  []Group
}

// Group is a numbered entry 1., 2., … of a category: a sub-category
// (问题子类) with its problems, or a problem that has none (Alone), whose
// heading is the problem itself.
type Group struct {
	Number   int
	Text     string
	Problems []Problem
	Alone    bool
}

// Problem is one item as the notice prints it.
type Problem struct {
	No, Category, SubCategory, Problem, Measures, Progress string
	// Ordinal numbers the problem in its sub-category: （1）, （2）, …; ""
	// for the only problem of a sub-category and for a problem without one.
	Ordinal     string
	Notes       []Note // the latest progress notes, oldest first
	Result      string // 整改结果: 已完成, 已完成（已销号）, 未完成（正在整改）
	Units       []string
	Leader      string
	Deadline    ledger.Date // zero when long-term or none
	LongTerm    bool
	DaysOverdue int // > 0 when open and past the deadline
	Light       ledger.Light
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
	t := names.Texts
	fill := textFiller(t.Issuer, names.Round, asOf)
	n := Notice{
		Title:    strings.Join(strings.Fields(fill(cmpOr(t.Title, DefaultTitle))), " "),
		Issuer:   fill(t.Issuer),
		AsOf:     asOf,
		Opening:  fillAll(fill, t.Opening),
		Closing:  fillAll(fill, t.Closing),
		Contacts: fillAll(fill, t.Contacts),
		Total:    len(items),
	}
	n.Sections = sections(t, fill)
	cats := map[string]int{}
	for _, it := range items {
		it = it.AsOf(asOf)
		if _, known := it.DoneOn(); it.Status != ledger.StatusOpen && !known {
			n.Unknown = append(n.Unknown, it.No)
		}
		p := problemOf(it, names, asOf, yellowDays)
		for _, e := range notes[it.No] {
			p.Notes = append(p.Notes, Note{On: e.On, Text: ledger.FullWidthPunct(oneLine(e.Note))})
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
		i, ok := cats[p.Category]
		if !ok {
			i = len(n.Categories)
			cats[p.Category] = i
			n.Categories = append(n.Categories, Category{Ordinal: ChineseNumeral(i + 1), Text: p.Category})
		}
		n.Categories[i].add(p)
	}
	for i := range n.Categories {
		n.Categories[i].number()
	}
	return n
}

// sections are the notice's numbered sections: 一、 how the rectification
// was organised and 三、 the next steps when the office wrote them, around
// the ledger's progress.
func sections(t Texts, fill func(string) string) []Section {
	var out []Section
	if len(t.Organisation) > 0 {
		out = append(out, Section{Heading: fill(cmpOr(t.OrganisationHeading, DefaultOrganisationHeading)),
			Paragraphs: fillAll(fill, t.Organisation)})
	}
	out = append(out, Section{Heading: fill(cmpOr(t.ProgressHeading, DefaultProgressHeading)), Progress: true})
	if len(t.NextSteps) > 0 {
		out = append(out, Section{Heading: fill(cmpOr(t.NextStepsHeading, DefaultNextStepsHeading)),
			Paragraphs: fillAll(fill, t.NextSteps)})
	}
	for i := range out {
		out[i].Ordinal = ChineseNumeral(i + 1)
	}
	return out
}

// textFiller puts the issuer, the round's name and the notice's day in
// place of the placeholders of the office's texts, in the house style.
func textFiller(issuer, round string, day ledger.Date) func(string) string {
	r := strings.NewReplacer("{issuer}", issuer, "{round}", round, "{date}", day.Label())
	return func(s string) string { return ledger.FullWidthPunct(strings.TrimSpace(r.Replace(s))) }
}

func fillAll(fill func(string) string, paras []string) []string {
	var out []string
	for _, p := range paras {
		if p = fill(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func cmpOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// add puts p in its sub-category's group, or in a group of its own.
func (c *Category) add(p Problem) {
	if p.SubCategory != "" {
		for i := range c.Groups {
			if g := &c.Groups[i]; !g.Alone && g.Text == p.SubCategory {
				g.Problems = append(g.Problems, p)
				return
			}
		}
		c.Groups = append(c.Groups, Group{Text: p.SubCategory, Problems: []Problem{p}})
		return
	}
	c.Groups = append(c.Groups, Group{Text: p.Problem, Problems: []Problem{p}, Alone: true})
}

// number numbers the groups 1, 2, … and the problems of a sub-category
// （1）, （2）, … when it has more than one.
func (c *Category) number() {
	for i := range c.Groups {
		g := &c.Groups[i]
		g.Number = i + 1
		if len(g.Problems) > 1 {
			for j := range g.Problems {
				g.Problems[j].Ordinal = "（" + strconv.Itoa(j+1) + "）"
			}
		}
	}
}

// Problems are the category's problems in ledger order.
func (c Category) Problems() []Problem {
	var out []Problem
	for _, g := range c.Groups {
		out = append(out, g.Problems...)
	}
	return out
}

func problemOf(it ledger.Item, names Names, asOf ledger.Date, yellowDays int) Problem {
	style := func(s string) string { return ledger.FullWidthPunct(strings.TrimSpace(s)) }
	p := Problem{
		No: it.No, Category: style(it.Category), SubCategory: style(it.SubCategory),
		Problem: style(oneLine(it.Problem)), Measures: style(it.Measures), Progress: style(it.Progress),
		Result:   ResultLabel(it.Status),
		Light:    ledger.LightOf(it, asOf, yellowDays),
		Leader:   nameOr(names.Leaders, it.Leader),
		Deadline: it.Deadline, LongTerm: it.LongTerm,
	}
	if p.Category == "" {
		p.Category = "其他问题"
	}
	for _, u := range it.Units {
		p.Units = append(p.Units, nameOr(names.Units, u))
	}
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
		return "已完成（已销号）"
	}
	return "未完成（正在整改）"
}

// Heading is the problem's heading: its ordinal and text, （1）理论学习不够深入.
func (p Problem) Heading() string { return p.Ordinal + p.Problem }

// UnitList joins unit names the way the office writes them.
func (p Problem) UnitList() string { return strings.Join(p.Units, "、") }

// DeadlineText is the 完成时限 as prose writes it: 2026年11月20日, 长期坚持,
// or — when there is none.
func (p Problem) DeadlineText() string {
	switch {
	case p.LongTerm:
		return "长期坚持"
	case p.Deadline.IsZero():
		return "—"
	}
	return p.Deadline.Label()
}

// DeadlineNote is the deadline with how late it is, e.g. 2026年11月20日（已逾期5天）.
func (p Problem) DeadlineNote() string {
	if p.DaysOverdue > 0 {
		return p.DeadlineText() + "（" + ledger.DaysText(-p.DaysOverdue) + "）"
	}
	return p.DeadlineText()
}

// Paragraphs are the problem's 整改情况 split at its line breaks, the
// first one labelled.
func (p Problem) Paragraphs() []string { return paragraphs(p.Progress) }

// NotesText is the latest progress notes as one paragraph:
// 2026年11月20日已召开推进会；2026年11月24日…
func (p Problem) NotesText() string {
	parts := make([]string, len(p.Notes))
	for i, note := range p.Notes {
		parts[i] = note.On.Label() + " " + note.Text
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

// Summary is the sentence with the totals that opens the ledger's section.
func (n Notice) Summary() string {
	var b strings.Builder
	if !n.AsOf.IsZero() {
		b.WriteString("截至" + n.AsOf.Label() + "，")
	}
	b.WriteString("巡察反馈问题共" + strconv.Itoa(n.Total) + "个，")
	if n.Open == 0 && n.Total > 0 {
		b.WriteString("已全部完成整改")
		if n.Closed > 0 {
			b.WriteString("（其中已销号" + strconv.Itoa(n.Closed) + "个）")
		}
		b.WriteString("。")
		return b.String()
	}
	b.WriteString("已完成整改" + strconv.Itoa(n.Done) + "个")
	if n.Closed > 0 {
		b.WriteString("（其中已销号" + strconv.Itoa(n.Closed) + "个）")
	}
	b.WriteString("，正在整改" + strconv.Itoa(n.Open) + "个。")
	return b.String()
}

// DateText is the notice's date as it signs off: 2025年3月14日.
func (n Notice) DateText() string { return n.AsOf.Label() }

func nameOr(names map[string]string, code string) string {
	if n, ok := names[code]; ok && n != "" {
		return n
	}
	return code
}

// oneLine folds a text's line breaks and runs of blanks into one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// paragraphs splits a text at its line breaks into trimmed, non-empty
// paragraphs.
func paragraphs(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
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
