package ledger

import "testing"

func TestLightOf(t *testing.T) {
	t.Parallel()
	const today = "2025-06-16"
	tests := []struct {
		name     string
		status   Status
		deadline string
		longTerm bool
		want     Light
	}{
		{"closed beats a past deadline", StatusClosed, "2025-01-01", false, LightClosed},
		{"done beats a past deadline", StatusDone, "2025-01-01", false, LightDone},
		{"done long-term", StatusDone, "", true, LightDone},
		{"long-term", StatusOpen, "", true, LightBlue},
		{"long-term with a stray deadline", StatusOpen, "2025-01-01", true, LightBlue},
		{"past deadline", StatusOpen, "2025-06-15", false, LightRed},
		{"deadline today", StatusOpen, "2025-06-16", false, LightYellow},
		{"deadline in 7 days", StatusOpen, "2025-06-23", false, LightYellow},
		{"deadline in 8 days", StatusOpen, "2025-06-24", false, LightGreen},
		{"open without a deadline", StatusOpen, "", false, LightGreen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it := Item{Status: tt.status, LongTerm: tt.longTerm}
			if tt.deadline != "" {
				it.Deadline = day(t, tt.deadline)
			}
			if got := LightOf(it, day(t, today), 7); got != tt.want {
				t.Errorf("LightOf = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestLightOfYellowDaysZero(t *testing.T) {
	t.Parallel()
	it := Item{Status: StatusOpen, Deadline: day(t, "2025-06-16")}
	if got := LightOf(it, day(t, "2025-06-16"), 0); got != LightYellow {
		t.Errorf("deadline today with yellowDays 0 = %s, want yellow", got)
	}
	if got := LightOf(it, day(t, "2025-06-15"), 0); got != LightGreen {
		t.Errorf("deadline tomorrow with yellowDays 0 = %s, want green", got)
	}
}
