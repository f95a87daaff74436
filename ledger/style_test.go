package ledger

import "testing"

func TestFullWidthPunct(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"根据市委统一部署,2024年4月9日至6月28日,市委第七巡察组开展巡察。", "根据市委统一部署，2024年4月9日至6月28日，市委第七巡察组开展巡察。"},
		{"(1)理论学习不够深入", "（1）理论学习不够深入"},
		{"山东(济南)专场;组织职工参加", "山东（济南）专场；组织职工参加"},
		{"电话: 0531-51702650", "电话：0531-51702650"},
		{"组织部(250099)", "组织部（250099）"},
		{"“两个确立”,坚决做到", "“两个确立”，坚决做到"},
		{"(已尝试3次)", "（已尝试3次）"},
		// Not Chinese: numbers, times, addresses, code.
		{"1,000 and 09:30", "1,000 and 09:30"},
		{"https://duban.example.org/items?x=(1)", "https://duban.example.org/items?x=(1)"},
		{"f(x); g(y)", "f(x); g(y)"},
		{"jnszghzzb@jn.shandong.cn", "jnszghzzb@jn.shandong.cn"},
		{"未配对(括号", "未配对（括号"},
		{"", ""},
	} {
		if got := FullWidthPunct(tt.in); got != tt.want {
			t.Errorf("FullWidthPunct(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDateLabels(t *testing.T) {
	t.Parallel()
	if got := NewDate(2025, 3, 14).Label(); got != "2025年3月14日" {
		t.Errorf("Label = %q", got)
	}
	if got := (Date{}).Label(); got != "" {
		t.Errorf("zero Label = %q", got)
	}
	for in, want := range map[string]string{
		"2025-06-16":       "2025年6月16日",
		"2026-11-16 08:00": "2026年11月16日 08:00",
		"2025年6月16日":       "2025年6月16日",
		"长期坚持":             "长期坚持",
		"":                 "",
		"2025-6-1":         "2025-6-1",
	} {
		if got := DateLabel(in); got != want {
			t.Errorf("DateLabel(%q) = %q, want %q", in, got, want)
		}
	}
	if got := (Leader{Name: "王某某", Title: "党组书记、主席"}).Address(); got != "党组书记、主席王某某" {
		t.Errorf("Address = %q", got)
	}
	if got := (Leader{Name: "王某某"}).Address(); got != "王某某" {
		t.Errorf("Address without title = %q", got)
	}
}

func TestFullWidthPunctAfterBrackets(t *testing.T) {
	t.Parallel()
	if got := FullWidthPunct("CSV 格式错误(文件第 3 行): x"); got != "CSV 格式错误（文件第 3 行）：x" {
		t.Errorf("got %q", got)
	}
}

func TestDocumentName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"三重一大事项情况报告表":   "《三重一大事项情况报告表》",
		"《三重一大事项情况报告表》": "《三重一大事项情况报告表》",
		"月度工作报告":        "《月度工作报告》",
		"年度廉政谈话":        "年度廉政谈话",
		"“三会一课”落实情况":    "“三会一课”落实情况",
		"全面从严治党专题党组会议":  "全面从严治党专题党组会议",
		" 党费收支情况公示 ":    "党费收支情况公示",
	} {
		if got := DocumentName(in); got != want {
			t.Errorf("DocumentName(%q) = %q, want %q", in, got, want)
		}
	}
}
