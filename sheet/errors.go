package sheet

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// RowError is one bad cell, or one problem with the whole file.
type RowError struct {
	Row    int    // 1-based row number as Excel shows it; 0 when the error concerns the whole file
	Column string // the column header as written in the file; "" when not about one column
	Value  string // the offending value, trimmed; long values are cut to maxValueChars characters and end with "…"
	Reason string // in Chinese, e.g. 日期无效
}

// String formats the error as `第5行 完成时限 "2024-13-01"：日期无效`.
func (e RowError) String() string {
	var b strings.Builder
	if e.Row > 0 {
		fmt.Fprintf(&b, "第%d行", e.Row)
	}
	if e.Column != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Column)
	}
	if e.Value != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		// %q keeps Chinese as is and escapes line breaks, so one error stays one line.
		fmt.Fprintf(&b, "%q", e.Value)
	}
	if b.Len() > 0 {
		b.WriteString("：")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// ImportError lists everything wrong with a ledger file. An import is all or
// nothing, so the user gets every problem at once and fixes them in one go.
type ImportError struct {
	File    string     // base name of the file, as the user knows it
	Rows    []RowError // in file order: by row, then by column
	Omitted int        // errors found beyond the first MaxRowErrors, not listed
}

// Error prints one line per bad cell, e.g.
// `ledger.csv：第5行 完成时限 "2024-13-01"：日期无效`.
func (e *ImportError) Error() string {
	prefix := ""
	if e.File != "" {
		prefix = e.File + "："
	}
	lines := make([]string, 0, len(e.Rows)+1)
	for _, r := range e.Rows {
		lines = append(lines, prefix+r.String())
	}
	if e.Omitted > 0 {
		lines = append(lines, fmt.Sprintf("%s另有 %d 处错误未列出", prefix, e.Omitted))
	}
	if len(lines) == 0 {
		return prefix + "导入失败"
	}
	return strings.Join(lines, "\n")
}

// fileError is an ImportError about the file as a whole.
func fileError(file, reason string) *ImportError {
	return &ImportError{File: file, Rows: []RowError{{Reason: reason}}}
}

// Messages shared by the readers. They spell out the limits above; a test
// keeps them in step.
const (
	msgTooLarge      = "文件超过 20 MiB 上限"
	msgNoData        = "没有数据行"
	msgTooLong       = "单元格超过 32767 个字符的上限"
	msgUnzipTooLarge = "工作表解压后超过 100 MiB 上限，请拆分后分别导入"
	msgTooWide       = "超过 256 列，不是整改台账（请检查文件内容和分隔符）"
	msgTooMany       = "文件超过 100000 行的上限，请拆分后分别导入"
	// msgUndecodable takes the encoding the file was read in.
	msgUndecodable = "含有无法识别的字符（按 %s 编码读取），请检查该行，或在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入"
)

// maxValueChars bounds the value quoted in an error: a whole paragraph of
// 整改情况 helps nobody find the cell.
const maxValueChars = 60

// shortValue cuts v for display in an error.
func shortValue(v string) string {
	if utf8.RuneCountInString(v) <= maxValueChars {
		return v
	}
	n := 0
	for i := range v {
		if n == maxValueChars {
			return v[:i] + "…"
		}
		n++
	}
	return v
}

// collector gathers row errors up to MaxRowErrors and counts the rest.
type collector struct {
	rows    []RowError
	omitted int
}

func (c *collector) add(e RowError) {
	if len(c.rows) >= MaxRowErrors {
		c.omitted++
		return
	}
	e.Value = shortValue(e.Value)
	c.rows = append(c.rows, e)
}

func (c *collector) empty() bool { return len(c.rows) == 0 && c.omitted == 0 }

func (c *collector) err(file string) error {
	if c.empty() {
		return nil
	}
	return &ImportError{File: file, Rows: c.rows, Omitted: c.omitted}
}
