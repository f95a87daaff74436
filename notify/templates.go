package notify

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	texttemplate "text/template"

	"duban/ledger"
)

// Entry is one line of a digest: an item or a duty period that reached a new
// stage for the recipient. The caller fills it from the ledger rules' notices
// and sorts the entries most urgent first.
type Entry struct {
	Kind       string // the notice's rule: ledger.RuleDeadline, RuleDuty, RuleDutyMissing or RuleFollowup
	Stage      string // remind-7d | due | overdue-2 | open | followup-90
	StageLabel string // the notice's ledger.Tag: 提醒 | 催办 | 告诫 | …, shown as the entry's tag
	No         string
	Problem    string
	Measures   string
	Deadline   string // "2025-06-30", or "" for long-term items
	DaysLeft   int    // days until the deadline or due date; negative when overdue
	LeaderName string
	UnitNames  []string
	DutyName   string
	Period     string
	DueDate    string
	Missing    []string // duties: units that have not submitted (the supervisors' roll)
	// CompletedOn is the day a follow-up entry's item counts as done from:
	// its completion day, or, when CompletionUnknown, the day duban first
	// saw it done (登记完成).
	CompletedOn       string
	CompletionUnknown bool
}

// DigestData is everything one digest email says to one recipient.
type DigestData struct {
	To       string
	ToName   string
	Role     ledger.Role
	Concerns []string // unit names a leader's or supervisor's copy concerns
	Entries  []Entry
	// OtherOpen counts a unit's other open items, those not in this digest
	// (the deadline job's digests to a unit).
	OtherOpen int
	// Omitted counts the entries left out of a long digest, the least
	// urgent: the message counts them, the dispatch's refs name them all.
	Omitted int
	AsOf    string // the day of the run, "2025-06-16"
	Office  string // signature, e.g. 整改领导小组办公室
	// Link is the unit's own page, where it sees all of its items and duty
	// periods and files its reports and requests; "" when there is none
	// (no public_url, or a copy to a leader or the supervisors). LinkExpires
	// is the day it stops working.
	Link, LinkExpires string
	// Contact is how to reach the office, for messages without a link.
	Contact string
}

// Template file names; a templates_dir may hold any of them to override the
// embedded one of the same name.
const (
	digestSubjectFile = "digest.subject.tmpl"
	digestTextFile    = "digest.txt.tmpl"
	digestHTMLFile    = "digest.html.tmpl"
)

//go:embed templates/*.tmpl
var embeddedTemplates embed.FS

// Templates renders digest emails and the weekly summary.
type Templates struct {
	digest  templateSet
	summary templateSet
	// The markdown bodies of the robots' messages.
	digestMD, summaryMD *texttemplate.Template
	decision            decisionTemplates // the office's decision on a unit's request
}

// LoadTemplates parses the embedded templates, each replaced by the file of
// the same name in dir when dir holds one; dir "" uses the embedded set only.
// A template that does not parse is an error here, at start-up, rather than
// at the first run.
func LoadTemplates(dir string) (*Templates, error) {
	var t Templates
	var err error
	if t.digest, err = loadTemplateSet(dir, digestSubjectFile, digestTextFile, digestHTMLFile); err != nil {
		return nil, err
	}
	if t.summary, err = loadTemplateSet(dir, summarySubjectFile, summaryTextFile, summaryHTMLFile); err != nil {
		return nil, err
	}
	if t.digestMD, err = parseMarkdown(dir, digestMarkdownFile); err != nil {
		return nil, err
	}
	if t.summaryMD, err = parseMarkdown(dir, summaryMarkdownFile); err != nil {
		return nil, err
	}
	if t.decision, err = loadDecisionTemplates(dir); err != nil {
		return nil, err
	}
	return &t, nil
}

// templateSource returns the override file's text when dir has it, else the
// embedded template.
func templateSource(dir, name string) (string, error) {
	if dir != "" {
		b, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case err == nil:
			return string(b), nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("notify: read template: %w", err)
		}
	}
	b, err := embeddedTemplates.ReadFile("templates/" + name)
	if err != nil {
		return "", fmt.Errorf("notify: embedded template %s: %w", name, err)
	}
	return string(b), nil
}

// RenderDigest renders the subject, the plain-text body and the HTML body of
// one digest. The subject is a single line: template line breaks are folded.
func (t *Templates) RenderDigest(d DigestData) (subject, text, html string, err error) {
	return t.digest.render(newDigestView(d))
}

// digestView is what the templates see: the data plus the counts and flags
// that are awkward to compute in a template.
type digestView struct {
	To, ToName         string
	Role               ledger.Role
	Concerns           []string
	Entries            []Entry
	OtherOpen, Omitted int
	AsOf, Office, Link string
	LinkExpires        string
	Contact            string

	Tag       string // 整改督办 | 报送提醒 | 回头看 | 督办提醒 (mixed)
	Summary   string // "2项已逾期、1项即将到期"
	Overdue   int    // deadline and duty entries past their date
	DueToday  int
	Coming    int
	Followups int
	// Copy is true for a leader's or supervisor's copy (抄送).
	Copy bool
	// Roll is true when every entry is a duty's roll of non-submitters for
	// the supervisors: no copy of anyone's reminder, a list to act on.
	Roll                              bool
	HasDeadline, HasDuty, HasFollowup bool
	// Rows are the entries as the embedded templates show them.
	Rows []entryView
}

// entryView is an entry as the embedded templates show it: the texts
// worked out in Go (days, colours, names joined, in the house style: dates
// as prose writes them, 2025年6月16日, and the ledger's texts with
// full-width punctuation), so that the templates stay plain markup. Override templates may range over .Entries and use
// the template functions instead.
type entryView struct {
	N                                 int // position in the digest, from 1
	StageLabel, No, Problem, Measures string
	Deadline, LeaderName, CompletedOn string
	CompletedLabel                    string // 完成日期, or 登记完成日期 when the completion day is unknown
	CompletionUnknown                 bool
	Period, DueDate                   string
	IsDuty, IsFollowup                bool   // the entry's kind (see entryKind); neither: a deadline
	DaysText                          string // ledger.DaysText, for a duty or an item with a deadline; else ""
	DaysColor                         string // daysColor
	Book                              string // the duty's name, in 《》 when it names a document
	Units                             string // UnitNames joined with 、
	MissingNames                      string // Missing joined with 、
	MissingCount                      int
}

func newEntryView(i int, e Entry) entryView {
	kind := entryKind(e)
	v := entryView{
		N: i + 1, StageLabel: e.StageLabel, No: e.No,
		Problem: ledger.FullWidthPunct(e.Problem), Measures: ledger.FullWidthPunct(e.Measures),
		Deadline: ledger.DateLabel(e.Deadline), LeaderName: e.LeaderName, CompletedOn: ledger.DateLabel(e.CompletedOn),
		Period: e.Period, DueDate: ledger.DateLabel(e.DueDate),
		IsDuty: kind == ledger.RuleDuty, IsFollowup: kind == ledger.RuleFollowup,
		DaysColor: daysColor(e.DaysLeft), Units: joinNames(e.UnitNames),
		MissingNames: joinNames(e.Missing), MissingCount: len(e.Missing),
	}
	if v.IsDuty {
		v.Book = bookTitle(e.DutyName)
	}
	v.CompletedLabel, v.CompletionUnknown = "完成日期", e.CompletionUnknown
	if e.CompletionUnknown {
		v.CompletedLabel = "登记完成日期"
	}
	if v.IsDuty || e.Deadline != "" {
		v.DaysText = ledger.DaysText(e.DaysLeft)
	}
	return v
}

func newDigestView(d DigestData) digestView {
	v := digestView{
		To: d.To, ToName: d.ToName, Role: d.Role, Concerns: d.Concerns, Entries: d.Entries,
		OtherOpen: d.OtherOpen, Omitted: d.Omitted, AsOf: ledger.DateLabel(d.AsOf), Office: d.Office, Link: d.Link,
		LinkExpires: ledger.DateLabel(d.LinkExpires), Contact: ledger.FullWidthPunct(d.Contact), Roll: len(d.Entries) > 0,
	}
	kinds := map[string]bool{}
	v.Rows = make([]entryView, len(d.Entries))
	for i, e := range d.Entries {
		v.Rows[i] = newEntryView(i, e)
		kind := entryKind(e)
		if kind != ledger.RuleDuty || len(e.Missing) == 0 {
			v.Roll = false
		}
		kinds[kind] = true
		switch {
		case kind == ledger.RuleFollowup:
			v.Followups++
		case e.DaysLeft < 0:
			v.Overdue++
		case e.DaysLeft == 0:
			v.DueToday++
		default:
			v.Coming++
		}
	}
	v.Copy = !v.Roll && (d.Role == ledger.RoleLeader || d.Role == ledger.RoleSupervisor)
	v.HasDeadline, v.HasDuty, v.HasFollowup = kinds[ledger.RuleDeadline], kinds[ledger.RuleDuty], kinds[ledger.RuleFollowup]
	v.Summary = summary(v)
	v.Tag = "督办提醒"
	if len(kinds) == 1 {
		switch {
		case v.HasDuty:
			v.Tag = "报送提醒"
		case v.HasFollowup:
			v.Tag = "回头看"
		default:
			v.Tag = "整改督办"
		}
	}
	return v
}

// summary counts the entries by urgency for the subject line.
func summary(v digestView) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{
		{v.Overdue, "项已逾期"}, {v.DueToday, "项今天到期"}, {v.Coming, "项即将到期"}, {v.Followups, "项需回头看"},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", c.n, c.what))
		}
	}
	return strings.Join(parts, "、")
}

// entryKind maps an entry to one of the three kinds: the duty rules
// (ledger.RuleDuty, and RuleDutyMissing for the supervisors' roll) read as
// duties, and anything unknown as a deadline entry, the common case,
// rather than failing the run.
func entryKind(e Entry) string {
	switch {
	case e.Kind == ledger.RuleFollowup:
		return ledger.RuleFollowup
	case strings.HasPrefix(e.Kind, ledger.RuleDuty):
		return ledger.RuleDuty
	}
	return ledger.RuleDeadline
}

// templateFuncs are available to the embedded and the override templates.
var templateFuncs = texttemplate.FuncMap{
	"kind":      entryKind,
	"inc":       func(i int) int { return i + 1 },
	"join":      joinNames,
	"book":      bookTitle,
	"daysText":  ledger.DaysText,
	"daysColor": daysColor,
	"line":      oneLine,
}

// joinNames lists names the Chinese way, with 、 between them.
func joinNames(names []string) string { return strings.Join(names, "、") }

// bookTitle is a duty's name with 《》 only when it names a document
// (ledger.DocumentName): 《三重一大事项情况报告表》, but 年度廉政谈话.
func bookTitle(name string) string { return ledger.DocumentName(name) }

// daysColor is the HTML colour of the days text: red overdue, orange due
// today, dark yellow otherwise.
func daysColor(daysLeft int) string {
	switch {
	case daysLeft < 0:
		return "#c0392b"
	case daysLeft == 0:
		return "#d35400"
	default:
		return "#b7950b"
	}
}
