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
// as a list of duty submissions) with the ledger's decoding rules and
// limits: UTF-8 with or without a BOM, or GB18030; .xls, .xlsx and UTF-16
// content refused with a hint; at most MaxFileSize bytes, MaxRows rows and
// MaxFields cells a row. It hands each non-blank record, cells trimmed of
// whitespace (full-width spaces included), to each, which returns false to
// stop reading; the header row, if the file has one, is the first record,
// its meaning the caller's. The problems of the file go to errs; the error
// returned is about reading at all.
func readCSVRecords(ctx context.Context, r io.Reader, name string, errs *collector, each func(record) bool) error {
	data, err := readLimited(ctx, r, name)
	if err != nil {
		return err
	}
	text, err := decodeCSV(data, name)
	if err != nil {
		return err
	}
	if err := feedCSV(ctx, text, &recordSink{each: each, errs: errs}); err != nil {
		return fmt.Errorf("sheet: read %s: %w", name, err)
	}
	return nil
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

// recordSink passes the records of readCSVRecords on, one at a time, so
// that a file of many wide rows is never held whole.
type recordSink struct {
	each    func(record) bool
	errs    *collector
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
	s.stopped = !s.each(record{Row: row, Cells: trimmed})
	return !s.stopped
}

func (s *recordSink) reject(e RowError) { s.errs.add(e) }

func (s *recordSink) stop(e RowError) {
	s.errs.add(e)
	s.stopped = true
}
