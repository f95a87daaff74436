package sheet

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// mergedRanges, which scans the worksheet's XML, finds the ranges that
// excelize's GetMergeCells finds, on the first sheet only.
func TestMergedRangesMatchExcelize(t *testing.T) {
	t.Parallel()
	for _, ranges := range [][][2]string{nil, {{"A2", "A4"}}, {{"B2", "B3"}, {"E5", "F9"}, {"A10", "C10"}}} {
		f := excelize.NewFile()
		if _, err := f.NewSheet("第二页"); err != nil {
			t.Fatal(err)
		}
		if err := f.MergeCell("第二页", "D1", "D9"); err != nil { // not the first sheet: ignored
			t.Fatal(err)
		}
		for _, r := range ranges {
			if err := f.SetCellValue("Sheet1", r[0], "合并"); err != nil {
				t.Fatal(err)
			}
			if err := f.MergeCell("Sheet1", r[0], r[1]); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		want, err := f.GetMergeCells("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		scan, ok := scanSheet(buf.Bytes())
		if !ok || scan.wideRow != 0 {
			t.Fatalf("%v: scanSheet did not understand the workbook (%+v)", ranges, scan)
		}
		got := scan.merges
		refs := func(ms []excelize.MergeCell) []string {
			var out []string
			for _, m := range ms {
				out = append(out, m.GetStartAxis()+":"+m.GetEndAxis())
			}
			slices.Sort(out)
			return out
		}
		if !slices.Equal(refs(got), refs(want)) {
			t.Errorf("%v: scanSheet merges = %v, GetMergeCells = %v", ranges, refs(got), refs(want))
		}
	}
}
