package sheet

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"
)

// xlsxSeed builds a small workbook for the fuzzer's seed corpus.
func xlsxSeed(tb testing.TB, build func(f *excelize.File) error) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := build(f); err != nil {
		tb.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func setRows(f *excelize.File, rows [][]any) error {
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			return err
		}
	}
	return nil
}

// FuzzReadXLSX feeds arbitrary bytes, starting from real workbooks, to
// ReadXLSX: it must never panic, and must return either well-formed items
// or an *ImportError that says what is wrong.
func FuzzReadXLSX(f *testing.F) {
	header := []any{"编号", "问题类别", "问题", "整改措施", "责任领导", "责任部门", "完成时限", "整改状态", "整改情况"}
	f.Add(xlsxSeed(f, func(x *excelize.File) error {
		return setRows(x, [][]any{header,
			{"一.1.(1)", "党的建设", "问题", "措施", "王某某", "办公室", "2024-12-31", "未完成", ""},
			{"一.1.(2)", "", "问题二", "措施", "", "办公室、宣传部", "长期坚持", "长期坚持", "进展"},
		})
	}))
	f.Add(xlsxSeed(f, func(x *excelize.File) error { // a date cell, a merged category, a title row
		if err := setRows(x, [][]any{{"巡察整改台账"}, header,
			{"1", "类别", "问题", "措施", "王某某", "办公室", 45657, "整改中", ""},
			{"2", nil, "问题", "措施", "王某某", "办公室", 45658, "已完成", ""}}); err != nil {
			return err
		}
		style, err := x.NewStyle(&excelize.Style{NumFmt: 14})
		if err != nil {
			return err
		}
		if err := x.SetCellStyle("Sheet1", "G3", "G4", style); err != nil {
			return err
		}
		return x.MergeCell("Sheet1", "B3", "B4")
	}))
	f.Add(xlsxSeed(f, func(x *excelize.File) error { // 1904 dates, bad cells
		on := true
		if err := x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &on}); err != nil {
			return err
		}
		return setRows(x, [][]any{header, {"1\n2", "", "", "", "无名", "无此部门", "2024-13-01", "完成了", ""}})
	}))
	f.Add(xlsxSeed(f, func(*excelize.File) error { return nil })) // an empty sheet
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	if data, err := os.ReadFile(exampleXLSX); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ReadXLSX(context.Background(), bytes.NewReader(data), "fuzz.xlsx", "r", testDir())
		checkReadResult(t, items, err)
	})
}
