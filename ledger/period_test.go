package ledger

import (
	"encoding/json"
	"testing"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Period
		text string // String() of the result
	}{
		{"2025-03", Period{Monthly, 2025, 3}, "2025-03"},
		{"2025-3", Period{Monthly, 2025, 3}, "2025-03"},
		{"2025-12", Period{Monthly, 2025, 12}, "2025-12"},
		{" 2025-01 ", Period{Monthly, 2025, 1}, "2025-01"},
		{"2025-Q1", Period{Quarterly, 2025, 1}, "2025-Q1"},
		{"2025-q4", Period{Quarterly, 2025, 4}, "2025-Q4"},
		{"2025-H1", Period{HalfYearly, 2025, 1}, "2025-H1"},
		{"2025-h2", Period{HalfYearly, 2025, 2}, "2025-H2"},
		{"2025", Period{Yearly, 2025, 1}, "2025"},
		{"0001", Period{Yearly, 1, 1}, "0001"},
		// The office's ways of writing them.
		{"2026/11", Period{Monthly, 2026, 11}, "2026-11"},
		{"2026.1", Period{Monthly, 2026, 1}, "2026-01"},
		{"2026年11月", Period{Monthly, 2026, 11}, "2026-11"},
		{"2026年3月份", Period{Monthly, 2026, 3}, "2026-03"},
		{"２０２６年０３月", Period{Monthly, 2026, 3}, "2026-03"},
		{"2026年第3季度", Period{Quarterly, 2026, 3}, "2026-Q3"},
		{"2026年 第三季度", Period{Quarterly, 2026, 3}, "2026-Q3"},
		{"2026年一季度", Period{Quarterly, 2026, 1}, "2026-Q1"},
		{"2026年4季", Period{Quarterly, 2026, 4}, "2026-Q4"},
		{"2026Q3", Period{Quarterly, 2026, 3}, "2026-Q3"},
		{"2026-Ｑ3", Period{Quarterly, 2026, 3}, "2026-Q3"},
		{"2026年上半年", Period{HalfYearly, 2026, 1}, "2026-H1"},
		{"2026年下半年", Period{HalfYearly, 2026, 2}, "2026-H2"},
		{"2026年", Period{Yearly, 2026, 1}, "2026"},
		{"2026年度", Period{Yearly, 2026, 1}, "2026"},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if got.String() != tt.text {
			t.Errorf("ParsePeriod(%q).String() = %q, want %q", tt.in, got.String(), tt.text)
		}
		for _, printed := range []string{got.String(), got.Label()} {
			if again, err := ParsePeriod(printed); err != nil || again != got {
				t.Errorf("round trip of %q through %q: %+v, %v", tt.in, printed, again, err)
			}
		}
	}
}

func TestParsePeriodRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "2025-", "2025-00", "2025-13", "2025-003", "2025-Q", "2025-Q0", "2025-Q5", "2025-Q10",
		"2025-H0", "2025-H3", "2025-X1", "25-03", "202503", "20250", "0000", "+2025", "-2025",
		"2025-03-01", "2025-+3", "2025年13月", "2025年0月", "2025年第5季度", "2025年第零季度", "2025年五季度",
		"2025年中", "2025年3", "2025年第季度", "25年3月", "2025年上半", "2025Q", "2025/Q5", "2025—03",
	} {
		if p, err := ParsePeriod(in); err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", in, p)
		}
	}
}

func TestParsePeriodOf(t *testing.T) {
	t.Parallel()
	if p, err := ParsePeriodOf(Quarterly, "2025-q2"); err != nil || p != (Period{Quarterly, 2025, 2}) {
		t.Errorf("ParsePeriodOf(quarterly, 2025-q2) = %+v, %v", p, err)
	}
	for _, tt := range []struct {
		kind PeriodKind
		in   string
	}{
		{Monthly, "2025-Q1"},
		{Quarterly, "2025-03"},
		{HalfYearly, "2025"},
		{Yearly, "2025-H1"},
		{Monthly, "bad"},
	} {
		if p, err := ParsePeriodOf(tt.kind, tt.in); err == nil {
			t.Errorf("ParsePeriodOf(%s, %q) = %+v, want an error", tt.kind, tt.in, p)
		}
	}
}

func TestParsePeriodKind(t *testing.T) {
	t.Parallel()
	for _, k := range []PeriodKind{Monthly, Quarterly, HalfYearly, Yearly} {
		if got, err := ParsePeriodKind(string(k)); err != nil || got != k {
			t.Errorf("ParsePeriodKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParsePeriodKind("weekly"); err == nil {
		t.Error("ParsePeriodKind(weekly): want an error")
	}
}

func TestPeriodStartEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		period, start, end string
	}{
		{"2025-01", "2025-01-01", "2025-01-31"},
		{"2025-02", "2025-02-01", "2025-02-28"},
		{"2024-02", "2024-02-01", "2024-02-29"},
		{"2028-02", "2028-02-01", "2028-02-29"},
		{"2100-02", "2100-02-01", "2100-02-28"}, // not a leap year
		{"2000-02", "2000-02-01", "2000-02-29"}, // a leap year
		{"2025-04", "2025-04-01", "2025-04-30"},
		{"2025-12", "2025-12-01", "2025-12-31"},
		{"2025-Q1", "2025-01-01", "2025-03-31"},
		{"2025-Q2", "2025-04-01", "2025-06-30"},
		{"2025-Q3", "2025-07-01", "2025-09-30"},
		{"2025-Q4", "2025-10-01", "2025-12-31"},
		{"2025-H1", "2025-01-01", "2025-06-30"},
		{"2025-H2", "2025-07-01", "2025-12-31"},
		{"2025", "2025-01-01", "2025-12-31"},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Start(); got != day(t, tt.start) {
			t.Errorf("%s Start = %s, want %s", tt.period, got, tt.start)
		}
		if got := p.End(); got != day(t, tt.end) {
			t.Errorf("%s End = %s, want %s", tt.period, got, tt.end)
		}
		if got := PeriodContaining(p.Kind, p.Start()); got != p {
			t.Errorf("PeriodContaining(%s start) = %s", tt.period, got)
		}
		if got := PeriodContaining(p.Kind, p.End()); got != p {
			t.Errorf("PeriodContaining(%s end) = %s", tt.period, got)
		}
		if got := p.Next().Start(); got != p.End().AddDays(1) {
			t.Errorf("%s Next starts %s, want the day after its end", tt.period, got)
		}
	}
}

func TestPeriodNextPrev(t *testing.T) {
	t.Parallel()
	tests := []struct{ from, next, prev string }{
		{"2025-12", "2026-01", "2025-11"},
		{"2025-01", "2025-02", "2024-12"},
		{"2025-Q4", "2026-Q1", "2025-Q3"},
		{"2025-Q1", "2025-Q2", "2024-Q4"},
		{"2025-H2", "2026-H1", "2025-H1"},
		{"2025-H1", "2025-H2", "2024-H2"},
		{"2025", "2026", "2024"},
	}
	for _, tt := range tests {
		p, _ := ParsePeriod(tt.from)
		if got := p.Next().String(); got != tt.next {
			t.Errorf("%s.Next() = %s, want %s", tt.from, got, tt.next)
		}
		if got := p.Prev().String(); got != tt.prev {
			t.Errorf("%s.Prev() = %s, want %s", tt.from, got, tt.prev)
		}
	}
}

func TestLastEndedPeriod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  PeriodKind
		today string
		want  string
	}{
		{Monthly, "2025-04-01", "2025-03"},
		{Monthly, "2025-03-31", "2025-02"},
		{Monthly, "2025-01-15", "2024-12"},
		{Quarterly, "2026-01-01", "2025-Q4"},
		{Quarterly, "2025-12-31", "2025-Q3"},
		{HalfYearly, "2025-07-01", "2025-H1"},
		{HalfYearly, "2025-06-30", "2024-H2"},
		{Yearly, "2026-01-05", "2025"},
		{Yearly, "2025-12-31", "2024"},
	}
	for _, tt := range tests {
		got := LastEndedPeriod(tt.kind, day(t, tt.today))
		if got.String() != tt.want {
			t.Errorf("LastEndedPeriod(%s, %s) = %s, want %s", tt.kind, tt.today, got, tt.want)
		}
		if !got.End().Before(day(t, tt.today)) || !got.Next().End().After(day(t, tt.today).AddDays(-1)) {
			t.Errorf("LastEndedPeriod(%s, %s) = %s is not the most recent ended period", tt.kind, tt.today, got)
		}
	}
}

func TestDueDate(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(nil, nil)
	tests := []struct {
		name      string
		period    string
		dueDay    int
		onWorkday bool
		want      string
	}{
		{"Q4 2025 due on a Saturday, moved to Monday", "2025-Q4", 10, true, "2026-01-12"},
		{"Q4 2025 due on a Saturday, not moved", "2025-Q4", 10, false, "2026-01-10"},
		{"March due on Qingming Saturday, moved", "2025-03", 5, true, "2025-04-07"},
		{"February non-leap", "2025-02", 5, true, "2025-03-05"},
		{"February leap, due on a Sunday of a year without data", "2028-02", 5, true, "2028-03-06"},
		{"February leap, due day 0 is the leap day", "2028-02", 0, false, "2028-02-29"},
		{"January 2026 due in Spring Festival 2026", "2026-01", 15, true, "2026-02-24"},
		{"January 2026 due on the 调休 Saturday stays", "2026-01", 14, true, "2026-02-14"},
		{"September 2025 due in the National Day week", "2025-09", 3, true, "2025-10-09"},
		{"H2 2025 due on its last day", "2025-H2", 0, true, "2025-12-31"},
		{"H1 2025", "2025-H1", 15, true, "2025-07-15"},
		{"yearly 2025", "2025", 30, true, "2026-01-30"},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := DueDate(p, tt.dueDay, tt.onWorkday, cal); got != day(t, tt.want) {
			t.Errorf("%s: DueDate(%s, %d, %v) = %s, want %s", tt.name, tt.period, tt.dueDay, tt.onWorkday, got, tt.want)
		}
	}
}

func TestPeriodCompareLabelJSON(t *testing.T) {
	t.Parallel()
	a, _ := ParsePeriod("2025-03")
	b, _ := ParsePeriod("2025-04")
	q, _ := ParsePeriod("2025-Q2")
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || b.Compare(q) != -1 {
		t.Error("Compare orders periods wrongly")
	}
	labels := map[string]string{"2025-03": "2025年3月", "2025-Q2": "2025年第2季度", "2025-H1": "2025年上半年", "2025-H2": "2025年下半年", "2025": "2025年度"}
	for in, want := range labels {
		p, _ := ParsePeriod(in)
		if got := p.Label(); got != want {
			t.Errorf("%s Label = %s, want %s", in, got, want)
		}
	}
	var v struct{ P Period }
	if err := json.Unmarshal([]byte(`{"P":"2025-q3"}`), &v); err != nil || v.P != (Period{Quarterly, 2025, 3}) {
		t.Fatalf("unmarshal: %+v, %v", v, err)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != `{"P":"2025-Q3"}` {
		t.Errorf("marshal: %s, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"P":"2025-Q9"}`), &v); err == nil {
		t.Error("unmarshal of a bad period: want an error")
	}
	if (Period{}).String() != "" || !(Period{}).IsZero() {
		t.Error("zero Period should print empty")
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2025-03", "2025-Q1", "2025-h2", "2025", "0001-12", "9999-Q4", "2025-", "-", "", "2025-Q", "2025-003",
		"2025年3月", "2025年第一季度", "2025年下半年", "2025年度"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		for _, printed := range []string{p.String(), p.Label()} {
			again, err := ParsePeriod(printed)
			if err != nil || again != p {
				t.Fatalf("%q parsed to %+v, which prints %q and parses back to %+v, %v", s, p, printed, again, err)
			}
		}
		if p.End().Before(p.Start()) {
			t.Fatalf("%q: end %s before start %s", s, p.End(), p.Start())
		}
		if got := PeriodContaining(p.Kind, p.End()); got != p {
			t.Fatalf("%q: its end day is in %+v", s, got)
		}
		if p.Next().Prev() != p || p.Prev().Next() != p {
			t.Fatalf("%q: Next and Prev are not inverse", s)
		}
	})
}
