package notify_test

import (
	"strings"
	"testing"

	"duban/ledger"
	"duban/notify"
)

// The supervisors' roll of non-submitters is a list to act on, not a copy
// of someone's reminder; a unit's duty reminder names its own unit.
func TestRenderDigestDutyRollAndUnitReminder(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	roll := notify.Entry{Kind: ledger.RuleDuty, Stage: "missing", StageLabel: "逾期未报", DutyName: "《三重一大事项情况报告表》",
		Period: "2025年1月", DueDate: "2025-02-05", DaysLeft: -2, Missing: []string{"办公室", "组织部"}}
	subject, text, html, err := tm.RenderDigest(notify.DigestData{To: "zgb@example.org", Role: ledger.RoleSupervisor, AsOf: "2025-02-07",
		Entries: []notify.Entry{roll}})
	if err != nil {
		t.Fatalf("RenderDigest: %v", err)
	}
	if subject != "【报送提醒】1项已逾期" {
		t.Errorf("subject = %q", subject)
	}
	for _, body := range []string{text, html} {
		for _, want := range []string{"以下1项定期任务已过报送期限，仍有单位未报送，请督促落实", "《三重一大事项情况报告表》2025年1月",
			"办公室、组织部", "已逾期2天", "仍未报送的单位将列入每周调度汇总"} {
			if !strings.Contains(body, want) {
				t.Errorf("roll body lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "抄送") || strings.Contains(body, "《《") {
			t.Errorf("roll body says 抄送 or doubles the book-title marks:\n%s", body)
		}
	}

	unit := notify.Entry{Kind: ledger.RuleDuty, Stage: "open", StageLabel: "提醒", DutyName: "“三会一课”落实情况",
		Period: "2025年第4季度", DueDate: "2026-01-12", DaysLeft: 5, UnitNames: []string{"机关第一党支部"}}
	_, text, _, err = tm.RenderDigest(notify.DigestData{To: "b1@example.org", ToName: "机关第一党支部", Role: ledger.RoleUnit,
		AsOf: "2026-01-07", Entries: []notify.Entry{unit}})
	if err != nil {
		t.Fatalf("RenderDigest: %v", err)
	}
	// A duty that is not a document keeps its name without 《》.
	for _, want := range []string{"机关第一党支部：", "\n1. 【提醒】“三会一课”落实情况2025年第4季度\n", "报送截止：2026年1月12日（还剩5天）",
		"报送单位：机关第一党支部", "报送后由整改办登记报送情况，该期提醒即停止"} {
		if !strings.Contains(text, want) {
			t.Errorf("unit body lacks %q:\n%s", want, text)
		}
	}
}

func TestRenderDigestFollowupShowsCompletion(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	e := notify.Entry{Kind: ledger.RuleFollowup, Stage: "followup-90", StageLabel: "回头看", No: "X5", Problem: "制度缺失",
		Deadline: "2025-05-01", CompletedOn: "2025-04-20", UnitNames: []string{"规划科"}}
	subject, text, html, err := tm.RenderDigest(notify.DigestData{To: "b@example.org", Role: ledger.RoleUnit, AsOf: "2025-07-21",
		Entries: []notify.Entry{e}})
	if err != nil {
		t.Fatalf("RenderDigest: %v", err)
	}
	if subject != "【回头看】1项需回头看" {
		t.Errorf("subject = %q", subject)
	}
	for _, body := range []string{text, html} {
		for _, want := range []string{"X5", "制度缺失", "2025年4月20日", "回头看"} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q", want)
			}
		}
	}
}

// A follow-up of an item whose completion day is unknown counts from the
// day duban first saw it done, and every body says so (登记完成).
func TestRenderDigestFollowupOfUnknownCompletion(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	e := notify.Entry{Kind: ledger.RuleFollowup, Stage: "followup-90", StageLabel: "回头看", No: "X5", Problem: "制度缺失",
		CompletedOn: "2025-04-20", CompletionUnknown: true, UnitNames: []string{"规划科"}}
	d := notify.DigestData{To: "b@example.org", Role: ledger.RoleUnit, AsOf: "2025-07-21", Entries: []notify.Entry{e}}
	_, text, html, err := tm.RenderDigest(d)
	if err != nil {
		t.Fatal(err)
	}
	_, md, err := tm.RenderDigestMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]string{
		text: "登记完成日期：2025年4月20日（完成日期未登记）",
		html: "登记完成日期</td><td style=\"vertical-align:top;border-bottom:1px solid #eeeeee;\">2025年4月20日（完成日期未登记）",
		md:   "登记完成（2025年4月20日），请开展“回头看”",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	e.CompletionUnknown = false
	_, text, _, err = tm.RenderDigest(notify.DigestData{To: "b@example.org", Role: ledger.RoleUnit, AsOf: "2025-07-21", Entries: []notify.Entry{e}})
	if err != nil || !strings.Contains(text, "完成日期：2025年4月20日\n") || strings.Contains(text, "登记完成") {
		t.Errorf("known completion day: %v\n%s", err, text)
	}
}
