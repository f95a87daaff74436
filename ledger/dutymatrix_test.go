package ledger

import (
	"testing"
)

func TestDutyMatrixAcrossYearEnd(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(nil, nil)
	spec := DutySpec{
		ID: "sanhuiyike", Kind: Quarterly, DueDay: 10, DueOnWorkday: true,
		Start: Period{Kind: Quarterly, Year: 2025, N: 3}, Units: []string{"b1", "b2", "b3"},
	}
	subs := map[string]string{
		"b1/2025-Q3": "2025-10-09", // before the due date
		"b2/2025-Q3": "2025-10-20", // after it: late
		"b1/2025-Q4": "2026-01-11", // a Sunday: due 2026-01-10 is a Saturday, moved to Monday the 12th
	}
	submitted := func(unit string, p Period) (Date, bool) {
		s, ok := subs[unit+"/"+p.String()]
		if !ok {
			return Date{}, false
		}
		return day(t, s), true
	}
	today := day(t, "2026-01-11")
	periods := RecentDutyPeriods(spec, today, 8)
	if got := periodStrings(periods); got != "2025-Q3 2025-Q4 2026-Q1" {
		t.Fatalf("periods %q, want from the start to the current quarter", got)
	}
	g := DutyMatrix(spec, []string{"b4"}, periods, submitted, today, cal)

	if g.Due[1] != day(t, "2026-01-12") {
		t.Errorf("2025-Q4 due %s, want 2026-01-12 (next workday)", g.Due[1])
	}
	want := map[string][]DutyCellState{
		"b1": {DutySubmitted, DutySubmitted, DutyNotDue},
		"b2": {DutyLate, DutyOutstanding, DutyNotDue},
		"b3": {DutyOverdue, DutyOutstanding, DutyNotDue},
		"b4": {DutyExempt, DutyExempt, DutyExempt},
	}
	if len(g.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(g.Rows), len(want))
	}
	for i, code := range []string{"b1", "b2", "b3", "b4"} {
		row := g.Rows[i]
		if row.Unit != code || row.Exempt != (code == "b4") {
			t.Fatalf("row %d is %s (exempt %v), want %s", i, row.Unit, row.Exempt, code)
		}
		for j, cell := range row.Cells {
			if cell.State != want[code][j] {
				t.Errorf("%s %s: %s, want %s", code, periods[j], cell.State, want[code][j])
			}
		}
	}
	if on := g.Rows[1].Cells[0].On; on != day(t, "2025-10-20") {
		t.Errorf("late submission day %s, want 2025-10-20", on)
	}
	if got := g.Rows[1].Cells[0].Text(); got != "逾期报送(2025-10-20)" {
		t.Errorf("late cell reads %q, want 逾期报送(2025-10-20)", got)
	}
	// On the moved due date an unsubmitted Q4 is still on time; the day
	// after, it is overdue.
	for _, tt := range []struct {
		today string
		want  DutyCellState
		label string
	}{
		{"2026-01-12", DutyOutstanding, "未报送"},
		{"2026-01-13", DutyOverdue, "逾期未报"},
	} {
		g = DutyMatrix(spec, nil, periods, submitted, day(t, tt.today), cal)
		if c := g.Rows[2].Cells[1]; c.State != tt.want || c.Text() != tt.label {
			t.Errorf("b3 2025-Q4 on %s: %s %q, want %s %q", tt.today, c.State, c.Text(), tt.want, tt.label)
		}
	}
}

func periodStrings(ps []Period) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += " "
		}
		s += p.String()
	}
	return s
}
