package sheet

import (
	"context"
	"fmt"
	"io"

	"duban/ledger"
)

// record is one non-blank row of a CSV file, cells trimmed, with the row
// number Excel shows for it.
type record struct {
	Row   int
	Cells []string
}

// readCSVRecords reads any small CSV table the office keeps in Excel (such
// as a list of duty submissions) with the ledger's decoding rules: UTF-8
// with or without a BOM, or GB18030; .xls, .xlsx and UTF-16 content refused
// with a hint; at most MaxFileSize bytes. Blank rows are skipped; cells are
// trimmed of whitespace, full-width spaces included. The header row, if the
// file has one, is the first record: its meaning is the caller's. A file
// problem is an *ImportError, like the ledger's.
func readCSVRecords(ctx context.Context, r io.Reader, name string) ([]record, error) {
	data, err := readLimited(ctx, r, name)
	if err != nil {
		return nil, err
	}
	text, err := decodeCSV(data, name)
	if err != nil {
		return nil, err
	}
	var rs recordSink
	if err := feedCSV(ctx, text, &rs); err != nil {
		return nil, fmt.Errorf("sheet: read %s: %w", name, err)
	}
	if err := rs.errs.err(name); err != nil {
		return nil, err
	}
	return rs.records, nil
}

// ParseDate reads a date cell in the forms the ledger's deadline column
// takes (2025-04-03, 2025/4/3, 2025.4.3, 2025年4月3日, a date-time as Excel
// writes it to CSV); 长期坚持 is not a date. The error's text is Chinese.
func ParseDate(s string) (ledger.Date, error) {
	d, longTerm, err := parseDeadline(s)
	if err == nil && longTerm {
		err = errBadDate
	}
	return d, err
}

// recordSink collects the records of readCSVRecords.
type recordSink struct {
	records []record
	errs    collector
	stopped bool
}

func (s *recordSink) add(row int, cells []string) bool {
	if s.stopped {
		return false
	}
	if isBlankRow(cells) {
		return true
	}
	trimmed := make([]string, len(cells))
	for i, c := range cells {
		trimmed[i] = trimCell(c)
	}
	s.records = append(s.records, record{Row: row, Cells: trimmed})
	return true
}

func (s *recordSink) stop(e RowError) {
	s.errs.add(e)
	s.stopped = true
}
