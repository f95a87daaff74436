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
	l, err := readCSV(ctx, r, newAssembler(name, round, dir))
	return l.Items, err
}

func readCSV(ctx context.Context, r io.Reader, a *assembler) (Ledger, error) {
	data, err := readLimited(ctx, r, a.file)
	if err != nil {
		return Ledger{}, err
	}
	text, err := decodeCSV(data, a.file)
	if err != nil {
		return Ledger{}, err
	}
	if err := feedCSV(ctx, text, a); err != nil {
		return Ledger{}, fmt.Errorf("sheet: read %s: %w", a.file, err)
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

// csvText is a CSV file's text and the lines (counted from 1) whose bytes
// do not decode in the encoding it was read in.
type csvText struct {
	text     string
	encoding string // UTF-8 or GB18030
	bad      []int  // in increasing order
}

// decodeCSV returns the text of a CSV file: UTF-8 (a BOM dropped) when the
// bytes are valid UTF-8, else GB18030, which is what Chinese Excel and WPS
// write unless told otherwise (a superset of GBK and GB2312). A file that
// is neither is read in the one under which fewer lines fail to decode (a
// UTF-8 file with one stray byte stays UTF-8), and those lines are bad
// rows, never text with U+FFFD in the ledger.
func decodeCSV(data []byte, name string) (csvText, error) {
	switch {
	case hasPrefix(data, magicOLE):
		return csvText{}, fileError(name, msgXLS)
	case hasPrefix(data, magicZip):
		return csvText{}, fileError(name, "文件内容是 Excel 工作簿而不是 CSV，请将扩展名改为 .xlsx 后再导入")
	case hasPrefix(data, bomLE), hasPrefix(data, bomBE):
		return csvText{}, fileError(name, "不支持 UTF-16 编码的文本文件，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入")
	}
	data = bytes.TrimPrefix(data, []byte(bomUTF8))
	if utf8.Valid(data) {
		return csvText{text: string(data), encoding: "UTF-8"}, nil
	}
	data = bytes.TrimPrefix(data, []byte(bomGB))
	decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return csvText{}, fileError(name, "无法识别文件编码，请使用 UTF-8 或 GB18030（GBK）编码")
	}
	gb := csvText{text: string(decoded), encoding: "GB18030", bad: gb18030BadLines(data, decoded)}
	if badUTF8 := utf8BadLines(data); len(badUTF8) < len(gb.bad) {
		return csvText{text: string(data), encoding: "UTF-8", bad: badUTF8}, nil
	}
	return gb, nil
}

// gbReplacement is U+FFFD written in GB18030: a file may hold it, and the
// decoder writes it for every byte it cannot decode.
var gbReplacement = []byte("\x84\x31\xA4\x37")

// gb18030BadLines compares the lines of a GB18030 file with its decoded
// text, line by line (a newline byte is never part of a GB18030 character):
// a line that decoded to more U+FFFD than it spells out has bytes that do
// not decode.
func gb18030BadLines(raw, decoded []byte) []int {
	var bad []int
	for line := 1; len(raw) > 0 || len(decoded) > 0; line++ {
		var r, d []byte
		r, raw, _ = bytes.Cut(raw, []byte("\n"))
		d, decoded, _ = bytes.Cut(decoded, []byte("\n"))
		if bytes.Count(d, []byte("\uFFFD")) > bytes.Count(r, gbReplacement) {
			bad = append(bad, line)
		}
	}
	return bad
}

// utf8BadLines lists the lines that are not valid UTF-8.
func utf8BadLines(data []byte) []int {
	var bad []int
	for line := 1; len(data) > 0; line++ {
		var l []byte
		l, data, _ = bytes.Cut(data, []byte("\n"))
		if !utf8.Valid(l) {
			bad = append(bad, line)
		}
	}
	return bad
}

// rowSink takes the records of a file: the ledger's assembler, or the
// plain records of readCSVRecords.
type rowSink interface {
	add(row int, cells []string) bool // false: stop reading
	reject(e RowError)                // a bad row; the others are still read
	stop(e RowError)                  // a file-level error; nothing more is read
}

// feedCSV parses the CSV text and hands each record to a with the row
// number Excel would show for it. encoding/csv skips blank lines, which
// Excel shows as empty rows, and a quoted cell may span lines; so the row
// number is worked out from the lines each record starts and ends on. A
// record on a line that did not decode is rejected, and a file with a
// record of more than MaxFields fields is refused before encoding/csv,
// which holds a whole record in memory, reads any of it.
func feedCSV(ctx context.Context, in csvText, a rowSink) error {
	if row, wide := wideRow(in.text); wide {
		a.stop(RowError{Row: row, Reason: msgTooWide})
		return nil
	}
	cr := csv.NewReader(strings.NewReader(in.text))
	cr.FieldsPerRecord = -1 // ledgers have ragged rows: trailing empty cells left out
	bad := in.bad
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
				Reason: fmt.Sprintf("CSV 格式错误（文件第 %d 行）：%s", pe.Line, csvReason(pe.Err))})
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
		if n == MaxRows {
			a.stop(RowError{Row: row, Reason: msgTooMany})
			return nil
		}
		for len(bad) > 0 && bad[0] < start {
			bad = bad[1:]
		}
		if len(bad) > 0 && bad[0] <= end {
			a.reject(RowError{Row: row, Reason: fmt.Sprintf(msgUndecodable, in.encoding)})
			continue
		}
		for i, c := range rec {
			rec[i] = unsafeCSVCell(c)
		}
		if !a.add(row, rec) {
			return nil
		}
	}
}

// wideRow finds the first record of more than MaxFields fields and the row
// Excel would show it on (a newline in quotes does not start a row), the
// way encoding/csv splits fields: a quote opens a quoted field only as its
// first character, and "" inside one is a quote.
func wideRow(text string) (int, bool) {
	row, fields := 1, 1
	quoted, fieldStart := false, true
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quoted:
			if c == '"' {
				if i+1 < len(text) && text[i+1] == '"' {
					i++
				} else {
					quoted = false
				}
			}
		case c == '"' && fieldStart:
			quoted = true
		case c == ',':
			if fields++; fields > MaxFields {
				return row, true
			}
		case c == '\n':
			row, fields = row+1, 1
		}
		fieldStart = !quoted && (c == ',' || c == '\n')
	}
	return 0, false
}

// csvReason puts encoding/csv's complaint in the user's words.
func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "引号不成对，含逗号、引号或换行的单元格须用英文双引号括起，其中的双引号写作两个"
	}
	return err.Error()
}

func hasPrefix(data []byte, prefix string) bool {
	return bytes.HasPrefix(data, []byte(prefix))
}
