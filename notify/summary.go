package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	texttemplate "text/template"

	"duban/ledger"
)

// Template files of the weekly summary (定期调度); a templates_dir may
// override each, like the digest's.
const (
	summarySubjectFile = "summary.subject.tmpl"
	summaryTextFile    = "summary.txt.tmpl"
	summaryHTMLFile    = "summary.html.tmpl"
)

// SummaryData is everything the weekly summary tells one supervisor.
type SummaryData struct {
	To        string
	Week      string // ISO week, "2026-W48"
	WeekLabel string // "2026年第48周"
	AsOf      string // the day of the run, "2026-11-23"
	Office    string // signature

	Total    int     // items in the ledger
	Statuses []Count // 正在整改, 已完成, 已销号
	Lights   []Count // 红灯, 黄灯, 绿灯, 蓝灯 (open items only)

	Red    []SummaryItem // open items past their deadline, most overdue first
	Yellow []SummaryItem // open items due within the yellow window, nearest first
	Duties []SummaryDuty // duty periods past their due date with units missing

	// Failed are the deliveries that failed since FailedSince.
	Failed      []SummaryFailure
	FailedSince string // "2026-11-16 08:00"
	// Link is the console's address, shown by the robots' messages; "" when
	// there is none.
	Link string
}

// Count is one number of the summary's overview, e.g. 红灯 3.
type Count struct {
	Key   string // red, open, …
	Label string // 红灯, 正在整改, …
	N     int
}

// SummaryItem is one red or yellow item.
type SummaryItem struct {
	Round, No, Problem string
	Deadline           string
	DaysLeft           int // negative when overdue
	LeaderName         string
	UnitNames          []string
}

// SummaryDuty is one duty period whose due date has passed with units that
// have not submitted.
type SummaryDuty struct {
	DutyName    string
	Period      string // "2025年第4季度"
	DueDate     string
	DaysOverdue int
	Missing     []string // unit names
}

// SummaryFailure is one delivery that failed.
type SummaryFailure struct {
	To, Subject, Error string
	At                 string // when the message was queued, "2026-11-20 09:30"
	Attempts           int
}

// summaryView adds what is awkward to compute in a template.
type summaryView struct {
	SummaryData
	Headline string // "红灯3项、黄灯2项、1项定期任务未报齐", or "" when all is well
}

func newSummaryView(d SummaryData) summaryView {
	var parts []string
	if n := len(d.Red); n > 0 {
		parts = append(parts, fmt.Sprintf("红灯%d项", n))
	}
	if n := len(d.Yellow); n > 0 {
		parts = append(parts, fmt.Sprintf("黄灯%d项", n))
	}
	if n := len(d.Duties); n > 0 {
		parts = append(parts, fmt.Sprintf("%d项定期任务未报齐", n))
	}
	if n := len(d.Failed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d封邮件投递失败", n))
	}
	return summaryView{SummaryData: proseDates(d), Headline: strings.Join(parts, "、")}
}

// proseDates is d in the house style: its dates as prose writes them
// (2026年11月23日, 2026年11月16日 08:00), the problems' texts with
// full-width punctuation; d's lists are copied, not changed.
func proseDates(d SummaryData) SummaryData {
	d.AsOf, d.FailedSince = ledger.DateLabel(d.AsOf), ledger.DateLabel(d.FailedSince)
	d.Red, d.Yellow = labelDeadlines(d.Red), labelDeadlines(d.Yellow)
	d.Duties = slices.Clone(d.Duties)
	for i := range d.Duties {
		d.Duties[i].DueDate = ledger.DateLabel(d.Duties[i].DueDate)
	}
	d.Failed = slices.Clone(d.Failed)
	for i := range d.Failed {
		d.Failed[i].At = ledger.DateLabel(d.Failed[i].At)
	}
	return d
}

func labelDeadlines(items []SummaryItem) []SummaryItem {
	items = slices.Clone(items)
	for i := range items {
		items[i].Deadline = ledger.DateLabel(items[i].Deadline)
		items[i].Problem = ledger.FullWidthPunct(items[i].Problem)
	}
	return items
}

// RenderSummary renders the subject, plain-text and HTML bodies of the
// weekly summary for one supervisor.
func (t *Templates) RenderSummary(d SummaryData) (subject, text, html string, err error) {
	return t.summary.render(newSummaryView(d))
}

// templateSet is a subject, a text body and an HTML body that render the
// same data.
type templateSet struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// loadTemplateSet parses three templates, each from dir when it holds an
// override, else embedded.
func loadTemplateSet(dir, subjectFile, textFile, htmlFile string) (templateSet, error) {
	var set templateSet
	parseText := func(name string) (*texttemplate.Template, error) {
		src, err := templateSource(dir, name)
		if err != nil {
			return nil, err
		}
		t, err := texttemplate.New(name).Funcs(templateFuncs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("notify: parse %s: %w", name, err)
		}
		return t, nil
	}
	var err error
	if set.subject, err = parseText(subjectFile); err != nil {
		return set, err
	}
	if set.text, err = parseText(textFile); err != nil {
		return set, err
	}
	src, err := templateSource(dir, htmlFile)
	if err != nil {
		return set, err
	}
	if set.html, err = htmltemplate.New(htmlFile).Funcs(htmltemplate.FuncMap(templateFuncs)).Parse(src); err != nil {
		return set, fmt.Errorf("notify: parse %s: %w", htmlFile, err)
	}
	return set, nil
}

// render executes the set; the subject is folded onto one line.
func (set templateSet) render(data any) (subject, text, html string, err error) {
	var b bytes.Buffer
	if err := set.subject.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("notify: render %s: %w", set.subject.Name(), err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := set.text.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("notify: render %s: %w", set.text.Name(), err)
	}
	text = b.String()
	b.Reset()
	if err := set.html.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("notify: render %s: %w", set.html.Name(), err)
	}
	return subject, text, b.String(), nil
}
