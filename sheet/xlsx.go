package sheet

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
)

// maxUnzipSize bounds what the workbook may expand to: a 20 MiB archive of
// repetitive XML can unzip to gigabytes, and reading the merged ranges
// loads the worksheet's XML whole. A ledger is well under 1 MiB.
const maxUnzipSize = 100 << 20

// ReadXLSX reads a ledger from the first worksheet of the XLSX workbook in
// r; name is the file name shown in errors. The items belong to round.
func ReadXLSX(ctx context.Context, r io.Reader, name, round string, dir Directory) ([]ledger.Item, error) {
	l, err := readXLSX(ctx, r, newAssembler(name, round, dir))
	return l.Items, err
}

func readXLSX(ctx context.Context, r io.Reader, a *assembler) (Ledger, error) {
	name := a.file
	data, err := readLimited(ctx, r, name)
	if err != nil {
		return Ledger{}, err
	}
	switch {
	case hasPrefix(data, magicOLE):
		return Ledger{}, fileError(name, msgXLS)
	case len(data) == 0:
		return Ledger{}, fileError(name, msgNoData)
	case !hasPrefix(data, magicZip):
		return Ledger{}, fileError(name, "不是有效的 .xlsx 文件")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipSize})
	if err != nil {
		return Ledger{}, fileError(name, fmt.Sprintf("无法打开 .xlsx 文件（文件可能已损坏，或解压后超过 100 MiB）：%v", err))
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Ledger{}, fileError(name, msgNoData)
	}
	if err := feedSheet(ctx, f, data, sheets[0], a); err != nil {
		return Ledger{}, err
	}
	return a.finish()
}

// feedSheet streams the rows of sheet into a, numbered as Excel numbers them.
func feedSheet(ctx context.Context, f *excelize.File, data []byte, sheet string, a *assembler) error {
	props, err := f.GetWorkbookProps()
	if err != nil {
		return fileError(a.file, fmt.Sprintf("无法读取工作簿属性：%v", err))
	}
	date1904 := props.Date1904 != nil && *props.Date1904
	a.dateCell = func(v string) string { return excelDate(v, date1904) }
	scan, ok := scanSheet(data)
	if scan.tooLarge {
		return fileError(a.file, msgUnzipTooLarge)
	}
	if scan.wideRow > 0 {
		a.stop(RowError{Row: scan.wideRow, Reason: msgTooWide})
		return nil
	}
	merges := scan.merges
	if !ok {
		var err error
		if merges, err = f.GetMergeCells(sheet, true); err != nil {
			return fileError(a.file, fmt.Sprintf("无法读取工作表 %q: %v", sheet, err))
		}
	}
	fill := newMergeFill(merges)
	rows, err := f.Rows(sheet)
	if err != nil {
		return fileError(a.file, fmt.Sprintf("无法读取工作表 %q: %v", sheet, err))
	}
	defer rows.Close()
	// Rows.Next steps through every row number, gaps included (Columns is
	// then empty), so counting the steps gives Excel's row number.
	for row, n := 1, 0; rows.Next(); row++ {
		if row%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("sheet: read %s: %w", a.file, err)
			}
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fileError(a.file, fmt.Sprintf("第%d行无法读取：%v", row, err))
		}
		// A blank row stays blank even inside a merged range: it is not an item.
		if isBlankRow(cells) {
			continue
		}
		if n++; n > MaxRows {
			a.stop(RowError{Row: row, Reason: msgTooMany})
			break
		}
		if !a.add(row, fill.apply(row, cells)) {
			break
		}
	}
	if err := rows.Error(); err != nil {
		return fileError(a.file, fmt.Sprintf("无法读取工作表 %q: %v", sheet, err))
	}
	return nil
}

// Excel serial numbers that excelize can turn into a date: 1 is 1900-01-01,
// 2958465 is 9999-12-31. Years out of parseDeadline's range are refused there.
const (
	minSerial = 1
	maxSerial = 2958465
)

// excelDate turns what a date cell holds, read raw, into ISO text: a serial
// number (a number cell with a date format: Excel's usual date) or an ISO
// date-time (a cell of type "d"). Anything else is returned as is, for
// parseDeadline to read as text.
func excelDate(v string, date1904 bool) string {
	if isDecimal(v) {
		serial, err := strconv.ParseFloat(v, 64)
		if err != nil || serial < minSerial || serial > maxSerial {
			return v
		}
		t, err := excelize.ExcelDateToTime(serial, date1904)
		if err != nil {
			return v
		}
		return t.Format(time.DateOnly)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return v
}

// isDecimal reports digits with at most one decimal point: what a raw
// number cell holds (ParseFloat alone would take "NaN" and "1e5").
func isDecimal(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && !dot:
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return s != "" && s != "."
}

// Bounds on merged ranges, so that a hostile workbook cannot make the
// filling quadratic or huge; a real ledger has a few dozen merges over a
// dozen columns.
const (
	maxMerges  = 10000
	maxFillCol = 256
)

// mergeArea is a merged range; value is its top-left cell once seen.
type mergeArea struct {
	c1, r1, c2, r2 int // 1-based, inclusive
	value          string
}

// mergeFill makes every cell of a merged range read as its top-left cell,
// as the user sees it: ledgers merge a category, a leader or a unit over
// the rows of the problems that share it.
type mergeFill struct {
	pending []*mergeArea // by first row, not reached yet
	active  []*mergeArea
}

func newMergeFill(merges []excelize.MergeCell) *mergeFill {
	m := &mergeFill{}
	for _, mc := range merges[:min(len(merges), maxMerges)] {
		c1, r1, err1 := excelize.CellNameToCoordinates(mc.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(mc.GetEndAxis())
		if err1 != nil || err2 != nil || c1 > c2 || r1 > r2 || (c1 == c2 && r1 == r2) {
			continue
		}
		m.pending = append(m.pending, &mergeArea{c1: c1, r1: r1, c2: min(c2, maxFillCol), r2: r2})
	}
	slices.SortStableFunc(m.pending, func(x, y *mergeArea) int { return cmp.Compare(x.r1, y.r1) })
	return m
}

// apply fills the cells of row that lie in merged ranges; rows come in
// increasing order.
func (m *mergeFill) apply(row int, cells []string) []string {
	for len(m.pending) > 0 && m.pending[0].r1 <= row {
		a := m.pending[0]
		m.pending = m.pending[1:]
		if a.r1 == row && a.c1 <= len(cells) {
			a.value = cells[a.c1-1]
		}
		m.active = append(m.active, a)
	}
	m.active = slices.DeleteFunc(m.active, func(a *mergeArea) bool { return a.r2 < row })
	for _, a := range m.active {
		if a.value == "" {
			continue
		}
		for c := a.c1; c <= a.c2; c++ {
			if c == a.c1 && row == a.r1 {
				continue
			}
			for len(cells) < c {
				cells = append(cells, "")
			}
			cells[c-1] = a.value
		}
	}
	return cells
}
