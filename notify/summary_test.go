package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duban/notify"
)

func sampleSummary() notify.SummaryData {
	return notify.SummaryData{
		To: "zgb@example.org", Week: "2026-W48", WeekLabel: "2026年第48周", AsOf: "2026-11-23", Office: "整改办",
		Total: 12,
		Statuses: []notify.Count{
			{Key: "open", Label: "正在整改", N: 7}, {Key: "done", Label: "已完成", N: 4}, {Key: "closed", Label: "已销号", N: 1},
		},
		Lights: []notify.Count{
			{Key: "red", Label: "红灯", N: 2}, {Key: "yellow", Label: "黄灯", N: 1}, {Key: "green", Label: "绿灯", N: 3}, {Key: "blue", Label: "蓝灯", N: 1},
		},
		Red: []notify.SummaryItem{
			{Round: "2024-7", No: "一.3.(1)", Problem: "固定资产管理<不规范>", Deadline: "2026-10-31", DaysLeft: -23, LeaderName: "李某某", UnitNames: []string{"财务资产部"}},
			{Round: "2024-7", No: "二.1", Problem: "制度缺失", Deadline: "2026-11-20", DaysLeft: -3, UnitNames: []string{"办公室", "组织部"}},
		},
		Yellow:      []notify.SummaryItem{{Round: "2024-7", No: "三.2", Problem: "学习不深入", Deadline: "2026-11-27", DaysLeft: 4}},
		Duties:      []notify.SummaryDuty{{DutyName: "《三重一大事项情况报告表》", Period: "2026年10月", DueDate: "2026-11-05", DaysOverdue: 18, Missing: []string{"办公室", "工会"}}},
		Failed:      []notify.SummaryFailure{{To: "old@example.org", Subject: "【整改督办】1项已逾期", Error: "550 no such user", At: "2026-11-20 09:00", Attempts: 1}},
		FailedSince: "2026-11-16 08:00",
	}
}

func TestRenderSummary(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	subject, text, html, err := tm.RenderSummary(sampleSummary())
	if err != nil {
		t.Fatalf("RenderSummary: %v", err)
	}
	if want := "【定期调度】2026年第48周整改工作汇总：红灯2项、黄灯1项、1项定期任务未报齐、1封邮件投递失败"; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	for _, body := range []struct{ name, s string }{{"text", text}, {"html", html}} {
		for _, want := range []string{
			"2026年11月23日", "2026年第48周", "正在整改", "已销号", "红灯", "黄灯", "蓝灯",
			"一.3.(1)", "已逾期23天", "李某某", "财务资产部", "办公室、组织部", "三.2", "还剩4天",
			"《三重一大事项情况报告表》2026年10月", "2026年11月5日", "已逾期18天", "办公室、工会",
			"old@example.org", "550 no such user", "2026年11月16日 08:00", "整改办",
		} {
			if !strings.Contains(body.s, want) {
				t.Errorf("%s body lacks %q", body.name, want)
			}
		}
	}
	if !strings.Contains(text, "共12项：正在整改7项、已完成4项、已销号1项。") {
		t.Errorf("text lacks the status counts:\n%s", text)
	}
	if strings.Contains(html, "<不规范>") || !strings.Contains(html, "&lt;不规范&gt;") {
		t.Errorf("html does not escape item text")
	}
	if !strings.Contains(text, "固定资产管理<不规范>") {
		t.Errorf("text altered item text")
	}
}

func TestRenderSummaryQuietWeek(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	d := sampleSummary()
	d.Red, d.Yellow, d.Duties, d.Failed = nil, nil, nil, nil
	subject, text, html, err := tm.RenderSummary(d)
	if err != nil {
		t.Fatalf("RenderSummary: %v", err)
	}
	if subject != "【定期调度】2026年第48周整改工作汇总" {
		t.Errorf("subject = %q", subject)
	}
	for _, body := range []string{text, html} {
		if !strings.Contains(body, "已过报送期限的各期均已报齐") || strings.Count(body, "无。") != 3 {
			t.Errorf("a quiet week should say so in each section:\n%s", body)
		}
	}
}

func TestSummaryTemplatesOverridable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "summary.subject.tmpl"), []byte("【周调度】{{.Week}} {{.Total}}项"), 0o644); err != nil {
		t.Fatal(err)
	}
	tm := loadTemplates(t, dir)
	subject, text, _, err := tm.RenderSummary(sampleSummary())
	if err != nil {
		t.Fatalf("RenderSummary: %v", err)
	}
	if subject != "【周调度】2026-W48 12项" {
		t.Errorf("overridden subject = %q", subject)
	}
	if !strings.Contains(text, "一、整改事项总体情况") {
		t.Errorf("the embedded text template should still be used")
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.html.tmpl"), []byte("{{range .Red}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := notify.LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "summary.html.tmpl") {
		t.Errorf("a broken summary override: %v, want a parse error naming the file", err)
	}
}
