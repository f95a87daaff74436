package sheet

import (
	"bytes"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
)

// exportItems cover what a ledger holds: known and unknown completion
// days, a closed item, long-term items open and done, text over several
// lines with commas and quotes, no leader, several units.
func exportItems() []ledger.Item {
	return []ledger.Item{
		{Round: "2024-7", No: "一.1.(1)", Seq: 1, Category: "关于政治站位方面问题",
			SubCategory: "关于学习贯彻不够到位问题", Problem: "理论学习不够深入",
			Measures: "一是完成学习专题;\n二是“专题”学习, 全覆盖", Units: []string{"xjb", "bgs"}, Leader: "wang",
			Deadline: ledger.NewDate(2024, 12, 31), Status: ledger.StatusDone, CompletedOn: ledger.NewDate(2024, 12, 20),
			Progress: "截至12月31日已完成全部学习专题。"},
		{Round: "2024-7", No: "一.2", Seq: 2, Category: "关于政治站位方面问题", Problem: "制度不健全",
			Units: []string{"cwb"}, Deadline: ledger.NewDate(2025, 3, 31), Status: ledger.StatusDone},
		{Round: "2024-7", No: "二.1", Seq: 3, Problem: "内部审计流于形式", Units: []string{"jsb"}, Leader: "li",
			LongTerm: true, Status: ledger.StatusOpen, Progress: "持续推进"},
		{Round: "2024-7", No: "二.2", Seq: 4, Problem: "合同管理不严格", Units: []string{"cwb", "bgs", "zzb"},
			Deadline: ledger.NewDate(2025, 6, 30), Status: ledger.StatusClosed, CompletedOn: ledger.NewDate(2025, 6, 1)},
		{Round: "2024-7", No: "三.1", Seq: 5, Problem: "坚持不够", Units: []string{"zzb"}, LongTerm: true,
			Status: ledger.StatusDone, Measures: "-一是建立制度", Progress: "=已完成"}, // read as formulas, were they not kept text
	}
}

// An exported ledger reads back to the same items, in CSV and in XLSX, with
// every column an import knows.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format string
		write  func(*bytes.Buffer, []ledger.Item, Names) error
		read   func(context.Context, *bytes.Reader, string, string, Directory) (Ledger, error)
	}{
		{"csv", func(b *bytes.Buffer, items []ledger.Item, n Names) error { return WriteCSV(b, items, n, nil) },
			func(ctx context.Context, r *bytes.Reader, name, round string, dir Directory) (Ledger, error) {
				return readCSV(ctx, r, newAssembler(name, round, dir))
			}},
		{"xlsx", func(b *bytes.Buffer, items []ledger.Item, n Names) error { return WriteXLSX(b, items, n, nil) },
			func(ctx context.Context, r *bytes.Reader, name, round string, dir Directory) (Ledger, error) {
				return readXLSX(ctx, r, newAssembler(name, round, dir))
			}},
	} {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := tt.write(&buf, exportItems(), testDir()); err != nil {
				t.Fatal(err)
			}
			l, err := tt.read(t.Context(), bytes.NewReader(buf.Bytes()), "export."+tt.format, "2024-7", testDir())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(l.Items, exportItems()) {
				t.Errorf("read back\n%+v\nwant\n%+v", l.Items, exportItems())
			}
			if !slices.Equal(l.Fields, ledger.ItemFields()) || !slices.Equal(l.Rows, []int{2, 3, 4, 5, 6}) {
				t.Errorf("fields %v rows %v, want every field, rows 2 to 6", l.Fields, l.Rows)
			}
		})
	}
}

func TestExportCSVText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, exportItems()[2:4], testDir(), nil); err != nil {
		t.Fatal(err)
	}
	want := bomUTF8 + "编号,问题类别,问题子类,问题,整改措施,责任领导,责任部门,完成时限,整改状态,完成日期,整改情况\n" +
		"二.1,,,内部审计流于形式,,李某某,经费审查办公室,长期坚持,正在整改,,持续推进\n" +
		"二.2,,,合同管理不严格,,,财务资产部、办公室、组织部,2025-06-30,已销号,2025-06-01,\n"
	if got := buf.String(); got != want {
		t.Errorf("csv\n%q\nwant\n%q", got, want)
	}
}

// Dates are date cells, which Excel shows and sorts as dates; the rest is
// text, never a formula: a cell starting with =, +, - or @ is a text cell
// Excel shows as written and never runs, and an import reads back as is.
func TestExportXLSXCells(t *testing.T) {
	t.Parallel()
	items := exportItems()[:1]
	items[0].Problem = "=HYPERLINK(\"http://x\")"
	items[0].Category = "-1"
	items[0].Measures = "+1+2"
	items[0].Progress = "@SUM(A1)"
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, items, testDir(), nil); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	for cell, want := range map[string]string{"H2": "2024-12-31", "J2": "2024-12-20"} {
		v, err := f.GetCellValue(sheet, cell)
		if err != nil || v != want {
			t.Errorf("%s shows %q (%v), want %s", cell, v, err, want)
		}
		raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if !isDecimal(raw) {
			t.Errorf("%s holds %q, want a date serial number", cell, raw)
		}
	}
	for cell, want := range map[string]string{"B2": "-1", "D2": items[0].Problem, "E2": "+1+2", "K2": "@SUM(A1)"} {
		formula, err := f.GetCellFormula(sheet, cell)
		if err != nil || formula != "" {
			t.Errorf("%s is the formula %q (%v), want text", cell, formula, err)
		}
		typ, _ := f.GetCellType(sheet, cell)
		v, _ := f.GetCellValue(sheet, cell)
		if v != want || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
			t.Errorf("%s = %q of type %v, want the text %q", cell, v, typ, want)
		}
	}
	header, _ := f.GetRows(sheet)
	if strings.Join(header[0], ",") != "编号,问题类别,问题子类,问题,整改措施,责任领导,责任部门,完成时限,整改状态,完成日期,整改情况" {
		t.Errorf("header %q", header[0])
	}
	l, err := readXLSX(t.Context(), bytes.NewReader(data), newAssembler("x.xlsx", "2024-7", testDir()))
	if err != nil || l.Items[0].Problem != items[0].Problem || l.Items[0].Category != "-1" || l.Items[0].Progress != "@SUM(A1)" {
		t.Errorf("read back: %+v, %v; want the text as written", l.Items, err)
	}
}

// 完成日期 (or 完成时间, 办结日期) is the completion day; empty means unknown,
// and an item still being rectified has none. A file without the column
// does not carry the field.
func TestCompletionColumn(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"完成日期", "完成时间", "办结日期"} {
		text := csvOf(t,
			[]string{"编号", "问题", "责任部门", "完成时限", "整改状态", name},
			[]string{"1", "甲", "办公室", "2025-03-31", "已完成", "2025年3月20日"},
			[]string{"2", "乙", "办公室", "2025-03-31", "已完成", ""},
			[]string{"3", "丙", "办公室", "2025-03-31", "正在整改", ""},
		)
		l, err := readCSV(t.Context(), strings.NewReader(text), newAssembler("ledger.csv", "2024-7", testDir()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := l.Items[0].CompletedOn.String() + "|" + l.Items[1].CompletedOn.String() + "|" + l.Items[2].CompletedOn.String(); got != "2025-03-20||" {
			t.Errorf("%s: completion days %q", name, got)
		}
		if !slices.Contains(l.Fields, ledger.FieldCompletedOn) || slices.Contains(l.Fields, ledger.FieldProgress) {
			t.Errorf("%s: fields %v, want 完成日期 and not 整改情况", name, l.Fields)
		}
	}
	text := csvOf(t,
		[]string{"编号", "问题", "责任部门", "完成时限", "整改状态", "完成日期"},
		[]string{"1", "甲", "办公室", "2025-03-31", "正在整改", "2025-03-20"},
		[]string{"2", "乙", "办公室", "2025-03-31", "已完成", "下月"},
		[]string{"3", "丙", "办公室", "2025-03-31", "已完成", "长期坚持"},
	)
	_, err := readCSVText(t, text)
	ie := importErr(t, err)
	var got []string
	for _, r := range ie.Rows {
		got = append(got, r.String())
	}
	want := []string{
		`第2行 完成日期 "2025-03-20"：整改状态为未完成（正在整改），不应填写完成日期`,
		`第3行 完成日期 "下月"：日期无效`,
		`第4行 完成日期 "长期坚持"：日期无效`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors\n%q\nwant\n%q", got, want)
	}
	// 完成时间 alone is not a deadline: the file lacks 完成时限, and says why.
	text = csvOf(t, []string{"编号", "问题", "责任部门", "完成时间", "整改状态"}, []string{"1", "甲", "办公室", "2025-03-31", "已完成"})
	_, err = readCSVText(t, text)
	if ie := importErr(t, err); !strings.Contains(ie.Error(), "缺少必需的列：完成时限（deadline）") ||
		!strings.Contains(ie.Error(), `"完成时间" 列读作完成日期`) {
		t.Errorf("error %v", ie)
	}
}

// An export tells its progress of every row it writes.
func TestExportProgress(t *testing.T) {
	t.Parallel()
	for _, write := range []func(*bytes.Buffer, Progress) error{
		func(b *bytes.Buffer, p Progress) error { return WriteCSV(b, exportItems(), testDir(), p) },
		func(b *bytes.Buffer, p Progress) error { return WriteXLSX(b, exportItems(), testDir(), p) },
	} {
		var c rowCounter
		if err := write(new(bytes.Buffer), &c); err != nil {
			t.Fatal(err)
		}
		if c.n != len(exportItems()) {
			t.Errorf("progress told of %d rows, want %d", c.n, len(exportItems()))
		}
	}
}
