package sheet

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
)

// testDirectory resolves names and codes from maps name → code, the way
// config.Config does for the configured units and leaders.
type testDirectory struct {
	units, leaders map[string]string
}

func (d testDirectory) ResolveUnit(s string) (string, bool)   { return resolveIn(d.units, s) }
func (d testDirectory) ResolveLeader(s string) (string, bool) { return resolveIn(d.leaders, s) }

func resolveIn(m map[string]string, s string) (string, bool) {
	if code, ok := m[s]; ok {
		return code, true
	}
	for _, code := range m {
		if code == s {
			return code, true
		}
	}
	return "", false
}

// testDir holds the units and leaders of config.example.toml (a test
// there checks the examples against the real config as well).
func testDir() testDirectory {
	return testDirectory{
		units: map[string]string{
			"办公室":           "bgs",
			"组织部":           "zzb",
			"宣传教育部":         "xjb",
			"劳动和经济工作部":      "jjb",
			"基层工作部":         "jcb",
			"权益保障部":         "qyb",
			"财务资产部":         "cwb",
			"经费审查办公室":       "jsb",
			"机关党委":          "jgdw",
			"职工文化事业发展中心":    "whz",
			"职工服务中心":        "fwzx",
			"机关第一党支部":       "jgdzb1",
			"机关第二党支部":       "jgdzb2",
			"职工文化事业发展中心党总支": "whzdzz",
			"离退休党支部":        "ltxdzb",
		},
		leaders: map[string]string{
			"王某某": "wang",
			"李某某": "li",
			"张某某": "zhang",
			"刘某某": "liu",
			"陈某某": "chen",
			"赵某某": "zhao",
		},
	}
}

// csvOf writes rows as Excel writes CSV: CRLF line ends, quotes as needed.
func csvOf(t testing.TB, rows ...[]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// importErr returns err as an *ImportError, failing the test otherwise.
func importErr(t *testing.T, err error) *ImportError {
	t.Helper()
	ie, ok := errors.AsType[*ImportError](err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *ImportError", err, err)
	}
	return ie
}

func readCSVText(t *testing.T, text string) ([]ledger.Item, error) {
	t.Helper()
	return ReadCSV(context.Background(), bytes.NewReader([]byte(text)), "ledger.csv", "2024-7", testDir())
}

// writeLedgerXLSX writes a ledger workbook the way an office would keep
// it: a bold header, wrapped text, deadlines as real date cells where they
// are dates, and the 问题类别 cells of consecutive rows with the same
// category merged. It made examples/ledger.xlsx from examples/ledger.csv
// (see TestExamplesXLSXMatchesCSV and -update).
func writeLedgerXLSX(header []string, rows [][]string) (*bytes.Buffer, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "整改台账"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	styles, err := newLedgerStyles(f)
	if err != nil {
		return nil, err
	}
	col := map[field]int{}
	for i, h := range header {
		if fld, _, ok := matchHeader(h); ok {
			col[fld] = i
		}
		if err := setCell(f, sheet, i, 1, h, styles.header); err != nil {
			return nil, err
		}
	}
	deadlineCol, hasDeadline := col[fieldDeadline]
	for r, row := range rows {
		for i, v := range row {
			var value any = v
			style := styles.text
			if hasDeadline && i == deadlineCol {
				if d, longTerm, err := parseDeadline(v); err == nil && !longTerm {
					value, style = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), styles.date
				}
			}
			if err := setCell(f, sheet, i, r+2, value, style); err != nil {
				return nil, err
			}
		}
	}
	for _, merged := range []field{fieldCategory, fieldSubCategory} {
		if c, ok := col[merged]; ok {
			if err := mergeRuns(f, sheet, c, rows); err != nil {
				return nil, err
			}
		}
	}
	if err := layoutSheet(f, sheet, header); err != nil {
		return nil, err
	}
	return f.WriteToBuffer()
}

type ledgerStyles struct{ header, text, date int }

func newLedgerStyles(f *excelize.File) (ledgerStyles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
		{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1},
	}
	dateFmt := "yyyy-mm-dd"
	var s ledgerStyles
	var err error
	if s.header, err = f.NewStyle(&excelize.Style{Border: border, Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}); err != nil {
		return s, err
	}
	if s.text, err = f.NewStyle(&excelize.Style{Border: border,
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}); err != nil {
		return s, err
	}
	s.date, err = f.NewStyle(&excelize.Style{Border: border, CustomNumFmt: &dateFmt,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}})
	return s, err
}

func setCell(f *excelize.File, sheet string, col, row int, v any, style int) error {
	cell, err := excelize.CoordinatesToCellName(col+1, row)
	if err != nil {
		return err
	}
	if err := f.SetCellValue(sheet, cell, v); err != nil {
		return err
	}
	return f.SetCellStyle(sheet, cell, cell, style)
}

// mergeRuns merges the cells of column c over runs of equal values.
func mergeRuns(f *excelize.File, sheet string, c int, rows [][]string) error {
	value := func(r int) string {
		if c < len(rows[r]) {
			return rows[r][c]
		}
		return ""
	}
	for start := 0; start < len(rows); {
		end := start
		for end+1 < len(rows) && value(end+1) == value(start) {
			end++
		}
		if end > start {
			top, _ := excelize.CoordinatesToCellName(c+1, start+2)
			bottom, _ := excelize.CoordinatesToCellName(c+1, end+2)
			if err := f.MergeCell(sheet, top, bottom); err != nil {
				return err
			}
		}
		start = end + 1
	}
	return nil
}

// layoutSheet sets column widths by field and freezes the header row.
func layoutSheet(f *excelize.File, sheet string, header []string) error {
	widths := map[field]float64{
		fieldNo: 10, fieldCategory: 24, fieldSubCategory: 24, fieldProblem: 22, fieldMeasures: 48, fieldLeader: 10,
		fieldUnits: 18, fieldDeadline: 12, fieldStatus: 12, fieldProgress: 80,
	}
	for i, h := range header {
		w := 14.0
		if fld, _, ok := matchHeader(h); ok {
			w = widths[fld]
		}
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, name, name, w); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// describeItems prints items compactly for failure messages.
func describeItems(items []ledger.Item) string {
	var b bytes.Buffer
	for _, it := range items {
		fmt.Fprintf(&b, "%d %s %q units=%v leader=%q deadline=%v long=%v status=%s\n",
			it.Seq, it.No, it.Problem, it.Units, it.Leader, it.Deadline, it.LongTerm, it.Status)
	}
	return b.String()
}

// UnitName and LeaderName make testDirectory the Names of an export.
func (d testDirectory) UnitName(code string) string   { return nameIn(d.units, code) }
func (d testDirectory) LeaderName(code string) string { return nameIn(d.leaders, code) }

func nameIn(m map[string]string, code string) string {
	for name, c := range m {
		if c == code {
			return name
		}
	}
	return code
}
