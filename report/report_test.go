package report

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
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
		{Round: "r", No: "一.1", Seq: 1, Category: "甲方面问题", SubCategory: "关于学习问题", Problem: "学习不够 <深入>", Units: []string{"bgs"},
			Leader: "wang", Deadline: date(t, "2024-12-31"), Status: ledger.StatusDone, Progress: "已完成*全部*学习"},
		{Round: "r", No: "一.2", Seq: 2, Category: "甲方面问题", SubCategory: "关于学习问题", Problem: "建会入会不力", Units: []string{"jcb", "bgs"},
			Leader: "liu", Deadline: date(t, "2026-11-20"), Status: ledger.StatusOpen, Measures: "推动平台企业建会|入会"},
		{Round: "r", No: "二.1", Seq: 3, Category: "乙方面问题", Problem: "内部审计流于形式", Units: []string{"jsb"},
			Leader: "chen", LongTerm: true, Status: ledger.StatusOpen},
		{Round: "r", No: "二.2", Seq: 4, Category: "乙方面问题", Problem: "合同管理不严格", Units: []string{"cwb"},
			Leader: "li", Deadline: date(t, "2024-12-31"), Status: ledger.StatusClosed},
	}
}

var testTexts = Texts{
	Issuer:       "中共某某党组",
	Title:        "{issuer} 关于{round}集中整改进展情况的通报",
	Opening:      []string{"根据统一部署,现将{round}整改进展情况予以通报。"},
	Organisation: []string{"党组高度重视。", "主要负责同志亲自督办。"},
	NextSteps:    []string{"下一步,继续抓好整改。"},
	Closing:      []string{"欢迎监督。"},
	Contacts:     []string{"电话:0531-12345678"},
}

var testNames = Names{
	Round:   "市委第五轮巡察",
	Texts:   testTexts,
	Units:   map[string]string{"bgs": "办公室", "jcb": "基层工作部", "jsb": "经费审查办公室", "cwb": "财务资产部"},
	Leaders: map[string]string{"wang": "王某某", "liu": "刘某某", "chen": "陈某某", "li": "李某某"},
}

func TestBuild(t *testing.T) {
	t.Parallel()
	n := Build(testItems(t), nil, testNames, date(t, "2026-11-25"), 7)
	if n.Total != 4 || n.Done != 2 || n.Closed != 1 || n.Open != 2 {
		t.Errorf("totals %d/%d(%d)/%d, want 4/2(1)/2", n.Total, n.Done, n.Closed, n.Open)
	}
	// The placeholders are filled, the punctuation is the house style's.
	if n.Title != "中共某某党组 关于市委第五轮巡察集中整改进展情况的通报" || n.Issuer != "中共某某党组" ||
		!slices.Equal(n.Opening, []string{"根据统一部署，现将市委第五轮巡察整改进展情况予以通报。"}) ||
		!slices.Equal(n.Contacts, []string{"电话：0531-12345678"}) || n.DateText() != "2026年11月25日" {
		t.Errorf("office's texts: title %q issuer %q opening %q contacts %q date %q", n.Title, n.Issuer, n.Opening, n.Contacts, n.DateText())
	}
	var sections []string
	for _, s := range n.Sections {
		sections = append(sections, fmt.Sprintf("%s、%s %d %v", s.Ordinal, s.Heading, len(s.Paragraphs), s.Progress))
	}
	if want := []string{"一、组织整改落实情况 2 false", "二、巡察反馈意见整改进展情况 0 true", "三、下一步整改工作安排 1 false"}; !slices.Equal(sections, want) {
		t.Errorf("sections %q, want %q", sections, want)
	}
	if len(n.Categories) != 2 || n.Categories[0].Ordinal != "一" || n.Categories[1].Ordinal != "二" ||
		n.Categories[1].Text != "乙方面问题" || len(n.Categories[0].Problems()) != 2 {
		t.Fatalf("categories %+v", n.Categories)
	}
	// 甲: one sub-category of two problems, numbered （1） （2）; 乙: two
	// problems without one, each a group of its own.
	var groups []string
	for _, c := range n.Categories {
		for _, g := range c.Groups {
			var ps []string
			for _, p := range g.Problems {
				ps = append(ps, p.Heading())
			}
			groups = append(groups, fmt.Sprintf("%d.%s alone=%v %q", g.Number, g.Text, g.Alone, ps))
		}
	}
	if want := []string{
		`1.关于学习问题 alone=false ["（1）学习不够 <深入>" "（2）建会入会不力"]`,
		`1.内部审计流于形式 alone=true ["内部审计流于形式"]`,
		`2.合同管理不严格 alone=true ["合同管理不严格"]`,
	}; !slices.Equal(groups, want) {
		t.Errorf("groups\n%q\nwant\n%q", groups, want)
	}
	if len(n.Unfinished) != 2 || n.Unfinished[0].No != "一.2" || n.Unfinished[1].No != "二.1" {
		t.Fatalf("unfinished %+v", n.Unfinished)
	}
	late := n.Unfinished[0]
	if late.Light != ledger.LightRed || late.DaysOverdue != 5 || late.DeadlineNote() != "2026年11月20日（已逾期5天）" ||
		late.UnitList() != "基层工作部、办公室" || late.Leader != "刘某某" {
		t.Errorf("late problem %+v, deadline %q", late, late.DeadlineNote())
	}
	if p := n.Unfinished[1]; p.DeadlineText() != "长期坚持" || p.Light != ledger.LightBlue {
		t.Errorf("long-term problem %+v", p)
	}
	want := "截至2026年11月25日，巡察反馈问题共4个，已完成整改2个（其中已销号1个），正在整改2个。"
	if s := n.Summary(); s != want {
		t.Errorf("summary %q, want %q", s, want)
	}
	if got := n.Categories[1].Problems()[1].Result; got != "已完成（已销号）" {
		t.Errorf("closed result %q", got)
	}
}

// Without texts of the office's own, the notice is the ledger's section
// alone, under the default title; all done, the totals say so.
func TestBuildWithoutTexts(t *testing.T) {
	t.Parallel()
	items := testItems(t)[:1]
	n := Build(items, nil, Names{Round: "第三轮巡察"}, date(t, "2026-11-25"), 7)
	if n.Title != "关于第三轮巡察整改进展情况的通报" || len(n.Sections) != 1 || n.Sections[0].Ordinal != "一" ||
		n.Sections[0].Heading != DefaultProgressHeading || n.Issuer != "" {
		t.Errorf("notice %+v", n)
	}
	if got := n.Summary(); got != "截至2026年11月25日，巡察反馈问题共1个，已全部完成整改。" {
		t.Errorf("summary %q", got)
	}
	md := Markdown(n)
	if strings.Contains(md, "附件") {
		t.Errorf("a notice with nothing open has an attachment:\n%s", md)
	}
}

func TestMarkdown(t *testing.T) {
	t.Parallel()
	md := Markdown(Build(testItems(t), nil, testNames, date(t, "2026-11-25"), 7))
	var headings []string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "#") {
			headings = append(headings, line)
		}
	}
	want := []string{
		"# 中共某某党组 关于市委第五轮巡察集中整改进展情况的通报",
		"## 一、组织整改落实情况",
		"## 二、巡察反馈意见整改进展情况",
		"### （一）甲方面问题",
		"#### 1.关于学习问题",
		`##### （1）学习不够 \<深入\>`,
		"##### （2）建会入会不力",
		"### （二）乙方面问题",
		"#### 1.内部审计流于形式",
		"#### 2.合同管理不严格",
		"## 三、下一步整改工作安排",
		"## 尚未完成整改的问题清单",
	}
	if !slices.Equal(headings, want) {
		t.Errorf("headings\n%s\nwant\n%s", strings.Join(headings, "\n"), strings.Join(want, "\n"))
	}
	for _, want := range []string{
		"根据统一部署，现将市委第五轮巡察整改进展情况予以通报。\n",
		`整改情况：已完成\*全部\*学习`,
		"整改结果：未完成（正在整改）\n",
		"截至2026年11月25日，巡察反馈问题共4个",
		"\n欢迎监督。\n\n电话：0531-12345678\n\n附件：尚未完成整改的问题清单\n\n中共某某党组\n\n2026年11月25日\n",
		"| 编号 | 问题 | 责任部门 | 责任领导 | 完成时限 |",
		`| 一.2 | 建会入会不力 | 基层工作部、办公室 | 刘某某 | 2026年11月20日（已逾期5天） |`,
		"| 二.1 | 内部审计流于形式 | 经费审查办公室 | 陈某某 | 长期坚持 |",
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
	h, err := HTML(Build(items, nil, testNames, date(t, "2026-11-25"), 7))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "<script>") {
		t.Fatalf("ledger text not escaped:\n%s", h)
	}
	for _, want := range []string{
		"<title>中共某某党组 关于市委第五轮巡察集中整改进展情况的通报</title>",
		"<h1>中共某某党组<br>关于市委第五轮巡察集中整改进展情况的通报</h1>",
		"<h2>二、巡察反馈意见整改进展情况</h2>",
		"<h3>（一）甲方面问题</h3>",
		"<h4>1.关于学习问题</h4>",
		"<h5>（1）&lt;script&gt;alert(1)&lt;/script&gt;</h5>",
		`<p class="issuer">中共某某党组</p>`,
		`<p class="date">2026年11月25日</p>`,
		"<td>2026年11月20日（已逾期5天）</td>",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

func TestXLSX(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Build(testItems(t), nil, testNames, date(t, "2026-11-25"), 7)); err != nil {
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
	if rows[0][0] != "中共某某党组 关于市委第五轮巡察集中整改进展情况的通报" || !strings.Contains(rows[1][0], "共4个") || rows[2][1] != "编号" {
		t.Errorf("head rows %q", rows[:3])
	}
	late := rows[xlsxFirstRow] // the second item, 一.2
	if late[1] != "一.2" || late[2] != "（一）甲方面问题" || late[3] != "关于学习问题" || late[8] != "2026年11月20日（已逾期5天）" || late[11] != "红灯" {
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
	names := NewNames("市委第五轮巡察", testTexts,
		[]ledger.Unit{{Code: "bgs", Name: "办公室"}, {Code: "jcb", Name: "基层工作部"}, {Code: "jsb", Name: "经费审查办公室"}, {Code: "cwb", Name: "财务资产部"}},
		[]ledger.Leader{{Code: "wang", Name: "王某某"}, {Code: "liu", Name: "刘某某"}, {Code: "chen", Name: "陈某某"}, {Code: "li", Name: "李某某"}})
	if !reflect.DeepEqual(names, testNames) {
		t.Errorf("NewNames = %+v, want %+v", names, testNames)
	}
	n := Build(testItems(t), nil, names, date(t, "2026-11-25"), 7)
	for format, prefix := range map[string]string{FormatMarkdown: "# 中共某某党组 关于", FormatHTML: "<!DOCTYPE html>", FormatXLSX: "PK", FormatDOCX: "PK"} {
		var b strings.Builder
		if err := Write(&b, n, format); err != nil || !strings.HasPrefix(b.String(), prefix) {
			t.Errorf("Write %s: %v, output starts %q, want %q", format, err, b.String()[:min(20, b.Len())], prefix)
		}
	}
	if err := Write(io.Discard, n, "pdf"); err == nil {
		t.Error("Write pdf: no error")
	}
}

// As of a day, an item done later is still being rectified; one whose
// completion day is unknown counts from the day duban saw it done, and the
// notice names it.
func TestBuildAsOf(t *testing.T) {
	t.Parallel()
	items := testItems(t)
	items[0].CompletedOn = date(t, "2026-11-10")                                     // 一.1 done, day known
	items[3].CompletedOn, items[3].DoneSeenOn = ledger.Date{}, date(t, "2026-11-20") // 二.2 closed, day unknown
	for _, tt := range []struct {
		asOf             string
		done, open       int
		unfinished, note string
	}{
		{"2026-11-25", 2, 2, "一.2 二.1", "注：二.2共1个问题的完成日期未登记，按登记完成日期统计。"},
		{"2026-11-15", 1, 3, "一.2 二.1 二.2", ""},
		{"2026-11-05", 0, 4, "一.1 一.2 二.1 二.2", ""},
	} {
		n := Build(items, nil, testNames, date(t, tt.asOf), 7)
		var unfinished []string
		for _, p := range n.Unfinished {
			unfinished = append(unfinished, p.No)
		}
		if n.Done != tt.done || n.Open != tt.open || strings.Join(unfinished, " ") != tt.unfinished {
			t.Errorf("as of %s: done %d open %d unfinished %q, want %d %d %q",
				tt.asOf, n.Done, n.Open, unfinished, tt.done, tt.open, tt.unfinished)
		}
		if got := n.UnknownText(); got != tt.note {
			t.Errorf("as of %s: unknown-day note %q, want %q", tt.asOf, got, tt.note)
		}
		md := Markdown(n)
		if tt.note != "" && !strings.Contains(md, tt.note) {
			t.Errorf("as of %s: markdown lacks the note %q:\n%s", tt.asOf, tt.note, md)
		}
	}
	// Before its deadline passed and before it was done, 一.1 was red as of
	// 2025-01-05, a problem of that day.
	n := Build(items, nil, testNames, date(t, "2025-01-05"), 7)
	if p := n.Unfinished[0]; p.No != "一.1" || p.Light != ledger.LightRed || p.DaysOverdue != 5 {
		t.Errorf("as of 2025-01-05, 一.1 = %+v, want red, 5 days overdue", p)
	}
}

// The notice prints 整改情况, then the latest notes given.
func TestNotes(t *testing.T) {
	t.Parallel()
	notes := map[string][]ledger.Event{"一.2": {
		{Kind: ledger.EventProgress, On: date(t, "2026-11-20"), Note: "已召开推进会"},
		{Kind: ledger.EventProgress, On: date(t, "2026-11-24"), Note: "完成 3 家企业\n建会"},
	}}
	items := testItems(t)
	items[1].Progress = "台账中的整改情况"
	n := Build(items, notes, testNames, date(t, "2026-11-25"), 7)
	md := Markdown(n)
	want := "整改情况：台账中的整改情况\n\n最新进展：2026年11月20日 已召开推进会；2026年11月24日 完成 3 家企业 建会\n"
	if !strings.Contains(md, want) {
		t.Errorf("markdown lacks %q:\n%s", want, md)
	}
	h, err := HTML(n)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "<p>最新进展：2026年11月20日 已召开推进会；2026年11月24日 完成 3 家企业 建会</p>") {
		t.Errorf("html lacks the notes:\n%s", h)
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
	if err := WriteXLSX(&buf, Build(items, nil, testNames, date(t, "2026-11-25"), 7)); err != nil {
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
	// (The house style makes the brackets around Chinese full-width.)
	for col, want := range map[int]string{4: ledger.FullWidthPunct(items[0].Problem), 5: "+1", 9: "@SUM(A1)"} {
		cell, _ := excelize.CoordinatesToCellName(col+1, xlsxFirstRow)
		typ, err := f.GetCellType(sheetName, cell)
		if err != nil || first[col] != want || (typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) {
			t.Errorf("%s = %q of type %v, want the text %q", cell, first[col], typ, want)
		}
	}
}
