package ledger

import (
	"slices"
	"testing"
)

// sanzhongyida is the example config's monthly 三重一大 report: due on the
// 5th after the month, reminded 3 and 1 days before, urged every 3 days
// after.
func sanzhongyida(t testing.TB) DutySpec {
	start, err := ParsePeriod("2025-03")
	if err != nil {
		t.Fatal(err)
	}
	return DutySpec{
		ID: "sanzhongyida", Name: "“三重一大”事项情况报告表", Kind: Monthly,
		DueDay: 5, RemindDays: []int{3, 1}, OverdueEveryDays: 3, EscalateAfterDays: 0,
		DueOnWorkday: true, Start: start,
		Units:       []string{"bgs", "cwb", "ghost"},
		Supervisors: []string{"bgs@zgh.example.org", "zgb@zgh.example.org"},
	}
}

func TestDutyStage(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(nil, nil)
	monthly := sanzhongyida(t) // March 2025 is due 04-05, a Saturday in Qingming: moved to Mon 04-07
	dueOnDay1 := monthly
	dueOnDay1.DueDay, dueOnDay1.RemindDays = 1, []int{1}
	tie := monthly
	tie.DueDay, tie.RemindDays, tie.DueOnWorkday = 4, []int{3}, false
	yearly := DutySpec{ID: "lianzheng", Kind: Yearly, DueDay: 0, RemindDays: []int{7}, OverdueEveryDays: 7, DueOnWorkday: true}
	tests := []struct {
		name   string
		spec   DutySpec
		period string
		today  string
		want   string // "name on", "" = none
	}{
		{"inside the period", monthly, "2025-03", "2025-03-31", ""},
		{"the day after the period: open", monthly, "2025-03", "2025-04-01", "open 2025-04-01"},
		{"open still", monthly, "2025-03", "2025-04-03", "open 2025-04-01"},
		{"3 days before the moved due date", monthly, "2025-03", "2025-04-04", "remind-3d 2025-04-04"},
		{"1 day before (a holiday: stages keep calendar days)", monthly, "2025-03", "2025-04-06", "remind-1d 2025-04-06"},
		{"due", monthly, "2025-03", "2025-04-07", "due 2025-04-07"},
		{"due still", monthly, "2025-03", "2025-04-09", "due 2025-04-07"},
		{"overdue-1", monthly, "2025-03", "2025-04-10", "overdue-1 2025-04-10"},
		{"overdue-3", monthly, "2025-03", "2025-04-16", "overdue-3 2025-04-16"},
		{"due the day after: no open stage", dueOnDay1, "2025-06", "2025-07-01", "due 2025-07-01"},
		{"reminded on the period's last day", dueOnDay1, "2025-06", "2025-06-30", "remind-1d 2025-06-30"},
		{"a reminder on the open day beats open", tie, "2025-06", "2025-07-01", "remind-3d 2025-07-01"},
		{"open before a reminder dated inside the period", DutySpec{Kind: Monthly, DueDay: 2, RemindDays: []int{3}}, "2025-06", "2025-07-01", "open 2025-07-01"},
		{"yearly due on the last day: December reminder", yearly, "2025", "2025-12-24", "remind-7d 2025-12-24"},
		{"yearly due on the last day", yearly, "2025", "2025-12-31", "due 2025-12-31"},
		{"yearly, the next day has no open stage", yearly, "2025", "2026-01-01", "due 2025-12-31"},
		{"yearly overdue", yearly, "2025", "2026-01-07", "overdue-1 2026-01-07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePeriodOf(tt.spec.Kind, tt.period)
			if err != nil {
				t.Fatal(err)
			}
			st, ok := DutyStage(tt.spec, p, day(t, tt.today), cal)
			got := ""
			if ok {
				got = st.Name + " " + st.On.String()
			}
			if got != tt.want {
				t.Errorf("DutyStage = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDutyPeriods(t *testing.T) {
	t.Parallel()
	spec := sanzhongyida(t)
	names := func(ps []Period) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.String())
		}
		return out
	}
	if got, want := names(DutyPeriods(spec, day(t, "2025-05-02"))), []string{"2025-03", "2025-04", "2025-05"}; !slices.Equal(got, want) {
		t.Errorf("from start: %q, want %q", got, want)
	}
	if got := DutyPeriods(spec, day(t, "2025-02-10")); len(got) != 0 {
		t.Errorf("before start: %q, want none", names(got))
	}
	spec.Start = Period{}
	got := DutyPeriods(spec, day(t, "2025-04-08"))
	if len(got) != MaxDutyPeriods || got[0].String() != "2023-05" || got[len(got)-1].String() != "2025-04" {
		t.Errorf("capped: %d periods %q", len(got), names(got))
	}
	quarterly := DutySpec{Kind: Quarterly, Start: Period{Monthly, 2025, 5}}
	if got, want := names(DutyPeriods(quarterly, day(t, "2025-10-02"))), []string{"2025-Q2", "2025-Q3", "2025-Q4"}; !slices.Equal(got, want) {
		t.Errorf("start of another kind: %q, want %q", got, want)
	}
	if got := DutyPeriods(DutySpec{}, day(t, "2025-10-02")); got != nil {
		t.Errorf("unknown kind: %q, want none", names(got))
	}
}

func TestDutyNotices(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(nil, nil)
	dir := testDirectory()
	spec := sanzhongyida(t)
	bgsSubmittedMarch := func(unit string, p Period) bool {
		return unit == "bgs" && p == Period{Monthly, 2025, 3}
	}
	noStart := spec
	noStart.Start = Period{}
	sharedMailbox := spec
	sharedMailbox.Units = []string{"zzb", "dzb"}
	sharedMailbox.Supervisors = nil
	allSubmitted := func(string, Period) bool { return true }
	onlyBgsMissing := func(unit string, _ Period) bool { return unit != "bgs" }
	graceDays := spec
	graceDays.EscalateAfterDays = 3
	submittedBeforeFebruary := func(_ string, p Period) bool { return p.Compare(Period{Monthly, 2025, 2}) < 0 }

	tests := []struct {
		name      string
		spec      DutySpec
		submitted func(string, Period) bool
		today     string
		want      []string // "rule subject recipient role level stage units daysLeft"
	}{
		{"before the period ends: nothing", spec, nil, "2025-03-31", nil},
		{"open: units without a submission, no supervisors", spec, bgsSubmittedMarch, "2025-04-02", []string{
			"duty sanzhongyida/2025-03 cwb@zgh.example.org unit remind open [cwb] 5",
		}},
		{"on the due date: still no supervisors", spec, bgsSubmittedMarch, "2025-04-07", []string{
			"duty sanzhongyida/2025-03 cwb@zgh.example.org unit urge due [cwb] 0",
		}},
		{"after the due date: supervisors get the roll", spec, bgsSubmittedMarch, "2025-04-08", []string{
			"duty sanzhongyida/2025-03 cwb@zgh.example.org unit urge due [cwb] -1",
			"duty-missing sanzhongyida/2025-03 bgs@zgh.example.org supervisor urge missing [cwb ghost] -1",
			"duty-missing sanzhongyida/2025-03 zgb@zgh.example.org supervisor urge missing [cwb ghost] -1",
		}},
		{"nobody submitted: a unit mailbox that is also a supervisor gets both, its roll without itself", spec, nil, "2025-04-08", []string{
			"duty sanzhongyida/2025-03 bgs@zgh.example.org unit urge due [bgs] -1",
			"duty sanzhongyida/2025-03 bgs2@zgh.example.org unit urge due [bgs] -1",
			"duty sanzhongyida/2025-03 cwb@zgh.example.org unit urge due [cwb] -1",
			"duty-missing sanzhongyida/2025-03 bgs@zgh.example.org supervisor urge missing [cwb ghost] -1",
			"duty-missing sanzhongyida/2025-03 zgb@zgh.example.org supervisor urge missing [bgs cwb ghost] -1",
		}},
		{"10 days overdue: units are urged, the roll keeps its one stage, no leader", spec, bgsSubmittedMarch, "2025-04-17", []string{
			"duty sanzhongyida/2025-03 cwb@zgh.example.org unit urge overdue-3 [cwb] -10",
			"duty-missing sanzhongyida/2025-03 bgs@zgh.example.org supervisor urge missing [cwb ghost] -10",
			"duty-missing sanzhongyida/2025-03 zgb@zgh.example.org supervisor urge missing [cwb ghost] -10",
		}},
		{"escalate_after_days: no roll while the units have grace", graceDays, bgsSubmittedMarch, "2025-04-09", []string{
			"duty sanzhongyida/2025-03 cwb@zgh.example.org unit urge due [cwb] -2",
		}},
		{"escalate_after_days: the roll after the grace", graceDays, bgsSubmittedMarch, "2025-04-10", []string{
			"duty sanzhongyida/2025-03 cwb@zgh.example.org unit urge overdue-1 [cwb] -3",
			"duty-missing sanzhongyida/2025-03 bgs@zgh.example.org supervisor urge missing [cwb ghost] -3",
			"duty-missing sanzhongyida/2025-03 zgb@zgh.example.org supervisor urge missing [cwb ghost] -3",
		}},
		{"only the supervising unit is missing: no roll to itself", spec, onlyBgsMissing, "2025-04-08", []string{
			"duty sanzhongyida/2025-03 bgs@zgh.example.org unit urge due [bgs] -1",
			"duty sanzhongyida/2025-03 bgs2@zgh.example.org unit urge due [bgs] -1",
			"duty-missing sanzhongyida/2025-03 zgb@zgh.example.org supervisor urge missing [bgs] -1",
		}},
		{"everyone submitted", spec, allSubmitted, "2025-04-17", nil},
		{"the start period is respected", spec, nil, "2025-03-06", nil},
		{"without a start, February is reminded", noStart, submittedBeforeFebruary, "2025-03-05", []string{
			"duty sanzhongyida/2025-02 bgs@zgh.example.org unit urge due [bgs] 0",
			"duty sanzhongyida/2025-02 bgs2@zgh.example.org unit urge due [bgs] 0",
			"duty sanzhongyida/2025-02 cwb@zgh.example.org unit urge due [cwb] 0",
		}},
		{"a mailbox shared by two units: one notice; supervisors from the directory", sharedMailbox, nil, "2025-04-08", []string{
			"duty sanzhongyida/2025-03 zzb@zgh.example.org unit urge due [zzb dzb] -1",
			"duty-missing sanzhongyida/2025-03 zgb@zgh.example.org supervisor urge missing [zzb dzb] -1",
			"duty-missing sanzhongyida/2025-03 BGS@zgh.example.org supervisor urge missing [zzb dzb] -1",
			"duty-missing sanzhongyida/2025-03 Wang@zgh.example.org supervisor urge missing [zzb dzb] -1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := DutyNotices(tt.spec, tt.submitted, dir, day(t, tt.today), cal)
			var got []string
			for _, n := range ns {
				got = append(got, n.Rule+" "+n.Subject+" "+summary(n))
				if n.Duty != tt.spec.ID || n.DutyName != tt.spec.Name || n.Subject != n.Duty+"/"+n.Period.String() || n.Due.IsZero() {
					t.Errorf("notice %+v: duty fields not filled", n)
				}
				if n.Rule == RuleDutyMissing && !n.Stage.On.Equal(n.Due.AddDays(max(1, tt.spec.EscalateAfterDays))) {
					t.Errorf("roll dated %s, want %d days after the due date %s", n.Stage.On, max(1, tt.spec.EscalateAfterDays), n.Due)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("DutyNotices:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDutyNoticesSeveralPeriods(t *testing.T) {
	t.Parallel()
	spec := sanzhongyida(t)
	spec.Start = Period{Monthly, 2025, 1}
	spec.Units = []string{"cwb"}
	spec.Supervisors = []string{"zgb@zgh.example.org"}
	spec.EscalateAfterDays = 0
	ns := DutyNotices(spec, func(_ string, p Period) bool { return p.N == 2 }, testDirectory(), day(t, "2025-04-08"), NewCalendar(nil, nil))
	var keys []string
	for _, n := range ns {
		keys = append(keys, n.Key())
	}
	want := []string{
		"duty|sanzhongyida/2025-01|overdue-20|cwb@zgh.example.org",
		"duty-missing|sanzhongyida/2025-01|missing|zgb@zgh.example.org",
		"duty|sanzhongyida/2025-03|due|cwb@zgh.example.org",
		"duty-missing|sanzhongyida/2025-03|missing|zgb@zgh.example.org",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys:\n got %q\nwant %q", keys, want)
	}
}

// A duty first seen on a day supervises the periods due from that day on,
// the due date moved to a workday as the reminders move it.
func TestFirstDueFrom(t *testing.T) {
	t.Parallel()
	cal := NewCalendar(nil, nil)
	monthly := DutySpec{Kind: Monthly, DueDay: 5, DueOnWorkday: true}
	longDue := DutySpec{Kind: Monthly, DueDay: 40}
	quarterly := DutySpec{Kind: Quarterly, DueDay: 10, DueOnWorkday: true}
	yearly := DutySpec{Kind: Yearly, DueDay: 31}
	for _, tt := range []struct {
		name string
		spec DutySpec
		day  string
		want string
	}{
		{"November due Monday Dec 7 (Dec 5 is a Saturday)", monthly, "2026-12-02", "2026-11"},
		{"seen on the Sunday before the moved due date", monthly, "2026-12-06", "2026-11"},
		{"seen after November's due date", monthly, "2026-12-08", "2026-12"},
		{"a due date two periods on", longDue, "2026-12-02", "2026-10"},
		{"last quarter due in January", quarterly, "2027-03-15", "2027-Q1"},
		{"last year due January 31", yearly, "2027-03-15", "2027"},
		{"last year not yet due", yearly, "2027-01-20", "2026"},
	} {
		if got := tt.spec.FirstDueFrom(day(t, tt.day), cal).String(); got != tt.want {
			t.Errorf("%s: FirstDueFrom(%s) = %s, want %s", tt.name, tt.day, got, tt.want)
		}
	}
}
