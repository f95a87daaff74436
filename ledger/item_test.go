package ledger

import (
	"strings"
	"testing"
)

func TestDeadlineAndDaysText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		it   Item
		want string
	}{
		{Item{Deadline: day(t, "2026-11-20")}, "2026-11-20"},
		{Item{LongTerm: true}, "长期坚持"},
		{Item{}, "—"},
	} {
		if got := tt.it.DeadlineText(); got != tt.want {
			t.Errorf("DeadlineText of %+v = %q, want %q", tt.it, got, tt.want)
		}
	}
	for days, want := range map[int]string{3: "还剩3天", 0: "今天到期", -5: "已逾期5天"} {
		if got := DaysText(days); got != want {
			t.Errorf("DaysText(%d) = %q, want %q", days, got, want)
		}
	}
}

func TestStatusChanges(t *testing.T) {
	t.Parallel()
	all := []Status{StatusOpen, StatusDone, StatusClosed}
	for _, from := range all {
		for _, to := range all {
			if got := from.CanBecome(to); got != (from != to) {
				t.Errorf("%s.CanBecome(%s) = %v", from, to, got)
			}
		}
		if from.CanBecome("bogus") {
			t.Errorf("%s.CanBecome(bogus) = true", from)
		}
	}
	for s, want := range map[Status]bool{StatusOpen: false, StatusDone: true, StatusClosed: true} {
		if got := s.CanConfirmFollowup(); got != want {
			t.Errorf("%s.CanConfirmFollowup() = %v, want %v", s, got, want)
		}
	}
}

func TestLabels(t *testing.T) {
	t.Parallel()
	got := []string{JobLabel(JobDeadlines), JobLabel(JobDuties), JobLabel(JobFollowups), JobLabel(JobSummary), JobLabel("x"),
		EventImported.Label(), EventStatus.Label(), EventProgress.Label(), EventFollowup.Label(), EventEdited.Label(), EventCreated.Label(), EventKind("x").Label()}
	want := []string{"到期提醒", "定期任务提醒", "回头看提醒", "定期调度汇总", "x", "导入台账", "状态变更", "整改进展", "回头看", "修改", "新建", "x"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("labels %q, want %q", got, want)
	}
}
