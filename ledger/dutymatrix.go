package ledger

// DutyCellState is how one unit stands on one period of a duty. The values
// are those of `duban duties --format json`.
type DutyCellState string

const (
	DutySubmitted   DutyCellState = "submitted" // 已报送: on or before the due date
	DutyLate        DutyCellState = "late"      // 逾期报送: after the due date
	DutyOutstanding DutyCellState = "missing"   // 未报送: the period has ended, the due date has not passed
	DutyOverdue     DutyCellState = "overdue"   // 逾期未报: the due date has passed, nothing submitted
	DutyNotDue      DutyCellState = "not_due"   // 未到期: the period has not ended yet
	DutyExempt      DutyCellState = "exempt"    // 免报: the unit is exempt from the duty
)

// Label is the Chinese name of the state, as the office writes it.
func (s DutyCellState) Label() string {
	switch s {
	case DutySubmitted:
		return "已报送"
	case DutyLate:
		return "逾期报送"
	case DutyOutstanding:
		return "未报送"
	case DutyOverdue:
		return "逾期未报"
	case DutyNotDue:
		return "未到期"
	case DutyExempt:
		return "免报"
	}
	return string(s)
}

// Text is the cell as a matrix prints it: the state, with the day of the
// submission when there is one, e.g. 逾期报送(2025-10-20).
func (c DutyCell) Text() string {
	if c.On.IsZero() {
		return c.State.Label()
	}
	return c.State.Label() + "(" + c.On.String() + ")"
}

// DutyCell is one unit × period of a duty matrix. On is the day of the
// submission, zero when there is none.
type DutyCell struct {
	State DutyCellState
	On    Date
}

// DutyRow is one unit's line of a duty matrix, a cell per period.
type DutyRow struct {
	Unit   string
	Exempt bool
	Cells  []DutyCell
}

// DutyGrid is the units × periods matrix of one duty: who has submitted
// which period, and when, as the supervisors check it.
type DutyGrid struct {
	Spec    DutySpec
	Periods []Period
	Due     []Date // due date of each period
	Rows    []DutyRow
}

// DutyMatrix lays out the duty's assigned units (spec.Units, in order)
// against periods, then the exempt units, each cell submitted or late (by
// the submission day against the due date), overdue (due date passed,
// nothing submitted), outstanding (the period has ended, not yet due) or
// not due (the period runs); an exempt unit's cells are exempt. submitted
// reports the day a unit submitted a period, false when it has not.
func DutyMatrix(spec DutySpec, exempt []string, periods []Period, submitted func(unit string, p Period) (Date, bool), today Date, cal *Calendar) DutyGrid {
	g := DutyGrid{Spec: spec, Periods: periods, Due: make([]Date, len(periods))}
	for i, p := range periods {
		g.Due[i] = spec.DueDate(p, cal)
	}
	for _, unit := range appendNew(nil, spec.Units...) {
		row := DutyRow{Unit: unit, Cells: make([]DutyCell, len(periods))}
		for i, p := range periods {
			row.Cells[i] = dutyCell(unit, p, g.Due[i], submitted, today)
		}
		g.Rows = append(g.Rows, row)
	}
	for _, unit := range appendNew(nil, exempt...) {
		row := DutyRow{Unit: unit, Exempt: true, Cells: make([]DutyCell, len(periods))}
		for i := range periods {
			row.Cells[i] = DutyCell{State: DutyExempt}
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

func dutyCell(unit string, p Period, due Date, submitted func(string, Period) (Date, bool), today Date) DutyCell {
	if submitted != nil {
		if on, ok := submitted(unit, p); ok {
			if on.After(due) {
				return DutyCell{State: DutyLate, On: on}
			}
			return DutyCell{State: DutySubmitted, On: on}
		}
	}
	switch {
	case today.After(due):
		return DutyCell{State: DutyOverdue}
	case p.End().Before(today):
		return DutyCell{State: DutyOutstanding}
	}
	return DutyCell{State: DutyNotDue}
}

// RecentDutyPeriods returns at most n of the duty's periods up to the one
// containing today, oldest first, none before the duty's start.
func RecentDutyPeriods(spec DutySpec, today Date, n int) []Period {
	ps := DutyPeriods(spec, today)
	if n > 0 && len(ps) > n {
		ps = ps[len(ps)-n:]
	}
	return ps
}
