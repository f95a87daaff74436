package sheet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"duban/ledger"
)

// maxTitleRows is how many non-empty rows without any known column name may
// stand above the header (a title, a date line) before we give up.
const maxTitleRows = 5

// assembler turns the rows of a file into items. The CSV and XLSX readers
// feed it rows with their Excel row numbers; it finds the header, checks
// every cell and collects every error.
type assembler struct {
	file, round string
	dir         Directory
	// dateCell rewrites a date cell (deadline, completion day) before it
	// is parsed: the XLSX reader turns date cells into ISO text. Nil means
	// as is.
	dateCell func(string) string

	errs        collector
	layout      *layout
	titles      int      // non-empty rows seen before the header
	firstRow    []string // the first non-empty row, reported when no header is found
	firstRowNum int
	stopped     bool // a file-level error: later rows are not looked at

	seen  map[string]int // 编号 → row where it first appeared
	seq   int            // data rows seen
	items []ledger.Item
	rows  []int // the row of each item

	progress Progress // told of every row read; nil: nobody
}

func newAssembler(file, round string, dir Directory) *assembler {
	return &assembler{file: file, round: round, dir: dir, seen: map[string]int{}}
}

// add takes one row. It returns false when the rest of the file does not
// matter any more (the header is unusable).
func (a *assembler) add(row int, cells []string) bool {
	if a.stopped {
		return false
	}
	if a.progress != nil {
		a.progress.Add(1)
	}
	if isBlankRow(cells) {
		return true
	}
	if a.layout == nil {
		return a.header(row, cells)
	}
	a.data(row, cells)
	return true
}

// reject records a row that cannot be read at all.
func (a *assembler) reject(e RowError) { a.errs.add(e) }

// stop records a file-level error after which rows are not looked at.
func (a *assembler) stop(e RowError) {
	a.errs.add(e)
	a.stopped = true
}

// finish returns the ledger, or every error found.
func (a *assembler) finish() (Ledger, error) {
	if !a.stopped {
		switch {
		case a.layout == nil && a.firstRow != nil:
			a.noHeader()
		case a.seq == 0:
			a.errs.add(RowError{Reason: msgNoData})
		}
	}
	if err := a.errs.err(a.file); err != nil {
		return Ledger{}, err
	}
	return Ledger{Items: a.items, Rows: a.rows, Fields: a.layout.fields()}, nil
}

func isBlankRow(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}

// header takes a non-empty row before the header was found: the header
// itself if it names any known column, else a title row.
func (a *assembler) header(row int, cells []string) bool {
	if knownHeaders(cells) == 0 {
		if a.firstRow == nil {
			a.firstRow, a.firstRowNum = cells, row
		}
		a.titles++
		if a.titles > maxTitleRows {
			a.noHeader()
			return false
		}
		return true
	}
	l, ok := newLayout(row, cells, &a.errs)
	if !ok {
		a.stopped = true
		return false
	}
	a.layout = l
	return true
}

// noHeader reports the first non-empty row as a header lacking every
// required column, listing what it holds so the user sees what we saw.
func (a *assembler) noHeader() {
	newLayout(a.firstRowNum, a.firstRow, &a.errs)
	a.stopped = true
}

// rowCheck holds one data row while its cells are checked.
type rowCheck struct {
	l     *layout
	row   int
	cells []string
	errs  []cellError
}

type cellError struct {
	col int
	err RowError
}

func (rc *rowCheck) fail(col int, value, reason string) {
	rc.errs = append(rc.errs, cellError{col: col, err: RowError{
		Row: rc.row, Column: rc.l.column(col), Value: value, Reason: reason}})
}

// cell returns the value of field f and its column; ok is false when the
// file has no such column or the cell is unusable (already reported).
func (rc *rowCheck) cell(f field) (value string, col int, ok bool) {
	col = rc.l.col[f]
	if col < 0 {
		return "", col, false
	}
	if col >= len(rc.cells) {
		return "", col, true
	}
	v := rc.cells[col]
	if len(v) > MaxCellChars && utf8.RuneCountInString(v) > MaxCellChars {
		rc.fail(col, trimCell(v), msgTooLong)
		return "", col, false
	}
	return v, col, true
}

// data checks one data row and keeps its item when it is good.
func (a *assembler) data(row int, cells []string) {
	a.seq++
	rc := &rowCheck{l: a.layout, row: row, cells: cells}
	it := ledger.Item{Round: a.round, Seq: a.seq}
	it.No = a.number(rc)
	it.Problem = rc.text(fieldProblem, "缺少问题")
	it.Category = rc.text(fieldCategory, "")
	it.SubCategory = rc.text(fieldSubCategory, "")
	it.Measures = rc.text(fieldMeasures, "")
	it.Progress = rc.text(fieldProgress, "")
	it.Units = a.units(rc)
	it.Leader = a.leader(rc)
	st := rc.status()
	it.Status = st.status
	it.Deadline, it.LongTerm = a.deadline(rc, st.longTerm)
	if st.longTerm {
		// 长期坚持 as a status means no deadline whatever the deadline cell says.
		it.Deadline, it.LongTerm = ledger.Date{}, true
	}
	it.CompletedOn = a.completion(rc, it.Status)
	if len(rc.errs) > 0 {
		slices.SortStableFunc(rc.errs, func(x, y cellError) int { return cmp.Compare(x.col, y.col) })
		for _, e := range rc.errs {
			a.errs.add(e.err)
		}
		return
	}
	a.items = append(a.items, it)
	a.rows = append(a.rows, row)
}

// number reads 编号: required, one line, unique in the file. Full-width
// forms are folded ("一.3.（1）" is "一.3.(1)") so that the number people
// type on the command line finds the item whichever brackets the sheet used.
func (a *assembler) number(rc *rowCheck) string {
	raw, col, ok := rc.cell(fieldNo)
	if !ok {
		return ""
	}
	v := width.Fold.String(trimCell(raw))
	switch first, dup := a.seen[v]; {
	case v == "":
		rc.fail(col, "", "缺少编号")
	case hasControl(v):
		rc.fail(col, v, "编号不能包含换行或控制字符")
	case dup:
		rc.fail(col, v, fmt.Sprintf("编号重复（与第%d行）", first))
	default:
		a.seen[v] = rc.row
	}
	return v
}

// text reads a free-text field; line breaks and tabs are allowed, other
// control characters are not (PostgreSQL refuses NUL in text). missing is
// the reason when the field is required and empty, "" when optional.
func (rc *rowCheck) text(f field, missing string) string {
	raw, col, ok := rc.cell(f)
	if !ok {
		return ""
	}
	v := cleanText(raw)
	switch {
	case v == "" && missing != "":
		rc.fail(col, "", missing)
	case strings.ContainsFunc(v, isForbiddenInText):
		rc.fail(col, v, "包含不可见的控制字符")
	}
	return v
}

func isForbiddenInText(r rune) bool {
	return unicode.IsControl(r) && r != '\n' && r != '\t'
}

// units reads 责任部门: one or more names or codes, resolved to codes,
// duplicates dropped, the lead unit first as written.
func (a *assembler) units(rc *rowCheck) []string {
	raw, col, ok := rc.cell(fieldUnits)
	if !ok {
		return nil
	}
	v := trimCell(raw)
	if hasControl(v) {
		rc.fail(col, v, "责任部门不能包含换行或控制字符")
		return nil
	}
	names := splitNames(v)
	if len(names) == 0 {
		rc.fail(col, v, "缺少责任部门")
		return nil
	}
	var codes []string
	for _, name := range names {
		code, known := a.dir.ResolveUnit(name)
		if !known {
			rc.fail(col, name, "未知的责任部门")
			continue
		}
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	return codes
}

// leader reads 责任领导: one name or code, or nothing.
func (a *assembler) leader(rc *rowCheck) string {
	raw, col, ok := rc.cell(fieldLeader)
	if !ok {
		return ""
	}
	v := trimCell(raw)
	if v == "" {
		return ""
	}
	if hasControl(v) {
		rc.fail(col, v, "责任领导不能包含换行或控制字符")
		return ""
	}
	names := splitNames(v)
	if len(names) != 1 {
		// Item has one leader; taking the first of several would drop the
		// others without anyone noticing.
		rc.fail(col, v, "只能填写一名责任领导")
		return ""
	}
	code, known := a.dir.ResolveLeader(names[0])
	if !known {
		rc.fail(col, names[0], "未知的责任领导")
		return ""
	}
	return code
}

// status reads 整改状态.
func (rc *rowCheck) status() statusValue {
	raw, col, ok := rc.cell(fieldStatus)
	if !ok {
		return statusValue{}
	}
	v := trimCell(raw)
	if v == "" {
		rc.fail(col, "", "缺少整改状态")
		return statusValue{}
	}
	st, known := parseStatus(v)
	if !known {
		rc.fail(col, v, "无法识别的整改状态")
	}
	return st
}

// deadline reads 完成时限. An empty cell is allowed when emptyOK: a
// long-term status needs no date.
func (a *assembler) deadline(rc *rowCheck, emptyOK bool) (ledger.Date, bool) {
	raw, col, ok := rc.cell(fieldDeadline)
	if !ok {
		return ledger.Date{}, false
	}
	v := trimCell(raw)
	if v == "" {
		if !emptyOK {
			rc.fail(col, "", "缺少完成时限")
		}
		return ledger.Date{}, false
	}
	d, longTerm, err := parseDeadline(a.date(v))
	if err != nil {
		rc.fail(col, v, "日期无效") // the value as the user typed it, not our rewrite
	}
	return d, longTerm
}

// date is a date cell's text as parseDeadline reads it.
func (a *assembler) date(v string) string {
	if a.dateCell != nil {
		return a.dateCell(v)
	}
	return v
}

// completion reads 完成日期: a day, or nothing when the day is unknown.
// An item still being rectified has none.
func (a *assembler) completion(rc *rowCheck, status ledger.Status) ledger.Date {
	raw, col, ok := rc.cell(fieldCompleted)
	v := trimCell(raw)
	if !ok || v == "" {
		return ledger.Date{}
	}
	d, longTerm, err := parseDeadline(a.date(v))
	switch {
	case err != nil || longTerm:
		rc.fail(col, v, "日期无效")
	case status == ledger.StatusOpen:
		rc.fail(col, v, "整改状态为未完成（正在整改），不应填写完成日期")
	}
	return d
}
