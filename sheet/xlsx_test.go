package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
)

// workbook builds an XLSX in memory. cells maps "B3" to a value; styles
// maps a cell to a number format.
type workbook struct {
	date1904 bool
	cells    map[string]any
	formats  map[string]string
	merges   [][2]string
	extra    bool // a second sheet, which must be ignored
}

func (w workbook) bytes(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if w.date1904 {
		must(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &w.date1904}))
	}
	must(f.SetSheetName("Sheet1", "台账"))
	for cell, v := range w.cells {
		must(f.SetCellValue("台账", cell, v))
	}
	for cell, format := range w.formats {
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &format})
		must(err)
		must(f.SetCellStyle("台账", cell, cell, style))
	}
	for _, m := range w.merges {
		must(f.MergeCell("台账", m[0], m[1]))
	}
	if w.extra {
		_, err := f.NewSheet("说明")
		must(err)
		must(f.SetCellValue("说明", "A1", "编号"))
	}
	buf, err := f.WriteToBuffer()
	must(err)
	return buf.Bytes()
}

func readXLSXBytes(t *testing.T, data []byte) ([]ledger.Item, error) {
	t.Helper()
	return ReadXLSX(context.Background(), bytes.NewReader(data), "ledger.xlsx", "2024-7", testDir())
}

func TestReadXLSX(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	// Row 1: a title merged over the columns; row 2: the header, shuffled;
	// rows 3-7 data with the category and the leader merged over rows 3-4,
	// a date cell with a Chinese date format, a date-time cell, a plain
	// number cell, text deadlines, several units; row 5 left out entirely.
	wb := workbook{
		extra: true,
		cells: map[string]any{
			"A1": "市总工会巡察整改台账",
			"A2": "问题类别", "B2": " 编号", "C2": "问题", "D2": "责任部门", "E2": "责任领导",
			"F2": "完成时限", "G2": "整改状态", "H2": "整改措施", "I2": "整改情况",

			"A3": "关于政治站位方面问题", "B3": "一.1.(1)", "C3": "理论学习不够深入", "D3": "宣传教育部、办公室",
			"E3": "王某某", "F3": day(2024, 12, 31), "G3": "已完成", "H3": "完成学习专题", "I3": "第一行\n第二行",

			"B4": "一.1.(2)", "C4": "思想引领作用发挥不好", "D4": "宣传教育部,职工文化事业发展中心,宣传教育部",
			"F4": day(2025, 3, 31), "G4": "已完成",

			"A6": "管党治党方面", "B6": 7, "C6": "纪律教育抓得不紧", "D6": "jgdw", "E6": "李某某",
			"F6": "2024年12月底", "G6": "未完成(正在整改)",

			"A7": "管党治党方面", "B7": "二.3.(3)", "C7": "内部审计流于形式", "D7": "财务资产部",
			"F7": "长期坚持", "G7": "未完成（正在整改）",

			"A8": "管党治党方面", "B8": "二.3.(4)", "C8": "日期时间格", "D8": "财务资产部",
			"F8": time.Date(2026, 11, 30, 17, 30, 0, 0, time.UTC), "G8": "open",

			"A9": "管党治党方面", "B9": "二.3.(5)", "C9": "数字格", "D9": "财务资产部",
			"F9": 45657, "G9": "done",
		},
		formats: map[string]string{"F3": `yyyy"年"m"月"d"日"`, "F4": "yyyy/m/d"},
		merges:  [][2]string{{"A1", "I1"}, {"A3", "A4"}, {"E3", "E4"}},
	}
	want := []ledger.Item{
		{Round: "2024-7", No: "一.1.(1)", Seq: 1, Category: "关于政治站位方面问题", Problem: "理论学习不够深入",
			Measures: "完成学习专题", Units: []string{"xjb", "bgs"}, Leader: "wang", Deadline: ledger.NewDate(2024, 12, 31),
			Status: ledger.StatusDone, Progress: "第一行\n第二行"},
		{Round: "2024-7", No: "一.1.(2)", Seq: 2, Category: "关于政治站位方面问题", Problem: "思想引领作用发挥不好",
			Units: []string{"xjb", "whz"}, Leader: "wang", Deadline: ledger.NewDate(2025, 3, 31), Status: ledger.StatusDone},
		{Round: "2024-7", No: "7", Seq: 3, Category: "管党治党方面", Problem: "纪律教育抓得不紧",
			Units: []string{"jgdw"}, Leader: "li", Deadline: ledger.NewDate(2024, 12, 31), Status: ledger.StatusOpen},
		{Round: "2024-7", No: "二.3.(3)", Seq: 4, Category: "管党治党方面", Problem: "内部审计流于形式",
			Units: []string{"cwb"}, LongTerm: true, Status: ledger.StatusOpen},
		{Round: "2024-7", No: "二.3.(4)", Seq: 5, Category: "管党治党方面", Problem: "日期时间格",
			Units: []string{"cwb"}, Deadline: ledger.NewDate(2026, 11, 30), Status: ledger.StatusOpen},
		{Round: "2024-7", No: "二.3.(5)", Seq: 6, Category: "管党治党方面", Problem: "数字格",
			Units: []string{"cwb"}, Deadline: ledger.NewDate(2024, 12, 31), Status: ledger.StatusDone},
	}
	for _, date1904 := range []bool{false, true} {
		wb.date1904 = date1904
		items, err := readXLSXBytes(t, wb.bytes(t))
		if date1904 {
			// 45657 in the 1904 system is four years and a day later.
			want[5].Deadline = ledger.NewDate(2029, 1, 1)
		}
		if err != nil {
			t.Fatalf("date1904=%v: %v", date1904, err)
		}
		if !reflect.DeepEqual(items, want) {
			t.Errorf("date1904=%v: got\n%s\nwant\n%s", date1904, describeItems(items), describeItems(want))
		}
	}
}

func TestReadXLSXErrors(t *testing.T) {
	t.Parallel()
	wb := workbook{cells: map[string]any{
		"A1": "编号", "B1": "问题", "C1": "责任部门 ", "D1": "完成时限", "E1": "整改状态",
		"A2": "一.1.(1)", "B2": "理论学习不够深入", "C2": "办公室", "D2": "2024-12-31", "E2": "已完成",
		// row 3 left out
		"A4": "一.1.(1)", "B4": "问题", "C4": "宣传部", "D4": 20241231.0, "E4": "已完成",
		"A5": "一.1.(3)", "B5": "问题", "C5": "办公室", "D5": "2024-13-01", "E5": "已经完成",
	}}
	_, err := readXLSXBytes(t, wb.bytes(t))
	want := `ledger.xlsx：第4行 编号 "一.1.(1)"：编号重复（与第2行）
ledger.xlsx：第4行 责任部门 "宣传部"：未知的责任部门
ledger.xlsx：第4行 完成时限 "20241231"：日期无效
ledger.xlsx：第5行 完成时限 "2024-13-01"：日期无效
ledger.xlsx：第5行 整改状态 "已经完成"：无法识别的整改状态`
	importErr(t, err)
	if got := err.Error(); got != want {
		t.Errorf("Error():\n%s\nwant\n%s", got, want)
	}
}

func TestReadXLSXFileErrors(t *testing.T) {
	t.Parallel()
	headerOnly := workbook{cells: map[string]any{"A1": "编号", "B1": "问题", "C1": "责任部门", "D1": "完成时限", "E1": "整改状态"}}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), "ledger.xlsx：" + msgXLS},
		{"empty", nil, "ledger.xlsx：没有数据行"},
		{"not a zip", []byte("编号,问题\n"), "ledger.xlsx：不是有效的 .xlsx 文件"},
		{"empty workbook", workbook{}.bytes(t), "ledger.xlsx：没有数据行"},
		{"header only", headerOnly.bytes(t), "ledger.xlsx：没有数据行"},
		{"missing columns", workbook{cells: map[string]any{"A1": "编号", "B1": "问题", "A2": "1", "B2": "x"}}.bytes(t),
			"ledger.xlsx：第1行：缺少必需的列：责任部门（units）、完成时限（deadline）、整改状态（status）；表头中的列：编号、问题"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readXLSXBytes(t, tt.data)
			if err == nil {
				t.Fatalf("no error; want %q", tt.want)
			}
			importErr(t, err)
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
		})
	}

	t.Run("corrupt zip", func(t *testing.T) {
		t.Parallel()
		_, err := readXLSXBytes(t, []byte("PK\x03\x04 not really"))
		ie := importErr(t, err)
		if len(ie.Rows) != 1 || ie.Rows[0].Row != 0 {
			t.Errorf("got %v", err)
		}
	})
}

// A crafted workbook can hold more than Excel (and excelize, which cuts
// such strings) allows in a cell: write a placeholder, then swap it in the
// archive.
func TestReadXLSXOversizeCell(t *testing.T) {
	t.Parallel()
	wb := workbook{cells: map[string]any{
		"A1": "编号", "B1": "问题", "C1": "责任部门", "D1": "完成时限", "E1": "整改状态",
		"A2": "一.1.(1)", "B2": "PLACEHOLDER", "C2": "办公室", "D2": "2024-12-31", "E2": "已完成",
	}}
	data := replaceInZip(t, wb.bytes(t), "PLACEHOLDER", strings.Repeat("长", MaxCellChars+1))
	_, err := readXLSXBytes(t, data)
	ie := importErr(t, err)
	if len(ie.Rows) != 1 || ie.Rows[0].Row != 2 || ie.Rows[0].Column != "问题" || ie.Rows[0].Reason != msgTooLong {
		t.Errorf("got %v", err)
	}
}

// replaceInZip rewrites every member of a zip archive with old replaced by new.
func replaceInZip(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(body, []byte(old)) {
			found = true
			body = bytes.ReplaceAll(body, []byte(old), []byte(new))
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%q not found in the archive", old)
	}
	return out.Bytes()
}

func TestReadFileXLSX(t *testing.T) {
	t.Parallel()
	wb := workbook{cells: map[string]any{
		"A1": "no", "B1": "problem", "C1": "units", "D1": "deadline", "E1": "status",
		"A2": "一.1.(1)", "B2": "理论学习不够深入", "C2": "办公室、组织部", "D2": time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), "E2": "已完成",
	}}
	path := filepath.Join(t.TempDir(), "台账.XLSX")
	if err := os.WriteFile(path, wb.bytes(t), 0o600); err != nil {
		t.Fatal(err)
	}
	items, err := ReadFile(context.Background(), path, "2024-7", testDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || !reflect.DeepEqual(items[0].Units, []string{"bgs", "zzb"}) || items[0].Deadline != ledger.NewDate(2024, 12, 31) {
		t.Errorf("got %s", describeItems(items))
	}
}
