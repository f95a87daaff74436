package ledger

import "testing"

func TestMovedToToday(t *testing.T) {
	t.Parallel()
	d := func(s string) Date { return day(t, s) }
	items := []Item{
		{No: "a", Status: StatusOpen, Deadline: d("2026-11-20")},
		{No: "b", Status: StatusOpen, Deadline: d("2026-12-15")},
		{No: "c", Status: StatusOpen, LongTerm: true},
		{No: "d", Status: StatusDone, Deadline: d("2024-12-31"), CompletedOn: d("2025-01-10")},
	}
	for _, today := range []string{"2026-12-02", "2027-03-15", "2030-01-01", "2025-06-01"} {
		got := MovedToToday(items, d(today))
		if want := d(today).AddDays(exampleLead); got[1].Deadline != want {
			t.Errorf("%s: the latest open deadline moved to %s, want %s", today, got[1].Deadline, want)
		}
		if late := d(today).DaysSince(got[0].Deadline); late != 25-exampleLead {
			t.Errorf("%s: the earliest open item is %d days overdue, want %d (the spacing kept)", today, late, 25-exampleLead)
		}
		if !got[2].Deadline.IsZero() || got[3].CompletedOn.DaysSince(got[3].Deadline) != 10 {
			t.Errorf("%s: long-term or done items moved wrong: %+v %+v", today, got[2], got[3])
		}
	}
	if items[0].Deadline != d("2026-11-20") {
		t.Error("MovedToToday changed its argument")
	}
}
