package notify_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duban/ledger"
	"duban/notify"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden digests in testdata/")

// goldenDigests cover every branch of the embedded digest templates: the
// kinds of entry, the roles, the optional fields, and text that HTML must
// escape.
func goldenDigests() map[string]notify.DigestData {
	overdue := deadlineEntry("一.3.(1)", -16, "2025-05-31")
	today := deadlineEntry("二.1", 0, "2025-06-16")
	coming := deadlineEntry("二.2", 3, "2025-06-19")
	coming.StageLabel = "提醒"
	longTerm := notify.Entry{Kind: ledger.RuleDeadline, Stage: "open", StageLabel: "提醒", No: "三.4",
		Problem: `“三重一大”决策 <不规范> & "会议记录" 缺失`, DaysLeft: 0, UnitNames: []string{"党委办公室"}}
	warn := deadlineEntry("一.1", -20, "2025-05-27")
	warn.StageLabel = "告诫"
	warn.Measures, warn.LeaderName = "", ""
	roll := notify.Entry{Kind: "duty-missing", Stage: "missing", StageLabel: "逾期未报", DutyName: "《三重一大事项情况报告表》",
		Period: "2025年1月", DueDate: "2025-02-05", DaysLeft: -2, Missing: []string{"办公室", "组织部"}}
	duty := notify.Entry{Kind: ledger.RuleDuty, Stage: "due", StageLabel: "催办", DutyName: "“三会一课”落实情况",
		Period: "2025年第2季度", DueDate: "2025-06-16", DaysLeft: 0, UnitNames: []string{"机关第一党支部"}}
	followup := notify.Entry{Kind: ledger.RuleFollowup, Stage: "followup-90", StageLabel: "回头看", No: "X5",
		Problem: "制度缺失", Measures: "建立制度", Deadline: "2025-05-01", CompletedOn: "2025-04-20",
		LeaderName: "李某某", UnitNames: []string{"规划科"}}
	bareFollowup := notify.Entry{Kind: ledger.RuleFollowup, Stage: "followup-90", StageLabel: "回头看", No: "X6",
		Problem: "台账不全", DaysLeft: -3}
	return map[string]notify.DigestData{
		"unit": {To: "cwzcb@example.org", ToName: "财务资产部", Role: ledger.RoleUnit, AsOf: "2025-06-16",
			Office: "整改领导小组办公室", OtherOpen: 4, Contact: "电话 0531-12345678", Entries: []notify.Entry{overdue, today, coming, longTerm}},
		"unit-link": {To: "b1@example.org", ToName: "机关第一党支部", Role: ledger.RoleUnit, AsOf: "2025-06-16", Office: "整改办",
			Link: "https://duban.example.org/u/YmF.0.t1.sig", LinkExpires: "2025-07-16", Omitted: 2, Entries: []notify.Entry{duty, overdue}},
		"leader": {To: "wang@example.org", ToName: "王某某", Role: ledger.RoleLeader, AsOf: "2025-06-16",
			Concerns: []string{"财务资产部", "办公室"}, Entries: []notify.Entry{warn, overdue}},
		"supervisor": {To: "zgb@example.org", Role: ledger.RoleSupervisor, AsOf: "2025-06-16", Office: "整改办",
			Concerns: []string{"办公室"}, Omitted: 7, Entries: []notify.Entry{warn}},
		"roll":  {To: "zgb@example.org", Role: ledger.RoleSupervisor, AsOf: "2025-02-07", Entries: []notify.Entry{roll}},
		"mixed": {To: "b1@example.org", Role: ledger.RoleUnit, Entries: []notify.Entry{duty, followup, bareFollowup, overdue}},
		"empty": {To: "x@example.org", Role: ledger.RoleUnit},
	}
}

// The embedded digest templates render these digests exactly as recorded
// in testdata/ (go test ./notify -run TestRenderDigestGolden -update
// records them again after a deliberate change of the templates).
func TestRenderDigestGolden(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	for name, d := range goldenDigests() {
		subject, text, html, err := tm.RenderDigest(d)
		if err != nil {
			t.Fatalf("%s: RenderDigest: %v", name, err)
		}
		got := strings.Join([]string{subject, text, html}, "\n----\n")
		path := filepath.Join("testdata", "digest-"+name+".golden")
		if *updateGolden {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run with -update to record it)", name, err)
		}
		if got != string(want) {
			t.Errorf("%s: rendered digest differs from %s:\n%s", name, path, got)
		}
	}
}

// BenchmarkRenderDigest renders a unit's digest of twenty entries, the
// size of a daily run's average message over a large ledger.
func BenchmarkRenderDigest(b *testing.B) {
	tm, err := notify.LoadTemplates("")
	if err != nil {
		b.Fatal(err)
	}
	d := notify.DigestData{To: "cwzcb@example.org", ToName: "财务资产部", Role: ledger.RoleUnit, AsOf: "2025-06-16",
		Office: "整改领导小组办公室", OtherOpen: 4}
	for i := range 20 {
		d.Entries = append(d.Entries, deadlineEntry("一.3.(1)", i-10, "2025-05-31"))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := tm.RenderDigest(d); err != nil {
			b.Fatal(err)
		}
	}
}
