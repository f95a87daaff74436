// Package sheet reads the rectification ledger (整改台账) from the CSV and
// XLSX files the office keeps in Excel or WPS, and turns it into ledger.Items.
//
// # File formats
//
// CSV: UTF-8 with or without a byte-order mark, or GB18030 (what Chinese
// Excel writes for "CSV (逗号分隔)"): a file that is valid UTF-8 is read as
// UTF-8, anything else is decoded as GB18030. Comma separated, quoted as
// RFC 4180 (Excel's way); cells may span lines. UTF-16 text and .xlsx/.xls
// content under a .csv name are refused with a hint.
//
// XLSX: the first worksheet, read with excelize's streaming row iterator.
// Date cells (numbers with a date format, or ISO dates) are taken as dates
// in the deadline and completion columns. Merged cells (a category or a
// leader merged over several rows, as ledgers usually are) count as if
// every cell of the merged range held the top-left value. .xls is refused: "save as .xlsx".
//
// # Header row
//
// The header is the first non-empty row that holds at least one known column
// name; up to five title rows above it (such as "巡察整改台账") are skipped.
// Names match ignoring surrounding and inner spaces (including full-width
// spaces) and, for the English names, letter case. Columns in any order;
// unknown columns are ignored. Known names, with their accepted synonyms:
//
//	field     Chinese   English   synonyms                      required
//	no        编号      no        序号                           yes
//	category  问题类别  category  类别, 一级类别
//	subcat    问题子类  subcategory  二级类别, 问题小类, 子类
//	problem   问题      problem   问题描述, 具体问题             yes
//	measures  整改措施  measures
//	leader    责任领导  leader    分管领导
//	units     责任部门  units     责任处室, 责任单位             yes
//	deadline  完成时限  deadline  整改时限                       yes
//	status    整改状态  status    状态, 整改结果                 yes
//	completed 完成日期  completed_on  完成时间, 办结日期
//	progress  整改情况  progress  进展情况
//
// When a canonical name and a synonym are both present (say 编号 and 序号),
// the canonical column is used and the synonym ignored; two columns of the
// same rank for one field are an error.
//
// # Cell values
//
// Cells are trimmed of whitespace, full-width spaces included; rows whose
// cells are all empty are skipped. 编号 must be unique in the file; its
// full-width characters are folded to ASCII (（1） becomes (1)). 责任部门
// holds one or more unit names or codes separated by 、 , ， ; or ；, resolved
// through the Directory; 责任领导 holds one leader name or code, or nothing.
// 编号, 责任部门 and 责任领导 must not contain line breaks or other control
// characters; 问题, 整改措施 and 整改情况 may span lines. Deadlines and
// statuses: see parseDeadline and parseStatus. Status 长期坚持 makes the item
// open and long-term whatever the deadline column says (a date there is
// checked but not kept: a long-term item has no deadline). 完成日期 is a
// date in the deadline's forms, or empty when the day is unknown; an item
// still being rectified has none. 完成时间 is read as the completion day,
// never as the deadline.
//
// # Errors
//
// Every bad cell of every row is reported, in one *ImportError, with the row
// number as Excel shows it, the column header as written and the value; the
// caller gets either all items or an error, never part of a file.
package sheet

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"duban/ledger"
)

// Limits on what an import accepts. The ledger of a whole programme is a few
// hundred rows; anything near these limits is a mistake or an attack.
const (
	// MaxFileSize is the largest file accepted, in bytes (20 MiB).
	MaxFileSize = 20 << 20
	// MaxCellChars is the most characters a cell may hold: Excel's own limit.
	MaxCellChars = 32767
	// MaxFields is the most cells a CSV row may have: more than any ledger
	// has, few enough that no row of a file under MaxFileSize costs much.
	MaxFields = 256
	// MaxRows is the most rows with content a file may have: a hundred
	// times a large ledger, and it bounds the time and memory of a file
	// of millions of one-letter rows.
	MaxRows = 100_000
	// MaxRowErrors is how many errors an ImportError lists; more are counted.
	MaxRowErrors = 1000
)

// Directory resolves the names or codes written in the ledger to the codes
// of the configured units and leaders. *config.Config satisfies it.
type Directory interface {
	ResolveUnit(nameOrCode string) (string, bool)
	ResolveLeader(nameOrCode string) (string, bool)
}

// msgXLS is what a user who picked an old-format workbook reads.
const msgXLS = "不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入"

// Progress is told how many rows of a file have been read, as they are
// read, so that a command can show a large import moving.
type Progress interface{ Add(rows int) }

// Ledger is what a ledger file holds: its items, the row each came from,
// and the item fields it has columns for (a field without a column is one
// an import leaves as it is).
type Ledger struct {
	Items  []ledger.Item
	Rows   []int          // Rows[i] is the row of Items[i] as Excel numbers it
	Fields []ledger.Field // in the order of ledger.ItemFields
}

// Row returns the row of item no, 0 when the file has none.
func (l Ledger) Row(no string) int {
	for i, it := range l.Items {
		if it.No == no {
			return l.Rows[i]
		}
	}
	return 0
}

// ReadFile reads the items of the ledger at path (see ReadLedger).
func ReadFile(ctx context.Context, path, round string, dir Directory) ([]ledger.Item, error) {
	return ReadFileProgress(ctx, path, round, dir, nil)
}

// ReadFileProgress is ReadFile telling p of every row it reads; p may be nil.
func ReadFileProgress(ctx context.Context, path, round string, dir Directory, p Progress) ([]ledger.Item, error) {
	l, err := ReadLedger(ctx, path, round, dir, p)
	return l.Items, err
}

// ReadLedger reads the ledger at path, choosing the format by the
// extension (.csv or .xlsx, any letter case), telling p (may be nil) of
// every row it reads. The items belong to round.
func ReadLedger(ctx context.Context, path, round string, dir Directory, p Progress) (Ledger, error) {
	name := filepath.Base(path)
	if _, err := readerFor(name); err != nil {
		return Ledger{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Ledger{}, fmt.Errorf("sheet: open ledger: %w", err)
	}
	defer f.Close()
	// Refuse an oversized file before reading it; the readers check again
	// for inputs that are not regular files.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return Ledger{}, fileError(name, msgTooLarge)
	}
	return ReadLedgerFrom(ctx, f, name, round, dir, p)
}

// ReadLedgerFrom reads a ledger file named name (an upload, say) from r,
// as ReadLedger reads one from disk: the format by the name's extension,
// at most MaxFileSize bytes.
func ReadLedgerFrom(ctx context.Context, r io.Reader, name, round string, dir Directory, p Progress) (Ledger, error) {
	read, err := readerFor(name)
	if err != nil {
		return Ledger{}, err
	}
	if err := ctx.Err(); err != nil {
		return Ledger{}, fmt.Errorf("sheet: read %s: %w", name, err)
	}
	a := newAssembler(name, round, dir)
	a.progress = p
	return read(ctx, r, a)
}

// readerFor is the reader of a file named name, by its extension.
func readerFor(name string) (func(context.Context, io.Reader, *assembler) (Ledger, error), error) {
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv":
		return readCSV, nil
	case ".xlsx":
		return readXLSX, nil
	case ".xls":
		return nil, fileError(name, msgXLS)
	case "":
		return nil, fileError(name, "文件没有扩展名，请使用 .csv 或 .xlsx 文件")
	default:
		return nil, fileError(name, fmt.Sprintf("不支持的文件类型 %q，请使用 .csv 或 .xlsx 文件", ext))
	}
}
