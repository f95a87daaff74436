package ledger

// DutyCellState is how one unit stands on one period of a duty.
type DutyCellState string

const (
	DutySubmitted DutyCellState = "submitted" // submitted on or before the due date
	DutyLate      DutyCellState = "late"      // submitted after the due date
	DutyMissing   DutyCellState = "missing"   // not submitted and the due date has passed
	DutyPending   DutyCellState = "pending"   // not submitted, not yet due
	DutyExempt    DutyCellState = "exempt"    // the unit is exempt from the duty
)

// Label is the Chinese name of the state, as the office writes it.
func (s DutyCellState) Label() string {
	switch s {
	case DutySubmitted:
		return "已报送"
	case DutyLate:
		return "逾期报送"
	case DutyMissing:
		return "未报送"
	case DutyPending:
		return "待报送"
	case DutyExempt:
		return "免报"
	}
	return string(s)
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
	Periods []Period
	Due     []Date // due date of each period
	Rows    []DutyRow
}

// Count returns how many cells of period column i are in state.
func (g DutyGrid) Count(i int, state DutyCellState) int {
	n := 0
	for _, r := range g.Rows {
		if i < len(r.Cells) && r.Cells[i].State == state {
			n++
		}
	}
	return n
}

// DutyMatrix lays out the duty's assigned units (spec.Units, in order)
// against periods, then the exempt units, each cell submitted or late (by
// the submission day against the due date), missing (due date passed,
// nothing submitted) or pending (not yet due); an exempt unit's cells are
// exempt. submitted reports the day a unit submitted a period, false when
// it has not.
func DutyMatrix(spec DutySpec, exempt []string, periods []Period, submitted func(unit string, p Period) (Date, bool), today Date, cal *Calendar) DutyGrid {
	g := DutyGrid{Periods: periods, Due: make([]Date, len(periods))}
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
	if today.After(due) {
		return DutyCell{State: DutyMissing}
	}
	return DutyCell{State: DutyPending}
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
