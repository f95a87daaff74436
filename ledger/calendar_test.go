package ledger

import (
	"slices"
	"sync"
	"testing"
)

func TestCalendarIsWorkday(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(nil, nil)
	tests := []struct {
		date string
		work bool
		why  string
	}{
		{"2025-06-13", true, "ordinary Friday"},
		{"2025-06-14", false, "ordinary Saturday"},
		{"2025-06-15", false, "ordinary Sunday"},
		// National Day and Mid-Autumn 2025: 10-01..08 off, Sun 09-28 and Sat 10-11 on.
		{"2025-09-27", false, "Saturday before the 调休 Sunday"},
		{"2025-09-28", true, "调休 Sunday before National Day"},
		{"2025-09-30", true, "last workday before National Day"},
		{"2025-10-01", false, "National Day"},
		{"2025-10-04", false, "National Day week Saturday"},
		{"2025-10-08", false, "last day of the National Day week"},
		{"2025-10-09", true, "first workday after National Day"},
		{"2025-10-11", true, "调休 Saturday after National Day"},
		{"2025-10-12", false, "Sunday after the 调休 Saturday"},
		// Spring Festival 2025: 01-28..02-04 off, Sun 01-26 and Sat 02-08 on.
		{"2025-01-26", true, "调休 Sunday before Spring Festival"},
		{"2025-01-27", true, "Monday before Spring Festival"},
		{"2025-01-28", false, "Spring Festival eve"},
		{"2025-01-29", false, "Spring Festival"},
		{"2025-02-04", false, "last day of Spring Festival"},
		{"2025-02-05", true, "first workday after Spring Festival"},
		{"2025-02-08", true, "调休 Saturday after Spring Festival"},
		{"2025-02-09", false, "Sunday after the 调休 Saturday"},
		// Qingming 2025 falls on a weekend and adds nothing but the Friday.
		{"2025-04-04", false, "Qingming Friday"},
		// 2026 is in lunar-go's data.
		{"2026-01-01", false, "New Year 2026"},
		{"2026-01-04", true, "调休 Sunday after New Year 2026"},
		{"2026-02-14", true, "调休 Saturday before Spring Festival 2026"},
		{"2026-02-15", false, "Spring Festival 2026 first day"},
		{"2026-02-23", false, "Spring Festival 2026 last day"},
		{"2026-02-24", true, "first workday after Spring Festival 2026"},
		{"2026-02-28", true, "调休 Saturday after Spring Festival 2026"},
		// No data for 2030: only weekends are off.
		{"2030-10-01", true, "National Day 2030 unknown: a Tuesday like any other"},
		{"2030-10-05", false, "Saturday 2030"},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			t.Parallel()
			if got := cal.IsWorkday(day(t, tt.date)); got != tt.work {
				t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.date, got, tt.work, tt.why)
			}
		})
	}
}

func TestCalendarExtrasOverrideLunarData(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(
		[]Date{day(t, "2026-01-05"), day(t, "2025-10-11"), day(t, "2030-10-01"), day(t, "2031-05-05")},
		[]Date{day(t, "2025-10-08"), day(t, "2030-10-12"), day(t, "2031-05-05"), {}},
	)
	tests := []struct {
		date string
		work bool
		why  string
	}{
		{"2026-01-05", false, "extra holiday on a Monday"},
		{"2025-10-11", false, "extra holiday wins over lunar-go's 调休 Saturday"},
		{"2025-10-08", true, "extra workday wins over lunar-go's holiday"},
		{"2030-10-01", false, "extra holiday in a year without data"},
		{"2030-10-12", true, "extra 调休 Saturday in a year without data"},
		{"2031-05-05", true, "a day in both lists is a workday"},
		{"2025-10-07", false, "untouched lunar-go holiday"},
	}
	for _, tt := range tests {
		if got := cal.IsWorkday(day(t, tt.date)); got != tt.work {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tt.date, got, tt.work, tt.why)
		}
	}
}

func TestCalendarHasHolidayData(t *testing.T) {
	t.Parallel()
	plain := NewCalendar(nil, nil)
	extended := NewCalendar([]Date{day(t, "2030-01-01")}, []Date{day(t, "2031-02-08")})
	tests := []struct {
		name string
		cal  *Calendar
		year int
		want bool
	}{
		{"lunar-go 2025", plain, 2025, true},
		{"lunar-go 2026", plain, 2026, true},
		{"lunar-go 2027", plain, 2027, true}, // lunar-go v1.4.7 already carries 2027
		{"nothing for 2028", plain, 2028, false},
		{"nothing for 2030", plain, 2030, false},
		{"before lunar-go's data", plain, 2000, false},
		{"year zero", plain, 0, false},
		{"out of range", plain, 12345, false},
		{"extra holiday", extended, 2030, true},
		{"extra workday", extended, 2031, true},
		{"extras do not hide lunar-go", extended, 2026, true},
		{"extras add nothing elsewhere", extended, 2032, false},
	}
	for _, tt := range tests {
		if got := tt.cal.HasHolidayData(tt.year); got != tt.want {
			t.Errorf("%s: HasHolidayData(%d) = %v, want %v", tt.name, tt.year, got, tt.want)
		}
	}
}

func TestCalendarNextWorkday(t *testing.T) {
	t.Parallel()
	cal := NewCalendar([]Date{day(t, "2030-10-07")}, nil)
	tests := []struct{ from, want string }{
		{"2025-09-28", "2025-09-28"}, // 调休 Sunday is itself a workday
		{"2025-09-30", "2025-09-30"},
		{"2025-10-01", "2025-10-09"}, // across the whole National Day week
		{"2025-10-04", "2025-10-09"},
		{"2025-10-08", "2025-10-09"},
		{"2025-10-11", "2025-10-11"}, // 调休 Saturday
		{"2025-10-12", "2025-10-13"},
		{"2026-02-15", "2026-02-24"}, // Spring Festival 2026
		{"2025-12-31", "2025-12-31"},
		{"2030-10-05", "2030-10-08"}, // weekend, then an extra holiday
	}
	for _, tt := range tests {
		if got := cal.NextWorkday(day(t, tt.from)); got != day(t, tt.want) {
			t.Errorf("NextWorkday(%s) = %s, want %s", tt.from, got, tt.want)
		}
	}
}

func TestCalendarZeroValueUsable(t *testing.T) {
	t.Parallel()
	var cal Calendar
	if cal.IsWorkday(day(t, "2025-10-01")) {
		t.Error("zero Calendar: 2025-10-01 should be a holiday from lunar-go")
	}
	if !cal.HasHolidayData(2025) {
		t.Error("zero Calendar: HasHolidayData(2025) = false")
	}
}

// TestCalendarConcurrentUse is meant for go test -race: the per-year cache
// is filled by many goroutines at once.
func TestCalendarConcurrentUse(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(nil, nil)
	start := day(t, "2024-12-01")
	var wg sync.WaitGroup
	results := make([]int, 8)
	for g := range results {
		wg.Go(func() {
			for i := range 800 {
				if cal.IsWorkday(start.AddDays(i)) {
					results[g]++
				}
			}
			cal.HasHolidayData(2027)
		})
	}
	wg.Wait()
	for g, n := range results {
		if n != results[0] {
			t.Fatalf("goroutine %d counted %d workdays, goroutine 0 counted %d", g, n, results[0])
		}
	}
}

func BenchmarkCalendarIsWorkday(b *testing.B) {
	cal := NewCalendar(nil, nil)
	d := day(b, "2025-10-01")
	for i := 0; b.Loop(); i++ {
		cal.IsWorkday(d.AddDays(i % 400))
	}
}

func TestMissingHolidayYears(t *testing.T) {
	t.Parallel()
	cal := NewCalendar([]Date{day(t, "3000-10-01")}, nil) // a year lunar-go does not know, entered by hand
	for _, tt := range []struct {
		today string
		want  []int
	}{
		{"3000-06-01", nil},
		{"3000-11-05", []int{3001}}, // next year's notice is due
		{"3001-03-01", []int{3001}},
	} {
		if got := cal.MissingHolidayYears(day(t, tt.today)); !slices.Equal(got, tt.want) {
			t.Errorf("MissingHolidayYears(%s) = %v, want %v", tt.today, got, tt.want)
		}
	}
}
