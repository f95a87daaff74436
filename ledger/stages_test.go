package ledger

import "testing"

func TestDeadlineStage(t *testing.T) {
	t.Parallel()
	def := DefaultPolicy()
	unsorted := def
	unsorted.LeadDays = []int{1, 7, 0, -2, 3}
	noLead := def
	noLead.LeadDays = nil
	noOverdue := def
	noOverdue.OverdueEveryDays = 0
	tests := []struct {
		name      string
		deadline  string
		today     string
		p         Policy
		wantName  string // "" = no stage yet
		wantOnDay string
	}{
		// Month end in January.
		{"8 days before", "2025-01-31", "2025-01-23", def, "", ""},
		{"7 days before", "2025-01-31", "2025-01-24", def, "remind-7d", "2025-01-24"},
		{"between 7 and 3", "2025-01-31", "2025-01-27", def, "remind-7d", "2025-01-24"},
		{"3 days before", "2025-01-31", "2025-01-28", def, "remind-3d", "2025-01-28"},
		{"1 day before", "2025-01-31", "2025-01-30", def, "remind-1d", "2025-01-30"},
		{"on the deadline", "2025-01-31", "2025-01-31", def, "due", "2025-01-31"},
		{"6 days late", "2025-01-31", "2025-02-06", def, "due", "2025-01-31"},
		{"7 days late", "2025-01-31", "2025-02-07", def, "overdue-1", "2025-02-07"},
		{"15 days late: overdue-2 supersedes", "2025-01-31", "2025-02-15", def, "overdue-2", "2025-02-14"},
		{"31 days late", "2025-01-31", "2025-03-03", def, "overdue-4", "2025-02-28"},
		{"two years late: unbounded K", "2025-01-31", "2027-01-31", def, "overdue-104", "2027-01-29"},
		// Month end in February, non-leap.
		{"Feb 28 minus 7", "2025-02-28", "2025-02-21", def, "remind-7d", "2025-02-21"},
		{"Feb 28 minus 3", "2025-02-28", "2025-02-25", def, "remind-3d", "2025-02-25"},
		{"Feb 28 plus 1", "2025-02-28", "2025-03-01", def, "due", "2025-02-28"},
		{"Feb 28 plus 7", "2025-02-28", "2025-03-07", def, "overdue-1", "2025-03-07"},
		{"Mar 1 minus 1 is Feb 28", "2025-03-01", "2025-02-28", def, "remind-1d", "2025-02-28"},
		{"Mar 1 minus 1 in a leap year is Feb 29", "2024-03-01", "2024-02-29", def, "remind-1d", "2024-02-29"},
		// Leap day deadline.
		{"leap day minus 7", "2028-02-29", "2028-02-22", def, "remind-7d", "2028-02-22"},
		{"leap day minus 1", "2028-02-29", "2028-02-28", def, "remind-1d", "2028-02-28"},
		{"leap day itself", "2028-02-29", "2028-02-29", def, "due", "2028-02-29"},
		{"leap day plus 7", "2028-02-29", "2028-03-07", def, "overdue-1", "2028-03-07"},
		// Deadline on a holiday: stages keep their calendar days.
		{"holiday deadline, remind on a 调休 Sunday", "2025-10-01", "2025-09-28", def, "remind-3d", "2025-09-28"},
		{"holiday deadline itself", "2025-10-01", "2025-10-01", def, "due", "2025-10-01"},
		{"holiday deadline, seen after the holidays", "2025-10-01", "2025-10-09", def, "overdue-1", "2025-10-08"},
		// Policy variants.
		{"unsorted and junk lead days", "2025-01-31", "2025-01-29", unsorted, "remind-3d", "2025-01-28"},
		{"unsorted lead days, 1 day", "2025-01-31", "2025-01-30", unsorted, "remind-1d", "2025-01-30"},
		{"no lead days", "2025-01-31", "2025-01-30", noLead, "", ""},
		{"no lead days, deadline", "2025-01-31", "2025-01-31", noLead, "due", "2025-01-31"},
		{"no overdue steps", "2025-01-31", "2025-06-30", noOverdue, "due", "2025-01-31"},
		{"zero deadline", "", "2025-01-31", def, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var deadline Date
			if tt.deadline != "" {
				deadline = day(t, tt.deadline)
			}
			got, ok := DeadlineStage(deadline, day(t, tt.today), tt.p)
			if tt.wantName == "" {
				if ok {
					t.Fatalf("DeadlineStage = %+v, want none", got)
				}
				return
			}
			want := Stage{Name: tt.wantName, On: day(t, tt.wantOnDay)}
			if !ok || got != want {
				t.Fatalf("DeadlineStage = %v %v, want %v", got, ok, want)
			}
		})
	}
}

func TestStageLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		level Level
	}{
		{"remind-7d", LevelRemind},
		{"due", LevelUrge},
		{"overdue-2", LevelUrge},
		{"open", LevelRemind},
		{"followup-90", LevelRemind},
		{"remind-x", LevelRemind},
	}
	for _, tt := range tests {
		s := Stage{Name: tt.name}
		if got := s.Level(); got != tt.level {
			t.Errorf("Stage %q Level = %s, want %s", tt.name, got, tt.level)
		}
	}
	if LevelSummon.Label() != "约谈提醒" || LevelWarn.Label() != "告诫" {
		t.Error("level labels changed")
	}
}

// The tag a reminder carries depends on the recipient's level, not on the
// stage alone: on the same overdue step the unit is urged and the leader
// warned.
func TestTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		level   Level
		overdue bool
		want    string
	}{
		{RuleDeadline, LevelRemind, false, "提醒"},
		{RuleDeadline, LevelUrge, false, "催办"},
		{RuleDeadline, LevelUrge, true, "逾期催办"},
		{RuleDeadline, LevelWarn, true, "告诫"},
		{RuleDeadline, LevelSummon, true, "约谈提醒"},
		{RuleDuty, LevelRemind, false, "提醒"},
		{RuleDuty, LevelUrge, true, "逾期催办"},
		{RuleDutyMissing, LevelUrge, true, "逾期未报"},
		{RuleFollowup, LevelRemind, true, "回头看"},
		{RuleSummary, LevelRemind, false, "定期调度"},
		{"", "", false, "催办"},
	}
	for _, tt := range tests {
		if got := Tag(tt.rule, tt.level, tt.overdue); got != tt.want {
			t.Errorf("Tag(%q, %q, %v) = %s, want %s", tt.rule, tt.level, tt.overdue, got, tt.want)
		}
	}
	stages := map[string]string{
		"remind-7d": "提醒", "due": "催办", "overdue-2": "逾期催办", "open": "提醒", "weekly": "提醒",
	}
	for stage, want := range stages {
		if got := StageTag(RuleDeadline, stage); got != want {
			t.Errorf("StageTag(deadline, %s) = %s, want %s", stage, got, want)
		}
	}
	if got := StageTag(RuleFollowup, "followup-90"); got != "回头看" {
		t.Errorf("StageTag(followup, followup-90) = %s, want 回头看", got)
	}
}
