package sheet

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"duban/ledger"
)

// sampleRows are three data rows by field, with a blank row between the
// first and the second, exercising trimming, several units with a duplicate,
// codes instead of names, and both ways of saying 长期坚持.
func sampleRows() []map[field]string {
	return []map[field]string{
		{
			fieldNo: " 一.1.（1） ", fieldCategory: "关于政治站位方面问题", fieldProblem: "理论学习不够深入",
			fieldMeasures: "一是完成学习专题;\r\n二是专题学习", fieldLeader: "王某某",
			fieldUnits: "宣传教育部、办公室，宣传教育部", fieldDeadline: "2024年12月底", fieldStatus: "已完成",
			fieldProgress: "\u3000截至12月31日已完成全部学习专题。\u3000",
		},
		nil, // a blank row
		{
			fieldNo: "二.3.(3)", fieldProblem: "内部审计流于形式", fieldUnits: "cwb",
			fieldDeadline: "长期坚持", fieldStatus: "未完成（正在整改）",
		},
		{
			fieldNo: "三.1", fieldProblem: "“三重一大”事项把关不严", fieldLeader: "li", fieldUnits: "办公室; 组织部",
			fieldDeadline: "2025-03-31", fieldStatus: "长期坚持",
		},
	}
}

func sampleItems() []ledger.Item {
	return []ledger.Item{
		{
			Round: "2024-7", No: "一.1.(1)", Seq: 1, Category: "关于政治站位方面问题", Problem: "理论学习不够深入",
			Measures: "一是完成学习专题;\n二是专题学习", Units: []string{"xjb", "bgs"}, Leader: "wang",
			Deadline: ledger.NewDate(2024, 12, 31), Status: ledger.StatusDone,
			Progress: "截至12月31日已完成全部学习专题。",
		},
		{
			Round: "2024-7", No: "二.3.(3)", Seq: 2, Problem: "内部审计流于形式", Units: []string{"cwb"},
			LongTerm: true, Status: ledger.StatusOpen,
		},
		{
			Round: "2024-7", No: "三.1", Seq: 3, Problem: "“三重一大”事项把关不严", Units: []string{"bgs", "zzb"},
			Leader: "li", LongTerm: true, Status: ledger.StatusOpen, // status 长期坚持 wins over the date
		},
	}
}

// sampleCSV lays the sample rows out under header, whose cells name fields.
func sampleCSV(t testing.TB, header []string) string {
	t.Helper()
	rows := [][]string{header}
	for _, r := range sampleRows() {
		row := make([]string, len(header))
		for i, h := range header {
			if f, _, ok := matchHeader(h); ok {
				row[i] = r[f]
			}
		}
		rows = append(rows, row)
	}
	return csvOf(t, rows...)
}

var standardHeader = []string{"编号", "问题类别", "问题", "整改措施", "责任领导", "责任部门", "完成时限", "整改状态", "整改情况"}

func TestReadCSVHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header []string
	}{
		{"chinese", standardHeader},
		{"english shuffled", []string{"status", "no", "units", "deadline", "problem", "leader", "category", "progress", "measures"}},
		{"english upper case", []string{"No", "Category", "Problem", "Measures", "Leader", "Units", "Deadline", "Status", "Progress"}},
		{"chinese shuffled with spaces", []string{"\u3000整改状态", "完成时限 ", " 责任部门", "编号", "问题", "整改情况", "整改措施", "责任领导", "问题类别"}},
		{"synonyms and an unknown column", []string{"序号", "类别", "问题描述", "备注", "分管领导", "责任处室", "整改时限", "整改结果", "进展情况", "整改措施"}},
		{"other synonyms", []string{"具体问题", "序号", "责任单位", "整改时限", "状态", "类别", "整改措施", "分管领导", "进展情况"}},
		{"mixed languages", []string{"no", "问题类别", "problem", "整改措施", "leader", "责任部门", "deadline", "整改状态", "progress"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := readCSVText(t, sampleCSV(t, tt.header))
			if err != nil {
				t.Fatal(err)
			}
			if want := sampleItems(); !reflect.DeepEqual(items, want) {
				t.Errorf("got\n%s\nwant\n%s", describeItems(items), describeItems(want))
			}
		})
	}
}

// A canonical name beats synonyms, even several of them: many ledgers
// carry a running 序号 next to the 编号.
func TestReadCSVCanonicalBeatsSynonym(t *testing.T) {
	t.Parallel()
	text := csvOf(t,
		[]string{"序号", "编号", "问题描述", "问题", "具体问题", "责任部门", "完成时限", "整改状态"},
		[]string{"1", "一.1.(1)", "详细描述", "理论学习不够深入", "具体", "办公室", "2024-12-31", "已完成"},
	)
	items, err := readCSVText(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].No != "一.1.(1)" || items[0].Problem != "理论学习不够深入" {
		t.Errorf("got %s", describeItems(items))
	}
}

func TestReadCSVEncodings(t *testing.T) {
	t.Parallel()
	text := sampleCSV(t, standardHeader)
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(strings.ReplaceAll(text, "\r\n", "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if gb == text {
		t.Fatal("the GB18030 encoding of the sample is its UTF-8: the test proves nothing")
	}
	tests := []struct {
		name string
		data string
	}{
		{"utf-8", text},
		{"utf-8 with bom", "\xEF\xBB\xBF" + text},
		{"utf-8 with lf", strings.ReplaceAll(text, "\r\n", "\n")},
		{"gb18030", gb},
		{"gb18030 with bom", "\x84\x31\x95\x33" + gb},
		{"gbk", gbk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := readCSVText(t, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if want := sampleItems(); !reflect.DeepEqual(items, want) {
				t.Errorf("got\n%s\nwant\n%s", describeItems(items), describeItems(want))
			}
		})
	}
}

func TestReadCSVDeadlinesAndStatuses(t *testing.T) {
	t.Parallel()
	d := ledger.NewDate
	tests := []struct {
		deadline, status string
		want             ledger.Date
		longTerm         bool
		st               ledger.Status
	}{
		{"2024-12-31", "已完成", d(2024, 12, 31), false, ledger.StatusDone},
		{"2024/12/31", "已销号", d(2024, 12, 31), false, ledger.StatusClosed},
		{"2024.12.31", "未完成", d(2024, 12, 31), false, ledger.StatusOpen},
		{"2024年12月31日", "正在整改", d(2024, 12, 31), false, ledger.StatusOpen},
		{"2024年12月底", "整改中", d(2024, 12, 31), false, ledger.StatusOpen},
		{"2025年2月", "未完成(正在整改)", d(2025, 2, 28), false, ledger.StatusOpen},
		{"2024年6月底", "未完成（正在整改）", d(2024, 6, 30), false, ledger.StatusOpen},
		{"长期坚持", "未完成(正在整改)", ledger.Date{}, true, ledger.StatusOpen},
		{"长期坚持", "已完成", ledger.Date{}, true, ledger.StatusDone},
		{"", "长期坚持", ledger.Date{}, true, ledger.StatusOpen},
		{"2024-12-31", "长期坚持", ledger.Date{}, true, ledger.StatusOpen},
		{"2024-12-31", "open", d(2024, 12, 31), false, ledger.StatusOpen},
		{"2024-12-31", "done", d(2024, 12, 31), false, ledger.StatusDone},
		{"2024-12-31", "closed", d(2024, 12, 31), false, ledger.StatusClosed},
	}
	for _, tt := range tests {
		t.Run(tt.deadline+" "+tt.status, func(t *testing.T) {
			t.Parallel()
			items, err := readCSVText(t, csvOf(t,
				[]string{"编号", "问题", "责任部门", "完成时限", "整改状态"},
				[]string{"一.1.(1)", "理论学习不够深入", "办公室", tt.deadline, tt.status},
			))
			if err != nil {
				t.Fatal(err)
			}
			it := items[0]
			if !it.Deadline.Equal(tt.want) || it.LongTerm != tt.longTerm || it.Status != tt.st {
				t.Errorf("got deadline %v long-term %v status %s; want %v %v %s",
					it.Deadline, it.LongTerm, it.Status, tt.want, tt.longTerm, tt.st)
			}
		})
	}
}

// Every bad cell of every bad row is reported, in row then column order,
// with the row number Excel shows (blank lines and cells spanning lines
// included), the header as written and the value.
func TestReadCSVReportsEveryBadRow(t *testing.T) {
	t.Parallel()
	header := "编号,问题类别,问题,整改措施,责任领导, 责任部门 ,完成时限,整改状态,整改情况\r\n"
	text := header +
		"一.1.(1),类别,理论学习不够深入,措施,王某某,办公室,2024-12-31,已完成,\r\n" + // 2: good
		",类别,,措施,王某某,办公室,2024-12-31,已完成,\r\n" + // 3
		"一.1.(1),类别,\"问题\n跨两行\",措施,,\"办公室、宣传部\",2024-12-31,已完成,\r\n" + // 4 (lines 4-5)
		"\r\n" + // 5: a blank line is an empty row in Excel
		"一.1.(3),类别,问题,措施,,组织部,2024-13-01,完成了,\r\n" + // 6
		",,,,,,,,\r\n" + // 7: empty cells only
		"一.2.(1),类别,问题,措施,孙某某,,,,\r\n" + // 8
		"\"三.\n1\",类别,问题,措施,\"王某某、李某某\",办公室,长期坚持,未完成,\r\n" + // 9 (lines 10-11)
		"三.2.(1),类别,问题,措施,,\"办公室\n组织部\",2024年12月底,已完成,\"情况\x00\"\r\n" // 10
	_, err := readCSVText(t, text)
	ie := importErr(t, err)
	want := []RowError{
		{Row: 3, Column: "编号", Reason: "缺少编号"},
		{Row: 3, Column: "问题", Reason: "缺少问题"},
		{Row: 4, Column: "编号", Value: "一.1.(1)", Reason: "编号重复（与第2行）"},
		{Row: 4, Column: "责任部门", Value: "宣传部", Reason: "未知的责任部门"},
		{Row: 6, Column: "完成时限", Value: "2024-13-01", Reason: "日期无效"},
		{Row: 6, Column: "整改状态", Value: "完成了", Reason: "无法识别的整改状态"},
		{Row: 8, Column: "责任领导", Value: "孙某某", Reason: "未知的责任领导"},
		{Row: 8, Column: "责任部门", Reason: "缺少责任部门"},
		{Row: 8, Column: "完成时限", Reason: "缺少完成时限"},
		{Row: 8, Column: "整改状态", Reason: "缺少整改状态"},
		{Row: 9, Column: "编号", Value: "三.\n1", Reason: "编号不能包含换行或控制字符"},
		{Row: 9, Column: "责任领导", Value: "王某某、李某某", Reason: "只能填写一名责任领导"},
		{Row: 10, Column: "责任部门", Value: "办公室\n组织部", Reason: "责任部门不能包含换行或控制字符"},
		{Row: 10, Column: "整改情况", Value: "情况\x00", Reason: "包含不可见的控制字符"},
	}
	if !reflect.DeepEqual(ie.Rows, want) {
		t.Errorf("rows:\n%#v\nwant\n%#v", ie.Rows, want)
	}
	wantText := `ledger.csv：第3行 编号：缺少编号
ledger.csv：第3行 问题：缺少问题
ledger.csv：第4行 编号 "一.1.(1)"：编号重复（与第2行）
ledger.csv：第4行 责任部门 "宣传部"：未知的责任部门
ledger.csv：第6行 完成时限 "2024-13-01"：日期无效
ledger.csv：第6行 整改状态 "完成了"：无法识别的整改状态
ledger.csv：第8行 责任领导 "孙某某"：未知的责任领导
ledger.csv：第8行 责任部门：缺少责任部门
ledger.csv：第8行 完成时限：缺少完成时限
ledger.csv：第8行 整改状态：缺少整改状态
ledger.csv：第9行 编号 "三.\n1"：编号不能包含换行或控制字符
ledger.csv：第9行 责任领导 "王某某、李某某"：只能填写一名责任领导
ledger.csv：第10行 责任部门 "办公室\n组织部"：责任部门不能包含换行或控制字符
ledger.csv：第10行 整改情况 "情况\x00"：包含不可见的控制字符`
	if got := err.Error(); got != wantText {
		t.Errorf("Error():\n%s\nwant\n%s", got, wantText)
	}
}

func TestReadCSVFileErrors(t *testing.T) {
	t.Parallel()
	good := "一.1.(1),理论学习不够深入,办公室,2024-12-31,已完成\r\n"
	hdr := "编号,问题,责任部门,完成时限,整改状态\r\n"
	long := strings.Repeat("长", MaxCellChars+1)
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "ledger.csv：没有数据行"},
		{"blank lines and empty cells", "\r\n\r\n,,,\r\n", "ledger.csv：没有数据行"},
		{"only a bom", "\xEF\xBB\xBF", "ledger.csv：没有数据行"},
		{"header only", hdr, "ledger.csv：没有数据行"},
		{"header and blank rows", hdr + ",,,,\r\n\r\n", "ledger.csv：没有数据行"},
		{
			"missing columns",
			"序号,问题,整改措施,责任单位,备注\r\n1,问题,措施,办公室,\r\n",
			"ledger.csv：第1行：缺少必需的列：完成时限（deadline）、整改状态（status）；表头中的列：序号、问题、整改措施、责任单位、备注",
		},
		{
			"no header at all",
			good + good,
			"ledger.csv：第1行：缺少必需的列：编号（no）、问题（problem）、责任部门（units）、完成时限（deadline）、整改状态（status）；表头中的列：一.1.(1)、理论学习不够深入、办公室、2024-12-31、已完成",
		},
		{
			"a repeated column",
			"编号,问题,责任部门,问题,完成时限,整改状态\r\n" + good,
			`ledger.csv：第1行 问题：列重复：与 B 列 "问题" 是同一列`,
		},
		{
			"two synonyms of one column",
			"编号,问题描述,具体问题,责任部门,完成时限,整改状态\r\n" + good,
			`ledger.csv：第1行 具体问题：列重复：与 B 列 "问题描述" 是同一列`,
		},
		{"xls content", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "ledger.csv：" + msgXLS},
		{"xlsx content", "PK\x03\x04rest", "ledger.csv：文件内容是 Excel 工作簿而不是 CSV，请将扩展名改为 .xlsx 后再导入"},
		{"utf-16", "\xFF\xFE\x16\x7f", "ledger.csv：不支持 UTF-16 编码的文本文件，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入"},
		{
			"oversize cell",
			hdr + "一.1.(1)," + long + ",办公室,2024-12-31,已完成\r\n",
			`ledger.csv：第2行 问题 "` + strings.Repeat("长", maxValueChars) + `…"：单元格超过 32767 个字符的上限`,
		},
		{
			"unbalanced quote",
			hdr + good + "一.1.(2),\"问题,办公室,2024-12-31,已完成\r\n",
			"ledger.csv：第3行：CSV 格式错误（文件第 3 行）：引号不成对，含逗号、引号或换行的单元格须用英文双引号括起，其中的双引号写作两个",
		},
		{
			"bare quote",
			hdr + "一.1.(2),问\"题,办公室,2024-12-31,已完成\r\n",
			"ledger.csv：第2行：CSV 格式错误（文件第 2 行）：引号不成对，含逗号、引号或换行的单元格须用英文双引号括起，其中的双引号写作两个",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := readCSVText(t, tt.data)
			if err == nil {
				t.Fatalf("got %d items, want error %q", len(items), tt.want)
			}
			importErr(t, err)
			if got := err.Error(); got != tt.want {
				t.Errorf("Error():\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestReadCSVLimits(t *testing.T) {
	t.Parallel()
	hdr := "编号,问题,责任部门,完成时限,整改状态\r\n"
	t.Run("cell at the limit", func(t *testing.T) {
		t.Parallel()
		problem := strings.Repeat("长", MaxCellChars)
		items, err := readCSVText(t, hdr+"一.1.(1),"+problem+",办公室,2024-12-31,已完成\r\n")
		if err != nil {
			t.Fatal(err)
		}
		if items[0].Problem != problem {
			t.Error("problem at the limit was not kept whole")
		}
	})
	t.Run("file over the limit", func(t *testing.T) {
		t.Parallel()
		data := hdr + strings.Repeat("x", MaxFileSize+1-len(hdr))
		_, err := readCSVText(t, data)
		if got, want := err.Error(), "ledger.csv：文件超过 20 MiB 上限"; got != want {
			t.Errorf("Error() = %q; want %q", got, want)
		}
	})
	t.Run("too many errors", func(t *testing.T) {
		t.Parallel()
		data := hdr + strings.Repeat("一.1.(1),问题,办公室,2024-13-01,已完成\r\n", MaxRowErrors+5)
		ie := importErr(t, func() error { _, err := readCSVText(t, data); return err }())
		// Row 2 has one error (the date); each later row two (the date and the repeated 编号).
		if len(ie.Rows) != MaxRowErrors || ie.Omitted != 2*(MaxRowErrors+5)-1-MaxRowErrors {
			t.Errorf("listed %d, omitted %d", len(ie.Rows), ie.Omitted)
		}
		lines := strings.Split(ie.Error(), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "ledger.csv：另有 ") || !strings.HasSuffix(last, " 处错误未列出") {
			t.Errorf("last line %q", last)
		}
	})
}

// Title rows above the header are skipped; row numbers stay Excel's.
func TestReadCSVTitleRows(t *testing.T) {
	t.Parallel()
	text := csvOf(t,
		[]string{"市总工会巡察整改台账", "", "", "", ""},
		[]string{"填报日期: 2025-03-14"},
		[]string{"编号", "问题", "责任部门", "完成时限", "整改状态"},
		[]string{"一.1.(1)", "理论学习不够深入", "办公室", "2024-12-31", "已完成"},
		[]string{"一.1.(2)", "思想引领作用发挥不好", "办公室", "2024-12-32", "已完成"},
	)
	_, err := readCSVText(t, text)
	if got, want := err.Error(), `ledger.csv：第5行 完成时限 "2024-12-32"：日期无效`; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	csvPath := write("台账.CSV", sampleCSV(t, standardHeader))
	items, err := ReadFile(ctx, csvPath, "2024-7", testDir())
	if err != nil {
		t.Fatal(err)
	}
	if want := sampleItems(); !reflect.DeepEqual(items, want) {
		t.Errorf("got\n%s\nwant\n%s", describeItems(items), describeItems(want))
	}

	tests := []struct {
		path string
		want string
	}{
		{write("台账.xls", "\xD0\xCF\x11\xE0"), "台账.xls：不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入"},
		{write("台账.XLS", ""), "台账.XLS：不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入"},
		{write("台账.txt", ""), `台账.txt：不支持的文件类型 ".txt"，请使用 .csv 或 .xlsx 文件`},
		{write("台账", ""), "台账：文件没有扩展名，请使用 .csv 或 .xlsx 文件"},
		{write("big.csv", strings.Repeat("x", MaxFileSize+1)), "big.csv：文件超过 20 MiB 上限"},
	}
	for _, tt := range tests {
		_, err := ReadFile(ctx, tt.path, "2024-7", testDir())
		importErr(t, err)
		if got := err.Error(); got != tt.want {
			t.Errorf("ReadFile(%s): %q; want %q", filepath.Base(tt.path), got, tt.want)
		}
	}

	_, err = ReadFile(ctx, filepath.Join(dir, "missing.csv"), "2024-7", testDir())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v; want fs.ErrNotExist", err)
	}
	if _, ok := errors.AsType[*ImportError](err); ok {
		t.Errorf("missing file reported as bad input: %v", err)
	}
}

func TestReadCSVCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ReadCSV(ctx, bytes.NewReader([]byte(sampleCSV(t, standardHeader))), "ledger.csv", "2024-7", testDir())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}
