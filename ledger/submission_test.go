package ledger

import (
	"strings"
	"testing"
)

func TestCheckSubmission(t *testing.T) {
	t.Parallel()
	rules := SubmissionRules{
		Duties: []DutySpec{
			{ID: "yuebao", Name: "月度工作报告", Kind: Monthly, Units: []string{"ua", "ub"}, Exempt: []string{"uc"}},
			{ID: "sanhui", Name: "《“三会一课”落实情况》", Kind: Quarterly, Units: []string{"zb1"},
				Start: Period{Kind: Monthly, Year: 2025, N: 2}},
		},
		ResolveUnit: func(s string) (string, bool) {
			code, ok := map[string]string{"ua": "ua", "综合科": "ua", "ub": "ub", "uc": "uc", "zb1": "zb1"}[strings.TrimSpace(s)]
			return code, ok
		},
		Today: day(t, "2025-06-20"),
	}
	ok := []struct {
		in   SubmissionInput
		want Submission
	}{
		{SubmissionInput{Duty: "yuebao", Unit: "综合科", Period: "2025-05", Date: "2025-06-03", Note: " 按时 "},
			Submission{Duty: "yuebao", Unit: "ua", Period: "2025-05", On: day(t, "2025-06-03"), Note: "按时"}},
		{SubmissionInput{Duty: "“三会一课”落实情况", Unit: "zb1", Period: "2025-q1"},
			Submission{Duty: "sanhui", Unit: "zb1", Period: "2025-Q1", On: day(t, "2025-06-20")}},
		// Filed on the period's last day.
		{SubmissionInput{Duty: "yuebao", Unit: "ub", Period: "2025-05", Date: "2025-05-31"},
			Submission{Duty: "yuebao", Unit: "ub", Period: "2025-05", On: day(t, "2025-05-31")}},
	}
	for _, tt := range ok {
		got, probs := rules.Check(tt.in)
		if len(probs) > 0 || got != tt.want {
			t.Errorf("Check(%+v) = %+v, %v; want %+v", tt.in, got, probs, tt.want)
		}
	}
	bad := []struct {
		name string
		in   SubmissionInput
		want []string // field: reason, in order
	}{
		{"unknown duty and unit", SubmissionInput{Duty: "nianbao", Unit: "宣传科", Period: "2025-05"},
			[]string{"duty: 未知的定期任务，可用：yuebao、sanhui", "unit: 未知单位"}},
		{"period not ended", SubmissionInput{Duty: "yuebao", Unit: "ua", Period: "2025-06"},
			[]string{"period: 2025年6月的最后一天是2025年6月30日，当天或之后才能报送"}},
		{"submitted before the period's last day", SubmissionInput{Duty: "yuebao", Unit: "ua", Period: "2025-05", Date: "2025-05-30"},
			[]string{"period: 2025年5月的最后一天是2025年5月31日，当天或之后才能报送"}},
		// The quarter that contains the start month (February) is the first supervised.
		{"period before the start", SubmissionInput{Duty: "sanhui", Unit: "zb1", Period: "2024-Q4"},
			[]string{"period: 该任务自2025年第1季度起督办，此前的期间不登记"}},
		{"malformed period", SubmissionInput{Duty: "yuebao", Unit: "ua", Period: "2025-13"},
			[]string{"period: 期间格式无效，应写作 2025-03"}},
		{"period of the wrong kind", SubmissionInput{Duty: "yuebao", Unit: "ua", Period: "2025-Q2"},
			[]string{"period: 该任务按月度报送，期间应写作 2025-03"}},
		{"exempt unit", SubmissionInput{Duty: "yuebao", Unit: "uc", Period: "2025-05"},
			[]string{"unit: 该单位免报《月度工作报告》"}},
		{"unit not assigned", SubmissionInput{Duty: "sanhui", Unit: "ua", Period: "2025-Q1"},
			[]string{"unit: 该单位不承担《“三会一课”落实情况》"}},
		{"date in the future", SubmissionInput{Duty: "yuebao", Unit: "ub", Period: "2025-05", Date: "2099-01-01"},
			[]string{"date: 报送日期晚于今天（2025年6月20日）"}},
		{"bad date", SubmissionInput{Duty: "yuebao", Unit: "ub", Period: "2025-05", Date: "2025/6/3"},
			[]string{"date: 日期无效，应写作 2025-04-03"}},
	}
	for _, tt := range bad {
		got, probs := rules.Check(tt.in)
		var reasons []string
		for _, p := range probs {
			reasons = append(reasons, p.Field+": "+p.Reason)
		}
		if strings.Join(reasons, "\n") != strings.Join(tt.want, "\n") || got != (Submission{}) {
			t.Errorf("%s: %+v, problems %q; want %q", tt.name, got, reasons, tt.want)
		}
	}
	if got := DutyIDs(nil); got != "（配置中没有 [[duties]]）" {
		t.Errorf("DutyIDs(nil) = %q", got)
	}
}

// The index answers per duty: another duty's or unit's submission of the
// same period is not this one's.
func TestSubmitted(t *testing.T) {
	t.Parallel()
	q1 := Period{Kind: Quarterly, Year: 2025, N: 1}
	subs := Submitted{Submission{Duty: "report", Unit: "bgs", Period: "2025-Q1"}.Key(): day(t, "2025-04-03")}
	if on, ok := subs.On("report")("bgs", q1); !ok || on != day(t, "2025-04-03") {
		t.Errorf("On(report)(bgs, 2025-Q1) = %s, %v; want 2025-04-03, true", on, ok)
	}
	for _, tt := range []struct{ duty, unit string }{{"other", "bgs"}, {"report", "zzb"}} {
		if subs.Has(tt.duty)(tt.unit, q1) {
			t.Errorf("Has(%s)(%s, 2025-Q1): want false", tt.duty, tt.unit)
		}
	}
	if !subs.Has("report")("bgs", q1) || subs.Has("report")("bgs", q1.Next()) {
		t.Error("Has(report)(bgs): want 2025-Q1 only")
	}
}
