package notify_test

import (
	"strings"
	"testing"

	"duban/notify"
)

func TestRenderDecision(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	d := notify.DecisionData{
		ToName: "财务资产部", Kind: "申请销号", What: "一.3.(1) 固定资产管理不规范", FiledOn: "2025-06-12",
		Body: `已完成清查 <script>alert(1)</script>`, Approved: false, Note: "请补充盘点表", Office: "整改办",
		Outcome: "该事项仍为正在整改,请根据审核意见补充后重新申请。", Contact: "电话 0531-12345678",
	}
	subject, text, html, err := tm.RenderDecision(d)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "【审核结果】申请销号已退回：一.3.(1) 固定资产管理不规范" {
		t.Errorf("subject = %q", subject)
	}
	for _, want := range []string{"财务资产部：", "于2025年6月12日", "予以退回", "审核意见：请补充盘点表", "重新申请", "联系方式：电话 0531-12345678"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;") {
		t.Error("the unit's text is not escaped in the HTML body")
	}
	d.Approved, d.Link = true, "https://duban.example.org/u/x.0.1.sig"
	_, md, err := tm.RenderDecisionMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md, "予以通过") || !strings.Contains(md, "(https://duban.example.org/u/x.0.1.sig)") || strings.Contains(md, "<script>") {
		t.Errorf("markdown:\n%s", md)
	}
}
