package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// One row of 20 MiB of commas is 21 million empty fields: encoding/csv
// would hold them all (1.1 GB) before the reader could look at the row.
// The row is refused before encoding/csv reads it. Not parallel: it
// measures what the process allocates.
func TestReadCSVRefusesARowOfMillionsOfFields(t *testing.T) {
	hdr := "编号,问题,责任部门,完成时限,整改状态\n"
	data := []byte(hdr + "1," + strings.Repeat(",", MaxFileSize-len(hdr)-2))
	if len(data) != MaxFileSize {
		t.Fatalf("file of %d bytes, want %d", len(data), MaxFileSize)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadCSV(context.Background(), bytes.NewReader(data), "wide.csv", "r1", testDir())
	runtime.ReadMemStats(&after)

	if got, want := err.Error(), "wide.csv：第2行："+msgTooWide; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	// Reading the file is a copy or two of it; splitting the row into
	// fields would be some fifty.
	const budget = 6 * MaxFileSize
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > budget {
		t.Errorf("reading the file allocated %d MiB, want under %d MiB", alloc>>20, budget>>20)
	}
}

func TestReadCSVFieldLimit(t *testing.T) {
	t.Parallel()
	hdr := "编号,问题,责任部门,完成时限,整改状态"
	row := "一.1,问题,办公室,2024-12-31,已完成"
	tests := []struct {
		name    string
		text    string
		wantRow int // 0: the file reads
	}{
		{"a row of MaxFields cells", hdr + "\n" + row + strings.Repeat(",", MaxFields-5) + "\n", 0},
		{"a row of one more", hdr + "\n" + row + strings.Repeat(",", MaxFields-4) + "\n", 2},
		{"a header of one more", hdr + strings.Repeat(",x", MaxFields) + "\n" + row + "\n", 1},
		{"commas in quotes are text", hdr + "\n" + `一.1,"` + strings.Repeat(",", 2*MaxFields) + `",办公室,2024-12-31,已完成` + "\n", 0},
		{"quotes in quotes", hdr + "\n" + `一.1,"""a"",` + strings.Repeat(",", 2*MaxFields) + `",办公室,2024-12-31,已完成` + "\n", 0},
		{"rows counted as Excel counts them", hdr + "\n\n" + `一.1,"多行` + "\n" + `问题",办公室,2024-12-31,已完成` + "\n" +
			row + strings.Repeat(",", MaxFields) + "\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := readCSVText(t, tt.text)
			if tt.wantRow == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ie := importErr(t, err)
			if len(ie.Rows) != 1 || ie.Rows[0].Row != tt.wantRow || ie.Rows[0].Reason != msgTooWide {
				t.Errorf("errors %+v; want row %d: %s", ie.Rows, tt.wantRow, msgTooWide)
			}
		})
	}
	// Submissions files are read the same way.
	_, err := allRecords(context.Background(), strings.NewReader("任务,部门,期间"+strings.Repeat(",", MaxFields)), "s.csv")
	if ie := importErr(t, err); ie.Rows[0].Row != 1 || ie.Rows[0].Reason != msgTooWide {
		t.Errorf("submissions: %v", err)
	}
}

// Bytes that do not decode make their row a bad row, with its number; the
// other rows are still checked, and nothing reads as U+FFFD.
func TestReadCSVUndecodableBytesAreBadRows(t *testing.T) {
	t.Parallel()
	gb := func(s string) string {
		out, err := simplifiedchinese.GB18030.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	hdr := "编号,问题,责任部门,完成时限,整改状态\r\n"
	good := "一.1,理论学习不够深入,办公室,2024-12-31,已完成\r\n"
	tests := []struct {
		name    string
		data    string
		wantErr []string // ImportError lines; nil: reads
	}{
		{"gb18030 with a stray byte",
			gb(hdr+good) + gb("一.2,问题") + "\xFF" + gb(",办公室,2024-12-31,已完成\r\n") + gb("一.3,问题,财务部,2024-12-31,未完成\r\n"),
			[]string{"ledger.csv：第3行：" + strings.ReplaceAll(msgUndecodable, "%s", "GB18030"),
				`ledger.csv：第4行 责任部门 "财务部"：未知的责任部门`}},
		{"gb18030 with a cut character in a multi-line cell",
			gb(hdr+good) + gb("一.2,\"问题\r\n第二行") + "\x81" + gb("\",办公室,2024-12-31,已完成\r\n"),
			[]string{"ledger.csv：第3行：" + strings.ReplaceAll(msgUndecodable, "%s", "GB18030")}},
		{"utf-8 with a stray byte",
			hdr + good + "一.2,问题\x80,办公室,2024-12-31,已完成\r\n" + "一.3,问题,办公室,2024-12-31,已完成\r\n",
			[]string{"ledger.csv：第3行：" + strings.ReplaceAll(msgUndecodable, "%s", "UTF-8")}},
		{"gb18030 spelling out U+FFFD reads", gb(hdr + "一.1,问题\uFFFD,办公室,2024-12-31,已完成\r\n" + good[2:]), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := readCSVText(t, tt.data)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if items[0].Problem != "问题\uFFFD" {
					t.Errorf("problem %q", items[0].Problem)
				}
				return
			}
			if err == nil {
				t.Fatalf("read %d items, want an error", len(items))
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.wantErr) {
				t.Errorf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.wantErr, "\n"))
			}
		})
	}
}

// What CSVWriter writes opens in Excel as text, and reads back as written.
func TestCSVWriterNeutralisesFormulasAndReadsBack(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"任务", "部门", "期间", "备注"},
		{"sanzhongyida", "办公室", "2025-03", "=HYPERLINK(\"http://x.example\",\"点击\")"},
		{"sanzhongyida", "组织部", "2025-03", "+1"},
		{"sanzhongyida", "宣传教育部", "2025-03", "-1"},
		{"sanzhongyida", "财务资产部", "2025-03", "@SUM(A1)"},
		{"sanzhongyida", "机关党委", "2025-03", "'=引号开头"},
		{"sanzhongyida", "基层工作部", "2025-03", "普通文字,含逗号"},
	}
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, bomUTF8) {
		t.Error("no byte order mark")
	}
	for _, want := range []string{`"'=HYPERLINK(""http://x.example"",""点击"")"`, ",'+1\n", ",'-1\n", ",'@SUM(A1)\n", ",''=引号开头\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for c, want := range map[string]string{"\tx": "'\tx", "\rx": "'\rx", "'": "'", "'x": "'x", "x=1": "x=1", "": ""} {
		if got := SafeCSVCell(c); got != want {
			t.Errorf("SafeCSVCell(%q) = %q, want %q", c, got, want)
		}
	}
	records, err := allRecords(context.Background(), strings.NewReader(out), "back.csv")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range records {
		if !reflect.DeepEqual(r.Cells, rows[i]) {
			t.Errorf("row %d read back as %q, written %q", i+1, r.Cells, rows[i])
		}
	}
}

type rowCounter struct{ n int }

func (c *rowCounter) Add(n int) { c.n += n }

func TestReadFileProgressCountsRows(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.csv")
	if err := os.WriteFile(path, []byte(sampleCSV(t, standardHeader)), 0o600); err != nil {
		t.Fatal(err)
	}
	var c rowCounter
	items, err := ReadFileProgress(context.Background(), path, "2024-7", testDir(), &c)
	if err != nil {
		t.Fatal(err)
	}
	if rows := 1 + len(sampleRows()); c.n != rows || len(items) != 3 {
		t.Errorf("progress told of %d rows (%d items); the file has %d", c.n, len(items), rows)
	}
}

// rawXLSX is a workbook of one worksheet whose sheetData is rows, written
// by hand (excelize would refuse to write some of these shapes).
func rawXLSX(t *testing.T, rows func(w io.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	for name, text := range parts {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, text)
	}
	w, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	rows(w)
	io.WriteString(w, `</sheetData></worksheet>`)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func inlineCell(text string) string { return `<c t="inlineStr"><is><t>` + text + `</t></is></c>` }

// A worksheet of one row of millions of cells compresses to a small file;
// excelize would build the whole row in memory before the reader could
// look at it. The row is refused from a scan of the worksheet's tags. Not
// parallel: it measures what the process allocates.
func TestReadXLSXRefusesARowOfMillionsOfCells(t *testing.T) {
	header := `<row r="1">` + inlineCell("编号") + inlineCell("问题") + inlineCell("责任部门") + inlineCell("完成时限") + inlineCell("整改状态") + `</row>`
	data := rawXLSX(t, func(w io.Writer) {
		io.WriteString(w, header+`<row r="3">`)
		cells := strings.Repeat(inlineCell("x"), 10000)
		for range 200 { // two million cells, 80 MB of XML
			io.WriteString(w, cells)
		}
		io.WriteString(w, `</row>`)
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadXLSX(context.Background(), bytes.NewReader(data), "wide.xlsx", "r1", testDir())
	runtime.ReadMemStats(&after)
	if got, want := fmt.Sprint(err), "wide.xlsx：第3行："+msgTooWide; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("reading the workbook allocated %d MiB, want under 32 MiB", alloc>>20)
	}
}

// A worksheet that expands beyond the limit is refused as too large, not
// read by excelize after all.
func TestReadXLSXRefusesAWorksheetBeyondTheLimit(t *testing.T) {
	t.Parallel()
	data := rawXLSX(t, func(w io.Writer) {
		row := `<row>` + strings.Repeat(inlineCell("x"), 5) + `</row>`
		for written := 0; written <= maxUnzipSize; written += len(row) {
			io.WriteString(w, row)
		}
	})
	_, err := ReadXLSX(context.Background(), bytes.NewReader(data), "big.xlsx", "r1", testDir())
	if err == nil || !strings.Contains(err.Error(), "100 MiB") {
		t.Errorf("error %v, want the workbook refused as over 100 MiB", err)
	}
}
