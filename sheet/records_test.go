package sheet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// allRecords reads every record of a CSV table, or the file's problems.
func allRecords(ctx context.Context, r io.Reader, name string) ([]record, error) {
	var recs []record
	var errs collector
	if err := readCSVRecords(ctx, r, name, &errs, func(rec record) bool { recs = append(recs, rec); return true }); err != nil {
		return nil, err
	}
	return recs, errs.err(name)
}

func TestReadCSVRecords(t *testing.T) {
	t.Parallel()
	const text = "任务, 部门 ,期间,报送日期,备注\r\n" +
		"sanzhongyida,办公室,2025-03,2025/4/3,\"已报,纸质\"\r\n" +
		",,,,\r\n" + // a blank row still counts for the row numbers
		"\u3000sanhuiyike\u3000,机关第一党支部,2025-Q1,2025年4月8日,\"两行\n备注\"\r\n" +
		"lianzheng,组织部,2025,,\r\n" // row 5: the quoted line break stays inside row 4
	want := []record{
		{Row: 1, Cells: []string{"任务", "部门", "期间", "报送日期", "备注"}},
		{Row: 2, Cells: []string{"sanzhongyida", "办公室", "2025-03", "2025/4/3", "已报,纸质"}},
		{Row: 4, Cells: []string{"sanhuiyike", "机关第一党支部", "2025-Q1", "2025年4月8日", "两行\n备注"}},
		{Row: 5, Cells: []string{"lianzheng", "组织部", "2025", "", ""}},
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []struct{ name, data string }{
		{"utf-8", text}, {"utf-8 with bom", bomUTF8 + text}, {"gb18030", gb},
	} {
		t.Run(enc.name, func(t *testing.T) {
			t.Parallel()
			got, err := allRecords(t.Context(), strings.NewReader(enc.data), "subs.csv")
			if err != nil {
				t.Fatalf("readCSVRecords: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("records:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReadCSVRecordsRefusesOtherFiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, data, want string
	}{
		{"xlsx content", magicZip + "rest", "扩展名改为 .xlsx"},
		{"xls", magicOLE + "rest", ".xls"},
		{"bad quote", "a,b\n\"x,y\n", "第2行：CSV 格式错误"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := allRecords(t.Context(), bytes.NewReader([]byte(tt.data)), "subs.csv")
			var ie *ImportError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an ImportError mentioning %q", err, tt.want)
			}
		})
	}
}

func TestParseDateAndnormHeader(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2025-04-03": "2025-04-03", "2025/4/3": "2025-04-03", "2025年4月3日": "2025-04-03",
		"2025/4/3 0:00": "2025-04-03", "长期坚持": "", "2025-02-30": "", "昨天": "",
	} {
		d, err := ParseDate(in)
		if got := d.String(); got != want || (want == "") != (err != nil) {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got := normHeader(" 报送 日期\u3000"); got != "报送日期" {
		t.Errorf("normHeader = %q", got)
	}
	if got := normHeader("Ｄｕｔｙ"); got != "duty" {
		t.Errorf("normHeader(full-width) = %q", got)
	}
}
