package ledger

import (
	"slices"
	"strings"
)

// MaxDutyPeriods caps how far back the duty rule looks: a unit that has
// ignored a monthly report for two years is a matter for the supervisors'
// summary, not for ever more reminders about 2019.
const MaxDutyPeriods = 24

// DutySpec is one recurring duty (定期任务) as the rules need it: the config's
// [[duties]] with its units resolved to codes.
type DutySpec struct {
	ID, Name          string
	Kind              PeriodKind
	DueDay            int   // due this many days after the period ends
	RemindDays        []int // remind-Nd on due−N
	OverdueEveryDays  int   // overdue-K on due + K·OverdueEveryDays; ≤ 0: none
	EscalateAfterDays int   // the supervisors get the roll of non-submitters this many days after the due date; ≤ 0: the day after
	DueOnWorkday      bool  // a due date on a day off moves to the next workday
	Start             Period
	Units             []string // assigned unit codes, exempt ones already removed
	Exempt            []string // codes of the units exempt from the duty (免报)
	Supervisors       []string // addresses that get the roll of non-submitters; empty: the directory's
}

// DueDate is the due date of period p of the duty.
func (s DutySpec) DueDate(p Period, cal *Calendar) Date {
	return DueDate(p, s.DueDay, s.DueOnWorkday, cal)
}

// DutyStage returns the latest stage of period p reached on today, for a
// unit that has not submitted: open the day after the period ends,
// remind-Nd on due−N for N in RemindDays, due on the due date, overdue-K on
// due + K·OverdueEveryDays. Stages are sorted by day; on a tie a reminder
// beats open. Open is left out when it would not come before the due date,
// and reminders dated inside the period are kept (a yearly duty due on the
// last day of the year is reminded in December). False before the first
// stage.
func DutyStage(spec DutySpec, p Period, today Date, cal *Calendar) (Stage, bool) {
	due := spec.DueDate(p, cal)
	stage, ok := ladderStage(due, today, spec.RemindDays, spec.OverdueEveryDays)
	if !today.Before(due) {
		return stage, ok
	}
	open := p.End().AddDays(1)
	if open.Before(due) && !today.Before(open) && (!ok || open.After(stage.On)) {
		return Stage{Name: StageOpen, On: open}, true
	}
	return stage, ok
}

// DutyPeriods returns the periods of the duty to check on today, oldest
// first: from the start period (or MaxDutyPeriods back, whichever is later)
// to the period containing today. The current period is included because a
// duty due on or before its last day has reminders inside it; DutyStage
// decides whether any stage has been reached. A start period of another
// kind counts from the period of the duty's kind containing its first day.
func DutyPeriods(spec DutySpec, today Date) []Period {
	if spec.Kind.perYear() == 0 {
		return nil
	}
	last := PeriodContaining(spec.Kind, today)
	first := last.shift(1 - MaxDutyPeriods)
	if start := spec.firstPeriod(); !start.IsZero() && start.ordinal() > first.ordinal() {
		first = start
	}
	var ps []Period
	for p := first; p.ordinal() <= last.ordinal(); p = p.Next() {
		ps = append(ps, p)
	}
	return ps
}

// FirstDueFrom is the first period of the duty whose due date is on or
// after day: the first a duty without a start supervises when duban first
// saw it on day. Earlier periods fell due before duban knew of the duty, so
// it cannot tell who filed them; reminding them would mail 已逾期 for reports
// long since made on paper.
func (s DutySpec) FirstDueFrom(day Date, cal *Calendar) Period {
	if s.Kind.perYear() == 0 {
		return Period{}
	}
	// The period containing day is due after day; a few before it may be too.
	p := PeriodContaining(s.Kind, day)
	for !s.DueDate(p.Prev(), cal).Before(day) {
		p = p.Prev()
	}
	return p
}

// firstPeriod is the first period of the duty's kind it supervises: the
// one containing the first day of Start; zero without a start.
func (s DutySpec) firstPeriod() Period {
	if s.Start.IsZero() {
		return Period{}
	}
	return PeriodContaining(s.Kind, s.Start.Start())
}

// DutyNotices returns the duty notices due on today. For each period of
// DutyPeriods whose stage has been reached and each assigned unit for which
// submitted reports false (nil: nothing submitted):
//
//   - RuleDuty to each mailbox of the unit (Role unit, remind or urge), at
//     the latest stage of DutyStage;
//   - once EscalateAfterDays (at least one) days have passed since the due
//     date, RuleDutyMissing to each supervisor of the duty (or of the
//     directory, when the duty names none), listing the non-submitters in
//     Units but the supervisor's own units (Role supervisor, 催办; no roll
//     when only its own are missing). Its stage is always StageMissing, dated
//     the day the roll is due: the supervisors get one roll per duty and
//     period, not one per overdue step (the weekly summary keeps them
//     informed after that).
//
// RuleDuty notices are one per address and period: a mailbox shared by two
// units gets one notice listing them in Units. The supervisors' roll has its
// own rule so that an address that is both a unit mailbox and a supervisor
// gets both, as separate messages. Units listed in spec.Units but missing from dir still appear on
// the roll.
func DutyNotices(spec DutySpec, submitted func(unit string, p Period) bool, dir Directory, today Date, cal *Calendar) []Notice {
	var out []Notice
	for _, p := range DutyPeriods(spec, today) {
		out = append(out, dutyPeriodNotices(spec, p, submitted, dir, today, cal)...)
	}
	return out
}

func dutyPeriodNotices(spec DutySpec, p Period, submitted func(string, Period) bool, dir Directory, today Date, cal *Calendar) []Notice {
	stage, ok := DutyStage(spec, p, today, cal)
	if !ok {
		return nil
	}
	missing := missingUnits(spec.Units, p, submitted)
	if len(missing) == 0 {
		return nil
	}
	due := spec.DueDate(p, cal)
	overdue := today.DaysSince(due)
	var units recipientSet
	for _, code := range missing {
		for _, addr := range dir.Units[code].Addresses() {
			units.add(addr, RoleUnit, []string{code}, "")
		}
	}
	base := Notice{
		Rule:     RuleDuty,
		Subject:  spec.ID + "/" + p.String(),
		Stage:    stage,
		DaysLeft: -overdue,
		Duty:     spec.ID,
		DutyName: spec.Name,
		Period:   p,
		Due:      due,
	}
	out := units.notices(base, escalatedLevels(stage.Level(), LevelUrge, LevelUrge))
	if after := spec.rollAfterDays(); overdue >= after {
		var sups recipientSet
		for _, addr := range spec.supervisors(dir) {
			if others := unitsNotAt(missing, addr, dir); len(others) > 0 {
				sups.add(addr, RoleSupervisor, others, "")
			}
		}
		base.Rule = RuleDutyMissing
		base.Stage = Stage{Name: StageMissing, On: due.AddDays(after)}
		out = append(out, sups.notices(base, escalatedLevels(LevelUrge, LevelUrge, LevelUrge))...)
	}
	return out
}

// unitsNotAt leaves out of a roll the units whose address addr is: a unit
// that also supervises the duty is reminded of its own report in its own
// message, and does not chase itself. A roll left empty is not sent.
func unitsNotAt(codes []string, addr string, dir Directory) []string {
	var out []string
	for _, code := range codes {
		mine := func(e string) bool { return strings.EqualFold(strings.TrimSpace(e), strings.TrimSpace(addr)) }
		if !slices.ContainsFunc(dir.Units[code].Addresses(), mine) {
			out = append(out, code)
		}
	}
	return out
}

// rollAfterDays is how many days after the due date the supervisors get
// the roll of non-submitters: EscalateAfterDays, and at least one, since a
// unit may still submit on the due date itself.
func (s DutySpec) rollAfterDays() int {
	return max(1, s.EscalateAfterDays)
}

// supervisors are the duty's own supervisors, or the programme's
// (整改领导小组办公室) when the duty names none.
func (s DutySpec) supervisors(dir Directory) []string {
	if len(s.Supervisors) > 0 {
		return s.Supervisors
	}
	return dir.Supervisors
}

// missingUnits returns the assigned units without a submission for p, in
// the duty's order, each once.
func missingUnits(units []string, p Period, submitted func(string, Period) bool) []string {
	var missing []string
	for _, code := range units {
		if submitted != nil && submitted(code, p) {
			continue
		}
		missing = appendNew(missing, code)
	}
	return missing
}
