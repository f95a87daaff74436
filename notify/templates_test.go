package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duban/ledger"
	"duban/notify"
)

func loadTemplates(t *testing.T, dir string) *notify.Templates {
	t.Helper()
	tm, err := notify.LoadTemplates(dir)
	if err != nil {
		t.Fatalf("LoadTemplates(%q): %v", dir, err)
	}
	return tm
}

func deadlineEntry(no string, daysLeft int, deadline string) notify.Entry {
	return notify.Entry{
		Kind: ledger.RuleDeadline, Stage: "overdue-2", StageLabel: "催办", No: no,
		Problem: "固定资产管理不规范", Measures: "全面清查固定资产,建立台账", Deadline: deadline,
		DaysLeft: daysLeft, LeaderName: "王某某", UnitNames: []string{"财务资产部", "办公室"},
	}
}

func TestRenderDigestSubjectCounts(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	duty := notify.Entry{Kind: ledger.RuleDuty, StageLabel: "提醒", DutyName: "“三重一大”事项情况报告表",
		Period: "2025年5月", DueDate: "2025-06-05", DaysLeft: 2}
	followup := notify.Entry{Kind: ledger.RuleFollowup, StageLabel: "回头看", No: "三.2", Problem: "制度缺失"}
	tests := []struct {
		name    string
		entries []notify.Entry
		want    string
	}{
		{"overdue and coming", []notify.Entry{
			deadlineEntry("一.1", -16, "2025-05-31"), deadlineEntry("一.2", -2, "2025-06-14"), deadlineEntry("一.3", 3, "2025-06-19"),
		}, "【整改督办】2项已逾期、1项即将到期"},
		{"due today", []notify.Entry{deadlineEntry("一.1", 0, "2025-06-16")}, "【整改督办】1项今天到期"},
		{"duties", []notify.Entry{duty, {Kind: ledger.RuleDuty, DutyName: "党费收支公示", DaysLeft: -1}}, "【报送提醒】1项已逾期、1项即将到期"},
		{"supervisors' roll of non-submitters", []notify.Entry{{Kind: "duty-missing", DutyName: "党费收支公示", DaysLeft: -3, Missing: []string{"办公室"}}}, "【报送提醒】1项已逾期"},
		{"follow-up", []notify.Entry{followup}, "【回头看】1项需回头看"},
		{"mixed", []notify.Entry{deadlineEntry("一.1", -1, "2025-06-15"), duty, followup}, "【督办提醒】1项已逾期、1项即将到期、1项需回头看"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			subject, _, _, err := tm.RenderDigest(notify.DigestData{To: "bgs@example.org", Role: ledger.RoleUnit, Entries: tt.entries, AsOf: "2025-06-16"})
			if err != nil {
				t.Fatalf("RenderDigest: %v", err)
			}
			if subject != tt.want {
				t.Errorf("subject = %q, want %q", subject, tt.want)
			}
		})
	}
}

func TestRenderDigestUnitBody(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	d := notify.DigestData{
		To: "cwzcb@example.org", ToName: "财务资产部", Role: ledger.RoleUnit, AsOf: "2025-06-16",
		Office: "整改领导小组办公室", OtherOpen: 4,
		Entries: []notify.Entry{
			deadlineEntry("一.3.(1)", -16, "2025-05-31"),
			deadlineEntry("二.1", 0, "2025-06-16"),
			deadlineEntry("二.2", 3, "2025-06-19"),
		},
	}
	_, text, html, err := tm.RenderDigest(d)
	if err != nil {
		t.Fatalf("RenderDigest: %v", err)
	}
	for _, body := range []struct{ name, s string }{{"text", text}, {"html", html}} {
		for _, want := range []string{
			"财务资产部：", "一.3.(1)", "固定资产管理不规范", "2025年5月31日", "已逾期16天", "今天到期", "还剩3天",
			"全面清查固定资产，建立台账", "王某某", "财务资产部、办公室", "此外，您还有4项整改事项正在推进",
			"完成后请将整改情况报送整改办，由整改办在台账中登记完成，提醒即停止", "督办系统", "整改领导小组办公室",
			"请将整改进展和佐证材料报送整改领导小组办公室",
		} {
			if !strings.Contains(body.s, want) {
				t.Errorf("%s body lacks %q", body.name, want)
			}
		}
		if strings.Contains(body.s, "抄送") {
			t.Errorf("%s body of a unit's own digest says 抄送", body.name)
		}
		// It points at no system the unit cannot reach.
		for _, stale := range []string{"请登录督办系统", "请勿直接回复"} {
			if strings.Contains(body.s, stale) {
				t.Errorf("%s body says %q", body.name, stale)
			}
		}
	}
	// Most urgent first: the caller's order is kept.
	if i, j := strings.Index(text, "已逾期16天"), strings.Index(text, "还剩3天"); i < 0 || j < i {
		t.Errorf("entries out of order in text body")
	}
}

func TestRenderDigestLeaderCopySaysWhomItConcerns(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	for _, role := range []ledger.Role{ledger.RoleLeader, ledger.RoleSupervisor} {
		d := notify.DigestData{
			To: "wang@example.org", ToName: "王某某", Role: role, AsOf: "2025-06-16",
			Concerns: []string{"财务资产部", "办公室"},
			Entries:  []notify.Entry{deadlineEntry("一.3.(1)", -16, "2025-05-31")},
		}
		_, text, html, err := tm.RenderDigest(d)
		if err != nil {
			t.Fatalf("RenderDigest: %v", err)
		}
		if want := "本邮件抄送您，涉及：财务资产部、办公室"; !strings.Contains(text, want) {
			t.Errorf("%s: text lacks %q:\n%s", role, want, text)
		}
		if !strings.Contains(html, "本邮件抄送您，涉及：<b>财务资产部、办公室</b>") {
			t.Errorf("%s: html lacks the concerned units", role)
		}
	}
}

func TestRenderDigestDutyAndFollowup(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	d := notify.DigestData{
		To: "zgb@example.org", Role: ledger.RoleSupervisor, AsOf: "2025-06-16",
		Entries: []notify.Entry{
			{Kind: ledger.RuleDuty, StageLabel: "逾期催办", DutyName: "《“三重一大”事项情况报告表》", Period: "2025年5月",
				DueDate: "2025-06-05", DaysLeft: -11, Missing: []string{"办公室", "工会"}},
			{Kind: ledger.RuleFollowup, StageLabel: "回头看", No: "三.2", Problem: "制度缺失", UnitNames: []string{"办公室"}},
		},
	}
	_, text, html, err := tm.RenderDigest(d)
	if err != nil {
		t.Fatalf("RenderDigest: %v", err)
	}
	for _, body := range []string{text, html} {
		for _, want := range []string{"《“三重一大”事项情况报告表》2025年5月", "2025年6月5日", "已逾期11天", "办公室、工会", "三.2", "回头看"} {
			if !strings.Contains(body, want) {
				t.Errorf("body lacks %q", want)
			}
		}
	}
}

func TestRenderDigestHTMLEscapes(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	e := deadlineEntry("一.1", 1, "2025-06-17")
	e.Problem = `<script>alert("x")</script> & 其他`
	_, text, html, err := tm.RenderDigest(notify.DigestData{To: "a@example.org", Role: ledger.RoleUnit, Entries: []notify.Entry{e}})
	if err != nil {
		t.Fatalf("RenderDigest: %v", err)
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("html carries a raw <script>")
	}
	if !strings.Contains(html, "&lt;script&gt;") || !strings.Contains(html, "&amp; 其他") {
		t.Errorf("html does not escape the problem text")
	}
	if !strings.Contains(text, `<script>alert("x")</script> & 其他`) {
		t.Errorf("text body altered the problem text")
	}
	for _, forbidden := range []string{"<link", "<style", "<script", "src=\"http", "href=\"http"} {
		if strings.Contains(html, forbidden) {
			t.Errorf("html uses %s: mail clients strip external resources", forbidden)
		}
	}
}

func TestLoadTemplatesOverrideDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "digest.subject.tmpl"), []byte("【本单位督办】{{.Summary}}({{len .Entries}}项)"), 0o644); err != nil {
		t.Fatal(err)
	}
	tm := loadTemplates(t, dir)
	subject, text, _, err := tm.RenderDigest(notify.DigestData{To: "a@example.org", Role: ledger.RoleUnit,
		Entries: []notify.Entry{deadlineEntry("一.1", -1, "2025-06-15")}})
	if err != nil {
		t.Fatalf("RenderDigest: %v", err)
	}
	if subject != "【本单位督办】1项已逾期(1项)" {
		t.Errorf("overridden subject = %q", subject)
	}
	if !strings.Contains(text, "已逾期1天") {
		t.Errorf("the text template not overridden should stay the embedded one, got:\n%s", text)
	}
}

func TestLoadTemplatesRejectsBrokenOverride(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "digest.html.tmpl"), []byte("{{if .Copy}}unclosed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := notify.LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "digest.html.tmpl") {
		t.Fatalf("LoadTemplates with a broken override: %v, want a parse error naming the file", err)
	}
}
