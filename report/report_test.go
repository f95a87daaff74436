package report

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
)

func date(t *testing.T, s string) ledger.Date {
	t.Helper()
	d, err := ledger.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testItems: two categories, one item of each status, one late, one
// long-term, and text that would be markup if it were not escaped.
func testItems(t *testing.T) []ledger.Item {
	return []ledger.Item{
		{Round: "r", No: "一.1", Seq: 1, Category: "甲方面问题", Problem: "学习不够 <深入>", Units: []string{"bgs"},
			Leader: "wang", Deadline: date(t, "2024-12-31"), Status: ledger.StatusDone, Progress: "已完成*全部*学习"},
		{Round: "r", No: "一.2", Seq: 2, Category: "甲方面问题", Problem: "建会入会不力", Units: []string{"jcb", "bgs"},
			Leader: "liu", Deadline: date(t, "2026-11-20"), Status: ledger.StatusOpen, Measures: "推动平台企业建会|入会"},
		{Round: "r", No: "二.1", Seq: 3, Category: "乙方面问题", Problem: "内部审计流于形式", Units: []string{"jsb"},
			Leader: "chen", LongTerm: true, Status: ledger.StatusOpen},
		{Round: "r", No: "二.2", Seq: 4, Category: "乙方面问题", Problem: "合同管理不严格", Units: []string{"cwb"},
			Leader: "li", Deadline: date(t, "2024-12-31"), Status: ledger.StatusClosed},
	}
}

var testNames = Names{
	Title:   TitleFor("市委第七巡察组反馈意见整改"),
	Units:   map[string]string{"bgs": "办公室", "jcb": "基层工作部", "jsb": "经费审查办公室", "cwb": "财务资产部"},
	Leaders: map[string]string{"wang": "王某某", "liu": "刘某某", "chen": "陈某某", "li": "李某某"},
}

func TestBuild(t *testing.T) {
	t.Parallel()
	n := Build(testItems(t), testNames, date(t, "2026-11-25"), 7)
	if n.Total != 4 || n.Done != 2 || n.Closed != 1 || n.Open != 2 {
		t.Errorf("totals %d/%d(%d)/%d, want 4/2(1)/2", n.Total, n.Done, n.Closed, n.Open)
	}
	if n.Title != "关于市委第七巡察组反馈意见整改进展情况的通报" {
		t.Errorf("title %q", n.Title)
	}
	if len(n.Categories) != 2 || n.Categories[0].Ordinal != "一" || n.Categories[1].Ordinal != "二" ||
		n.Categories[1].Text != "乙方面问题" || len(n.Categories[0].Problems) != 2 {
		t.Fatalf("categories %+v", n.Categories)
	}
	if len(n.Unfinished) != 2 || n.Unfinished[0].No != "一.2" || n.Unfinished[1].No != "二.1" {
		t.Fatalf("unfinished %+v", n.Unfinished)
	}
	late := n.Unfinished[0]
	if late.Light != ledger.LightRed || late.DaysOverdue != 5 || late.DeadlineNote() != "2026-11-20(已逾期5天)" ||
		late.UnitList() != "基层工作部、办公室" || late.Leader != "刘某某" {
		t.Errorf("late problem %+v, deadline %q", late, late.DeadlineNote())
	}
	if n.Unfinished[1].Deadline != "长期坚持" || n.Unfinished[1].Light != ledger.LightBlue {
		t.Errorf("long-term problem %+v", n.Unfinished[1])
	}
	want := "截至2026年11月25日，巡察反馈问题共4个，已完成整改2个(其中已销号1个)，正在整改2个。"
	if s := n.Summary(); s != want {
		t.Errorf("summary %q, want %q", s, want)
	}
	if got := n.Categories[1].Problems[1].Result; got != "已完成(已销号)" {
		t.Errorf("closed result %q", got)
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	md := Markdown(Build(testItems(t), testNames, date(t, "2026-11-25"), 7))
	for _, want := range []string{
		"# 关于市委第七巡察组反馈意见整改进展情况的通报\n",
		"| 4 | 2 | 2 |",
		"## 一、甲方面问题\n",
		"## 二、乙方面问题\n",
		`### 一.1 学习不够 \<深入\>`,
		`整改情况：已完成\*全部\*学习`,
		"整改结果：未完成(正在整改)",
		"## 尚未完成整改的问题(2个)",
		`| 一.2 | 建会入会不力 | 基层工作部、办公室 | 刘某某 | 2026-11-20(已逾期5天) | 推动平台企业建会\|入会 |`,
		"| 二.1 | 内部审计流于形式 | 经费审查办公室 | 陈某某 | 长期坚持 | — |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	t.Parallel()
	items := testItems(t)
	items[0].Problem = `<script>alert(1)</script>`
	h, err := HTML(Build(items, testNames, date(t, "2026-11-25"), 7))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "<script>") {
		t.Fatalf("ledger text not escaped:\n%s", h)
	}
	for _, want := range []string{
		"<title>关于市委第七巡察组反馈意见整改进展情况的通报</title>",
		"<h2>一、甲方面问题</h2>",
		"&lt;script&gt;",
		`<td class="overdue">2026-11-20(已逾期5天)</td>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

func TestXLSX(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Build(testItems(t), testNames, date(t, "2026-11-25"), 7)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != xlsxHeaderRow+4 {
		t.Fatalf("%d rows, want title, totals, header and 4 items", len(rows))
	}
	if rows[0][0] != testNames.Title || !strings.Contains(rows[1][0], "共4个") || rows[2][1] != "编号" {
		t.Errorf("head rows %q", rows[:3])
	}
	late := rows[xlsxFirstRow] // the second item, 一.2
	if late[1] != "一.2" || late[7] != "2026-11-20(已逾期5天)" || late[10] != "红灯" {
		t.Errorf("row of 一.2: %q", late)
	}
	// The light is the cell's fill colour.
	lightCol, _ := excelize.ColumnNumberToName(len(xlsxColumns))
	styleID, err := f.GetCellStyle(sheetName, lightCol+"5")
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(styleID)
	if err != nil {
		t.Fatal(err)
	}
	if len(style.Fill.Color) != 1 || !strings.EqualFold(style.Fill.Color[0], lightFills[ledger.LightRed]) {
		t.Errorf("light cell fill %+v, want %s", style.Fill, lightFills[ledger.LightRed])
	}
	layout, err := f.GetPageLayout(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	if layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
		t.Errorf("page layout %+v, want landscape fitted to one page wide", layout)
	}
}

func TestChineseNumeral(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{1: "一", 4: "四", 10: "十", 11: "十一", 20: "二十", 35: "三十五"} {
		if got := ChineseNumeral(n); got != want {
			t.Errorf("ChineseNumeral(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWriteAndNewNames(t *testing.T) {
	t.Parallel()
	names := NewNames("市委第七巡察组反馈意见整改",
		[]ledger.Unit{{Code: "bgs", Name: "办公室"}, {Code: "jcb", Name: "基层工作部"}, {Code: "jsb", Name: "经费审查办公室"}, {Code: "cwb", Name: "财务资产部"}},
		[]ledger.Leader{{Code: "wang", Name: "王某某"}, {Code: "liu", Name: "刘某某"}, {Code: "chen", Name: "陈某某"}, {Code: "li", Name: "李某某"}})
	if !reflect.DeepEqual(names, testNames) {
		t.Errorf("NewNames = %+v, want %+v", names, testNames)
	}
	n := Build(testItems(t), names, date(t, "2026-11-25"), 7)
	for format, prefix := range map[string]string{FormatMarkdown: "# 关于", FormatHTML: "<!DOCTYPE html>", FormatXLSX: "PK"} {
		var b strings.Builder
		if err := Write(&b, n, format); err != nil || !strings.HasPrefix(b.String(), prefix) {
			t.Errorf("Write %s: %v, output starts %q, want %q", format, err, b.String()[:min(20, b.Len())], prefix)
		}
	}
	if err := Write(io.Discard, n, "pdf"); err == nil {
		t.Error("Write pdf: no error")
	}
}

// Ledger text that looks like a formula is a text cell of the workbook,
// never a formula Excel would run.
func TestXLSXCellsAreTextNeverFormulas(t *testing.T) {
	t.Parallel()
	items := testItems(t)
	items[0].Problem = `=HYPERLINK("http://x.example","点击")`
	items[0].Measures = "+1"
	items[0].Progress = "@SUM(A1)"
	items[1].Measures = "-认真整改"
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Build(items, testNames, date(t, "2026-11-25"), 7)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheetName)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
			formula, err := f.GetCellFormula(sheetName, cell)
			if err != nil || formula != "" {
				t.Errorf("%s (%q) holds the formula %q, %v", cell, v, formula, err)
			}
		}
	}
	first := rows[xlsxFirstRow-1]
	for col, want := range map[int]string{3: items[0].Problem, 4: "+1", 8: "@SUM(A1)"} {
		cell, _ := excelize.CoordinatesToCellName(col+1, xlsxFirstRow)
		typ, err := f.GetCellType(sheetName, cell)
		if err != nil || first[col] != want || (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) {
			t.Errorf("%s = %q of type %v, want the text %q", cell, first[col], typ, want)
		}
	}
}
