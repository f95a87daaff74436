package sheet

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"duban/ledger"
)

var update = flag.Bool("update", false, "rewrite ../examples/ledger.xlsx from ../examples/ledger.csv")

const (
	exampleCSV  = "../examples/ledger.csv"
	exampleXLSX = "../examples/ledger.xlsx"
)

// The example ledger holds the 25 problems of the public progress notice it
// comes from, in the notice's order.
var exampleNumbers = []string{
	"一.1.(1)", "一.1.(2)", "一.1.(3)", "一.2.(1)", "一.2.(2)", "一.2.(3)", "一.2.(4)", "一.3.(1)", "一.3.(2)", "一.3.(3)",
	"二.1.(1)", "二.1.(2)", "二.2.(1)", "二.2.(2)", "二.3.(1)", "二.3.(2)", "二.3.(3)",
	"三.1", "三.2.(1)", "三.2.(2)", "三.3.(1)", "三.3.(2)", "三.3.(3)",
	"四.1", "四.2",
}

// checkExampleItems asserts what the notice says of the 25 problems, and the
// deadlines chosen for the four open ones: one of each light on 2026-11-25.
func checkExampleItems(t *testing.T, items []ledger.Item) {
	t.Helper()
	var numbers []string
	open := map[string]ledger.Item{}
	statuses := map[ledger.Status]int{}
	for i, it := range items {
		numbers = append(numbers, it.No)
		statuses[it.Status]++
		if it.Status == ledger.StatusOpen {
			open[it.No] = it
		}
		if it.Seq != i+1 || it.Round != "2024-7" {
			t.Errorf("%s: seq %d round %q", it.No, it.Seq, it.Round)
		}
		if it.Category == "" || it.Problem == "" || it.Measures == "" || it.Progress == "" || it.Leader == "" || len(it.Units) == 0 {
			t.Errorf("%s: a field is empty: %+v", it.No, it)
		}
		if it.LongTerm != it.Deadline.IsZero() {
			t.Errorf("%s: long-term %v with deadline %v", it.No, it.LongTerm, it.Deadline)
		}
	}
	if !slices.Equal(numbers, exampleNumbers) {
		t.Errorf("numbers %q\nwant %q", numbers, exampleNumbers)
	}
	if statuses[ledger.StatusOpen] != 4 || statuses[ledger.StatusDone] != 21 {
		t.Errorf("statuses %v; want 4 open, 21 done", statuses)
	}
	d := ledger.NewDate
	wantOpen := map[string]struct {
		deadline ledger.Date
		longTerm bool
	}{
		"一.3.(1)": {d(2026, 12, 15), false}, // green on 2026-11-25
		"二.3.(3)": {ledger.Date{}, true},    // blue
		"四.1":     {d(2026, 11, 30), false}, // yellow
		"四.2":     {d(2026, 11, 20), false}, // red: overdue
	}
	for no, w := range wantOpen {
		it, ok := open[no]
		if !ok || !it.Deadline.Equal(w.deadline) || it.LongTerm != w.longTerm {
			t.Errorf("open item %s: %+v; want deadline %v long-term %v", no, it, w.deadline, w.longTerm)
		}
	}
	// The sub-categories (问题子类) are the notice's "1.关于…问题" headings;
	// the fourth category's two problems have none.
	for _, it := range items {
		if (it.SubCategory == "") != strings.HasPrefix(it.No, "四.") {
			t.Errorf("%s: sub-category %q", it.No, it.SubCategory)
		}
	}
	if first := items[0]; first.SubCategory != "关于政治站位不够高,学习贯彻习近平新时代中国特色社会主义思想不够到位问题" ||
		first.Category != "关于贯彻落实党中央重大决策部署和省委工作要求、市委工作安排不够有力,推动新时代工会工作创新发展有差距方面问题" ||
		first.Problem != "理论学习不够深入" || !strings.HasPrefix(first.Progress, "一是严格按照《中共济南市总工会党组理论学习中心组") {
		t.Errorf("first item: %+v", first)
	}
}

func TestExamples(t *testing.T) {
	t.Parallel()
	for _, path := range []string{exampleCSV, exampleXLSX} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			items, err := ReadFile(context.Background(), path, "2024-7", testDir())
			if err != nil {
				t.Fatal(err)
			}
			checkExampleItems(t, items)
		})
	}
}

// The CSV is what Chinese Excel opens right: UTF-8 with a BOM; and it uses
// several deadline forms so that the example exercises the parser.
func TestExampleCSVForm(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(exampleCSV)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(bomUTF8)) {
		t.Error("examples/ledger.csv does not start with a UTF-8 BOM")
	}
	for _, form := range []string{",2024-12-31,", ",2024/12/31,", ",2024年12月底,", ",长期坚持,", ",2025年3月31日,", ",2025.03.31,"} {
		if !bytes.Contains(data, []byte(form)) {
			t.Errorf("examples/ledger.csv has no deadline written %s", form)
		}
	}
}

// The committed XLSX holds the same items as the CSV, and the helper that
// made it still makes an equivalent one. go test -run XLSXMatchesCSV -update
// rewrites it after the CSV changed.
func TestExamplesXLSXMatchesCSV(t *testing.T) {
	ctx := context.Background()
	header, rows := readRawCSV(t, exampleCSV)
	buf, err := writeLedgerXLSX(header, rows)
	if err != nil {
		t.Fatal(err)
	}
	regenerated := filepath.Join(t.TempDir(), "ledger.xlsx")
	if *update {
		regenerated = exampleXLSX
	}
	if err := os.WriteFile(regenerated, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := ReadFile(ctx, exampleCSV, "2024-7", testDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{exampleXLSX, regenerated} {
		got, err := ReadFile(ctx, path, "2024-7", testDir())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s differs from the CSV:\n%s\nwant\n%s", path, describeItems(got), describeItems(want))
		}
	}
}

// readRawCSV returns the header and rows of a UTF-8 CSV file as written.
func readRawCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte(bomUTF8)))).ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("read %s: %v (%d records)", path, err, len(records))
	}
	return records[0], records[1:]
}
