package ledger

import (
	"fmt"
	"slices"
	"strings"
)

// SubmissionInput is one submission of a duty as the user wrote it, on the
// command line or in a row of a file.
type SubmissionInput struct {
	Duty, Unit, Period, Date, Note string
}

// Submission is a unit's submission of a duty for one period, checked.
type Submission struct {
	Duty, Unit, Period string // duty id, unit code, period as Period.String
	On                 Date   // the day it was submitted
	Note               string
}

// Key identifies the duty, unit and period submitted: one submission each.
func (s Submission) Key() string { return s.Duty + "|" + s.Unit + "|" + s.Period }

// Submitted holds the day each duty, unit and period was submitted, by
// Submission.Key: what the duty rules and the duty matrix ask of the
// submissions recorded.
type Submitted map[string]Date

// On is the duty matrix's question for one duty: the day unit submitted
// period p, false when it has not.
func (s Submitted) On(duty string) func(unit string, p Period) (Date, bool) {
	return func(unit string, p Period) (Date, bool) {
		on, ok := s[Submission{Duty: duty, Unit: unit, Period: p.String()}.Key()]
		return on, ok
	}
}

// Has is the duty rules' question for one duty: whether unit submitted
// period p.
func (s Submitted) Has(duty string) func(unit string, p Period) bool {
	on := s.On(duty)
	return func(unit string, p Period) bool {
		_, ok := on(unit, p)
		return ok
	}
}

// SubmissionProblem is what is wrong with one field of a submission. The
// reason is Chinese, as in ledger import errors.
type SubmissionProblem struct {
	Field  string // duty, unit, period or date
	Value  string // as written
	Reason string
}

// SubmissionRules are what a submission is checked against: the duties,
// how unit names and days are written, and today.
type SubmissionRules struct {
	Duties      []DutySpec
	ResolveUnit func(nameOrCode string) (code string, ok bool) // config.Config.ResolveUnit
	ParseDate   func(string) (Date, error)                     // the forms the office writes; ParseDate when nil
	Today       Date
}

// Check validates one submission: a known duty (id or name, with or
// without 《》), a known unit assigned to it and not exempt, a period of the
// duty's kind, supervised (not before the duty's start) and whose last day
// has come by the day of submission (a report is often filed on the last
// day of the month), and a submission day (today when not given) not after
// today. It returns every problem.
func (r SubmissionRules) Check(in SubmissionInput) (Submission, []SubmissionProblem) {
	var probs []SubmissionProblem
	fail := func(field, value, format string, args ...any) {
		probs = append(probs, SubmissionProblem{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)})
	}
	duty, dutyOK := FindDuty(r.Duties, in.Duty)
	if !dutyOK {
		fail("duty", in.Duty, "未知的定期任务，可用：%s", DutyIDs(r.Duties))
	}
	unit, unitOK := r.ResolveUnit(in.Unit)
	if !unitOK {
		fail("unit", in.Unit, "未知单位")
	}
	on := r.Today
	if strings.TrimSpace(in.Date) != "" {
		parse := r.ParseDate
		if parse == nil {
			parse = ParseDate
		}
		d, err := parse(in.Date)
		switch {
		case err != nil:
			fail("date", in.Date, "日期无效，应写作 2025-04-03")
		case d.After(r.Today):
			fail("date", in.Date, "报送日期晚于今天（%s）", r.Today.Label())
		default:
			on = d
		}
	}
	if !dutyOK {
		return Submission{}, probs
	}
	switch {
	case !unitOK:
	case slices.Contains(duty.Exempt, unit):
		fail("unit", in.Unit, "该单位免报%s", DocumentName(duty.Name))
	case !slices.Contains(duty.Units, unit):
		fail("unit", in.Unit, "该单位不承担%s", DocumentName(duty.Name))
	}
	p, err := ParsePeriod(in.Period)
	switch {
	case err != nil:
		fail("period", in.Period, "期间格式无效，应写作 %s", duty.Kind.Example())
	case p.Kind != duty.Kind:
		fail("period", in.Period, "该任务按%s报送，期间应写作 %s", duty.Kind.Label(), duty.Kind.Example())
	case on.Before(p.End()):
		fail("period", in.Period, "%s的最后一天是%s，当天或之后才能报送", p.Label(), p.End().Label())
	case !duty.Start.IsZero() && p.Compare(duty.firstPeriod()) < 0:
		fail("period", in.Period, "该任务自%s起督办，此前的期间不登记", duty.firstPeriod().Label())
	}
	if len(probs) > 0 {
		return Submission{}, probs
	}
	return Submission{Duty: duty.ID, Unit: unit, Period: p.String(), On: on, Note: strings.TrimSpace(in.Note)}, nil
}

// Identify resolves the submission a withdrawal names: a known duty, a
// known unit and a period of the duty's kind, without the rules of a new
// filing (assigned, ended, dated), which held when it was filed.
func (r SubmissionRules) Identify(in SubmissionInput) (Submission, []SubmissionProblem) {
	var probs []SubmissionProblem
	duty, dutyOK := FindDuty(r.Duties, in.Duty)
	if !dutyOK {
		probs = append(probs, SubmissionProblem{Field: "duty", Value: in.Duty, Reason: "未知的定期任务，可用：" + DutyIDs(r.Duties)})
	}
	unit, unitOK := r.ResolveUnit(in.Unit)
	if !unitOK {
		probs = append(probs, SubmissionProblem{Field: "unit", Value: in.Unit, Reason: "未知单位"})
	}
	if !dutyOK {
		return Submission{}, probs
	}
	p, err := ParsePeriodOf(duty.Kind, in.Period)
	if err != nil {
		probs = append(probs, SubmissionProblem{Field: "period", Value: in.Period,
			Reason: "该任务按" + duty.Kind.Label() + "报送，期间应写作 " + duty.Kind.Example()})
	}
	if len(probs) > 0 {
		return Submission{}, probs
	}
	return Submission{Duty: duty.ID, Unit: unit, Period: p.String(), Note: strings.TrimSpace(in.Note)}, nil
}

// DutyIDs lists the duties' ids for a message, 、-separated, or says
// that the config has none.
func DutyIDs(duties []DutySpec) string {
	if len(duties) == 0 {
		return "（配置中没有 [[duties]]）"
	}
	ids := make([]string, len(duties))
	for i, d := range duties {
		ids[i] = d.ID
	}
	return strings.Join(ids, "、")
}
