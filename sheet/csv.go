package sheet

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"duban/ledger"
)

// ctxCheckEvery is how many rows are read between looks at the context.
const ctxCheckEvery = 256

// Magic numbers of what may come in the place of a CSV file.
const (
	magicZip = "PK\x03\x04"                       // .xlsx (a zip archive)
	magicOLE = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" // .xls, or an encrypted .xlsx
	bomUTF8  = "\xEF\xBB\xBF"                     // what Excel's "CSV UTF-8" starts with
	bomGB    = "\x84\x31\x95\x33"                 // U+FEFF in GB18030
	bomLE    = "\xFF\xFE"                         // UTF-16 little endian (Excel's "Unicode 文本")
	bomBE    = "\xFE\xFF"                         // UTF-16 big endian
)

// ReadCSV reads a ledger in CSV from r; name is the file name shown in
// errors. The items belong to round.
func ReadCSV(ctx context.Context, r io.Reader, name, round string, dir Directory) ([]ledger.Item, error) {
	l, err := readCSV(ctx, r, name, round, dir)
	return l.Items, err
}

func readCSV(ctx context.Context, r io.Reader, name, round string, dir Directory) (Ledger, error) {
	data, err := readLimited(ctx, r, name)
	if err != nil {
		return Ledger{}, err
	}
	text, err := decodeCSV(data, name)
	if err != nil {
		return Ledger{}, err
	}
	a := newAssembler(name, round, dir)
	if err := feedCSV(ctx, text, a); err != nil {
		return Ledger{}, fmt.Errorf("sheet: read %s: %w", name, err)
	}
	return a.finish()
}

// readLimited reads all of r, refusing more than MaxFileSize bytes.
func readLimited(ctx context.Context, r io.Reader, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sheet: read %s: %w", name, err)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("sheet: read %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, fileError(name, msgTooLarge)
	}
	return data, nil
}

// decodeCSV returns the text of a CSV file: UTF-8 (a BOM dropped) when the
// bytes are valid UTF-8, else GB18030, which is what Chinese Excel and WPS
// write unless told otherwise. GB18030 is a superset of GBK and GB2312.
func decodeCSV(data []byte, name string) (string, error) {
	switch {
	case hasPrefix(data, magicOLE):
		return "", fileError(name, msgXLS)
	case hasPrefix(data, magicZip):
		return "", fileError(name, "文件内容是 Excel 工作簿而不是 CSV,请将扩展名改为 .xlsx 后再导入")
	case hasPrefix(data, bomLE), hasPrefix(data, bomBE):
		return "", fileError(name, "不支持 UTF-16 编码的文本文件,请在 Excel 中另存为“CSV UTF-8(逗号分隔)”或 .xlsx 后再导入")
	}
	data = bytes.TrimPrefix(data, []byte(bomUTF8))
	if utf8.Valid(data) {
		return string(data), nil
	}
	decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(bytes.TrimPrefix(data, []byte(bomGB)))
	if err != nil {
		return "", fileError(name, "无法识别文件编码,请使用 UTF-8 或 GB18030(GBK)编码")
	}
	return string(decoded), nil
}

// rowSink takes the records of a file: the ledger's assembler, or the
// plain records of readCSVRecords.
type rowSink interface {
	add(row int, cells []string) bool // false: stop reading
	stop(e RowError)                  // a file-level error; nothing more is read
}

// feedCSV parses the CSV text and hands each record to a with the row
// number Excel would show for it. encoding/csv skips blank lines, which
// Excel shows as empty rows, and a quoted cell may span lines; so the row
// number is worked out from the lines each record starts and ends on.
func feedCSV(ctx context.Context, text string, a rowSink) error {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1 // ledgers have ragged rows: trailing empty cells left out
	row, lastLine := 0, 0
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			a.stop(RowError{Row: row + max(pe.StartLine-lastLine, 1),
				Reason: fmt.Sprintf("CSV 格式错误(文件第 %d 行): %s", pe.Line, csvReason(pe.Err))})
			return nil
		}
		if err != nil {
			return err
		}
		start, _ := cr.FieldPos(0)
		end, _ := cr.FieldPos(len(rec) - 1)
		end += strings.Count(rec[len(rec)-1], "\n")
		row += start - lastLine // blank lines in between were rows too
		lastLine = end
		if !a.add(row, rec) {
			return nil
		}
	}
}

// csvReason puts encoding/csv's complaint in the user's words.
func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "引号不成对,含逗号、引号或换行的单元格须用英文双引号括起,其中的双引号写作两个"
	}
	return err.Error()
}

func hasPrefix(data []byte, prefix string) bool {
	return bytes.HasPrefix(data, []byte(prefix))
}
