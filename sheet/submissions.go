package sheet

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"duban/ledger"
)

// submissionColumns maps the accepted header names (normalised by
// normHeader) to the fields of a submission.
var submissionColumns = map[string]string{
	"任务": "duty", "定期任务": "duty", "任务名称": "duty", "duty": "duty",
	"部门": "unit", "单位": "unit", "报送单位": "unit", "责任部门": "unit", "unit": "unit",
	"期间": "period", "报送期间": "period", "周期": "period", "period": "period",
	"报送日期": "date", "日期": "date", "date": "date",
	"备注": "note", "note": "note",
}

// submissionColumnNames are the Chinese headers, for messages.
var submissionColumnNames = map[string]string{"duty": "任务", "unit": "部门", "period": "期间", "date": "报送日期", "note": "备注"}

// ReadSubmissions reads a CSV file of duty submissions, as the office
// keeps them in Excel: a header row with the columns 任务, 部门 and 期间,
// optionally 报送日期 and 备注 (or their synonyms, in any order), then one
// submission a row. Every row is checked with rules; a row that repeats an
// earlier one, or a submission already recorded (by ledger.Submission.Key),
// is refused too. name is the file's name: only .csv is accepted. It returns
// every submission, or an *ImportError naming each bad row and column.
func ReadSubmissions(ctx context.Context, r io.Reader, name string, rules ledger.SubmissionRules, recorded ledger.Submitted) ([]ledger.Submission, error) {
	if ext := strings.ToLower(filepath.Ext(name)); ext != ".csv" {
		return nil, fileError(name, "只支持 CSV 文件，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”")
	}
	sr := submissionReader{rules: rules, done: make(map[string]string, len(recorded))}
	for key, on := range recorded {
		sr.done[key] = "已于" + on.Label() + "登记过报送"
	}
	if err := readCSVRecords(ctx, r, name, &sr.errs, sr.record); err != nil {
		return nil, err
	}
	if sr.rows == 0 && sr.errs.empty() {
		return nil, fileError(name, msgNoData)
	}
	if err := sr.errs.err(name); err != nil {
		return nil, err
	}
	return sr.subs, nil
}

// submissionReader checks the records of a submissions file as they come:
// the header, then one submission a row.
type submissionReader struct {
	rules ledger.SubmissionRules
	done  map[string]string // key → why another row may not hold it
	cols  *submissionCols   // nil until the header is read
	rows  int               // data rows seen
	subs  []ledger.Submission
	errs  collector
}

func (sr *submissionReader) record(rec record) bool {
	if sr.cols == nil {
		cols, ok := submissionHeader(rec, &sr.errs)
		sr.cols = &cols
		return ok
	}
	sr.rows++
	cols := sr.cols
	in := ledger.SubmissionInput{Duty: cols.cell(rec, "duty"), Unit: cols.cell(rec, "unit"),
		Period: cols.cell(rec, "period"), Date: cols.cell(rec, "date"), Note: cols.cell(rec, "note")}
	sub, probs := sr.rules.Check(in)
	for _, p := range probs {
		sr.errs.add(RowError{Row: rec.Row, Column: cols.name(p.Field), Value: p.Value, Reason: p.Reason})
	}
	if len(probs) > 0 {
		return true
	}
	if why, dup := sr.done[sub.Key()]; dup {
		sr.errs.add(RowError{Row: rec.Row, Column: cols.name("period"), Value: in.Period, Reason: why})
		return true
	}
	sr.done[sub.Key()] = fmt.Sprintf("与第%d行重复", rec.Row)
	sr.subs = append(sr.subs, sub)
	return true
}

// submissionCols are the columns of a submissions file: each field's
// index, and the header as written.
type submissionCols struct {
	index  map[string]int
	header []string
}

// submissionHeader finds the fields' columns in the header row; a column
// named twice or a required one missing is an error, and ok is false.
func submissionHeader(header record, errs *collector) (cols submissionCols, ok bool) {
	cols = submissionCols{index: map[string]int{}, header: header.Cells}
	ok = true
	for i, cell := range header.Cells {
		field, ok := submissionColumns[normHeader(cell)]
		if !ok {
			continue
		}
		if _, dup := cols.index[field]; dup {
			errs.add(RowError{Row: header.Row, Column: cell, Reason: "列名重复"})
			ok = false
			continue
		}
		cols.index[field] = i
	}
	for _, field := range []string{"duty", "unit", "period"} {
		if _, found := cols.index[field]; !found {
			errs.add(RowError{Row: header.Row,
				Reason: fmt.Sprintf("缺少“%s”列（表头应含 任务、部门、期间，可选 报送日期、备注）", submissionColumnNames[field])})
			ok = false
		}
	}
	return cols, ok
}

// cell is the row's value of field, "" when the file has no such column.
func (c submissionCols) cell(r record, field string) string {
	i, ok := c.index[field]
	if !ok || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// name is the header of field's column as written.
func (c submissionCols) name(field string) string { return c.header[c.index[field]] }
