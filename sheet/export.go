package sheet

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
)

// Names gives the names a ledger file writes for unit and leader codes, the
// names the office reads and an import resolves back. *config.Config
// satisfies it.
type Names interface {
	UnitName(code string) string
	LeaderName(code string) string
}

// exportFields are the columns of an exported ledger, in the order a
// ledger file has them: every column an import reads.
func exportFields() []field {
	return []field{fieldNo, fieldCategory, fieldSubCategory, fieldProblem, fieldMeasures, fieldLeader, fieldUnits,
		fieldDeadline, fieldStatus, fieldCompleted, fieldProgress}
}

// exportHeader is the header row: the columns' Chinese names.
func exportHeader() []string {
	specs := fieldSpecs()
	var out []string
	for _, f := range exportFields() {
		out = append(out, specs[f].zh)
	}
	return out
}

// exportCells are the cells of an item's row; dates are ledger.Dates, for
// the writer to write as dates, and everything else text.
func exportCells(it ledger.Item, names Names) []any {
	units := make([]string, len(it.Units))
	for i, u := range it.Units {
		units[i] = names.UnitName(u)
	}
	var deadline any = it.Deadline
	if it.LongTerm {
		deadline = longTermWord
	}
	leader := ""
	if it.Leader != "" {
		leader = names.LeaderName(it.Leader)
	}
	return []any{it.No, it.Category, it.SubCategory, it.Problem, it.Measures, leader, strings.Join(units, "、"),
		deadline, it.Status.Label(), it.CompletedOn, it.Progress}
}

// WriteCSV writes items as a ledger in CSV that ReadCSV reads back to the
// same items: CSVWriter's file (UTF-8 with a byte-order mark, no cell that
// Excel would take for a formula), the import's Chinese headers, dates as
// YYYY-MM-DD, 长期坚持 for a long-term deadline, statuses as the office
// writes them, units and the leader by name.
// p (may be nil) is told of every row written.
func WriteCSV(w io.Writer, items []ledger.Item, names Names, p Progress) error {
	cw := NewCSVWriter(w)
	if err := cw.Write(exportHeader()); err != nil {
		return fmt.Errorf("sheet: write csv: %w", err)
	}
	for _, it := range items {
		cells := exportCells(it, names)
		record := make([]string, len(cells))
		for i, c := range cells {
			record[i] = csvCell(c)
		}
		if err := cw.Write(record); err != nil {
			return fmt.Errorf("sheet: write csv: %w", err)
		}
		if p != nil {
			p.Add(1)
		}
	}
	if err := cw.Flush(); err != nil {
		return fmt.Errorf("sheet: write csv: %w", err)
	}
	return nil
}

func csvCell(c any) string {
	switch v := c.(type) {
	case ledger.Date:
		return v.String()
	case string:
		return v
	}
	return fmt.Sprint(c)
}

// exportSheet is the worksheet of an exported workbook.
const exportSheet = "整改台账"

// exportWidths are the column widths, in characters, of exportFields.
var exportWidths = []float64{10, 22, 26, 30, 40, 10, 18, 12, 10, 12, 60}

// WriteXLSX writes items as a ledger workbook that ReadXLSX reads back to
// the same items: one sheet, the import's Chinese headers, dates as date
// cells, every other cell text (never a formula), 长期坚持 for a long-term
// deadline, statuses as the office writes them, units and the leader by
// name. Rows are streamed, so a large ledger takes little memory; p (may
// be nil) is told of every row written.
func WriteXLSX(w io.Writer, items []ledger.Item, names Names, p Progress) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", exportSheet); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	if err := writeExportSheet(f, items, names, p); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("sheet: write xlsx: %w", err)
	}
	return nil
}

func writeExportSheet(f *excelize.File, items []ledger.Item, names Names, p Progress) error {
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(exportSheet)
	if err != nil {
		return err
	}
	for i, width := range exportWidths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := exportHeader()
	row := make([]any, len(header))
	for i, h := range header {
		row[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	for n, it := range items {
		for i, c := range exportCells(it, names) {
			row[i] = xlsxCell(c, text, date)
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
		if p != nil {
			p.Add(1)
		}
	}
	return sw.Flush()
}

// xlsxCell is a cell of the exported sheet: a date as a date cell (none
// when zero), anything else as text.
func xlsxCell(c any, text, date int) excelize.Cell {
	if d, ok := c.(ledger.Date); ok {
		if d.IsZero() {
			return excelize.Cell{StyleID: date}
		}
		return excelize.Cell{StyleID: date, Value: d.In(time.UTC)}
	}
	return excelize.Cell{StyleID: text, Value: csvCell(c)}
}
