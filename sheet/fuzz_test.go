package sheet

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"unicode/utf8"

	"duban/ledger"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func FuzzReadCSV(f *testing.F) {
	sample := sampleCSV(f, standardHeader)
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String(sample)
	for _, seed := range []string{
		"",
		sample,
		"\xEF\xBB\xBF" + sample,
		gb,
		"编号,问题,责任部门,完成时限,整改状态\r\n一.1.(1),问题,办公室,2024-13-01,完成了\r\n,,,,\r\n\r\n一.1.(1),\"a\nb\",\"宣传部、\",长期坚持,长期坚持\r\n",
		"no,problem,units,deadline,status\n1,x,bgs,2024年2月底,done\n2,\"unterminated,bgs,2024-12-31,open\n",
		"title\n\n编号,问题,问题\n",
		"\xFF\xFE\x00\x00",
		"PK\x03\x04",
	} {
		f.Add([]byte(seed))
	}
	if data, err := os.ReadFile(exampleCSV); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ReadCSV(context.Background(), bytes.NewReader(data), "fuzz.csv", "r", testDir())
		checkReadResult(t, items, err)
	})
}

// checkReadResult holds what any ledger read must give, whatever its input:
// an *ImportError that names each bad row, or well-formed items.
func checkReadResult(t *testing.T, items []ledger.Item, err error) {
	t.Helper()
	if err != nil {
		ie, ok := errors.AsType[*ImportError](err)
		if !ok {
			t.Fatalf("error %v (%T) is not an *ImportError", err, err)
		}
		if len(ie.Rows) == 0 || ie.Error() == "" {
			t.Fatalf("empty ImportError %#v", ie)
		}
		for _, r := range ie.Rows {
			if r.Row < 0 || r.Reason == "" || utf8.RuneCountInString(r.Value) > maxValueChars+1 {
				t.Fatalf("bad row error %#v", r)
			}
		}
		return
	}
	if len(items) == 0 {
		t.Fatal("no items and no error")
	}
	seen := map[string]bool{}
	for i, it := range items {
		if it.Seq != i+1 || it.No == "" || seen[it.No] || it.Problem == "" || len(it.Units) == 0 || it.Status == "" {
			t.Fatalf("item %d: %+v", i, it)
		}
		if it.LongTerm == !it.Deadline.IsZero() {
			t.Fatalf("item %s: long-term %v with deadline %v", it.No, it.LongTerm, it.Deadline)
		}
		if hasControl(it.No) || hasControl(it.Leader) {
			t.Fatalf("item %s: control character in the number or leader", it.No)
		}
		seen[it.No] = true
	}
}

func FuzzParseDeadline(f *testing.F) {
	for _, seed := range []string{
		"2024-12-31", "2024/12/31", "2024.12.31", "2024年12月31日", "2024年12月底", "2024年12月", "2024年底",
		"长期坚持", "２０２４年１２月３１日", "2024/12/31 0:00", "2024-13-01", "2024年2月30日", "", "年月日", "2024-1-",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, longTerm, err := parseDeadline(s)
		switch {
		case err != nil:
			if !d.IsZero() || longTerm {
				t.Fatalf("parseDeadline(%q) = %v, %v with error %v", s, d, longTerm, err)
			}
		case longTerm:
			if !d.IsZero() {
				t.Fatalf("parseDeadline(%q): long-term with date %v", s, d)
			}
		default:
			if d.Year() < minYear || d.Year() > maxYear {
				t.Fatalf("parseDeadline(%q) = %v: year out of range", s, d)
			}
			again, lt, err := parseDeadline(d.String())
			if err != nil || lt || !again.Equal(d) {
				t.Fatalf("parseDeadline(%q) = %v, which does not read back: %v %v %v", s, d, again, lt, err)
			}
		}
	})
}
