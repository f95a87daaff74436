package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"duban/ledger"
)

// sheetName is the worksheet of the XLSX notice.
const sheetName = "整改进展"

// xlsxColumns are the columns of the XLSX notice, one row per item, with
// their widths in characters.
var xlsxColumns = []struct {
	title string
	width float64
}{
	{"序号", 6}, {"编号", 10}, {"问题类别", 22}, {"问题子类", 22}, {"问题", 26}, {"整改措施", 40},
	{"责任领导", 10}, {"责任部门", 18}, {"完成时限", 16}, {"整改情况", 60},
	{"整改结果", 14}, {"红黄绿灯", 9},
}

// lightFills are the fill colours of the light column; the cell also
// carries the light's name, so a black-and-white print still reads.
var lightFills = map[ledger.Light]string{
	ledger.LightRed:    "FF7875",
	ledger.LightYellow: "FFE58F",
	ledger.LightGreen:  "95DE64",
	ledger.LightBlue:   "91CAFF",
	ledger.LightDone:   "D9D9D9",
	ledger.LightClosed: "BFBFBF",
}

const (
	xlsxTitleRow  = 1
	xlsxSumRow    = 2
	xlsxHeaderRow = 3
	xlsxFirstRow  = 4
)

// WriteXLSX writes the notice as a workbook ready to print: a title and the
// totals above one row per item, the light as the fill colour of its cell,
// landscape A4 fitted to the page width, the header repeated on each page.
func WriteXLSX(w io.Writer, n Notice) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return fmt.Errorf("report: xlsx: %w", err)
	}
	x := xlsxWriter{f: f}
	x.styles()
	x.header(n)
	row := xlsxFirstRow
	seq := 1
	for _, c := range n.Categories {
		for _, p := range c.Problems() {
			x.item(row, seq, c, p)
			row++
			seq++
		}
	}
	x.printSetup(row - 1)
	if x.err != nil {
		return fmt.Errorf("report: xlsx: %w", x.err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("report: write xlsx: %w", err)
	}
	return nil
}

// xlsxWriter keeps the first error of a sequence of excelize calls, so the
// layout code reads as the layout.
type xlsxWriter struct {
	f                              *excelize.File
	err                            error
	title, sum, head, body, center int
	lights                         map[ledger.Light]int
}

func (x *xlsxWriter) do(err error) {
	if x.err == nil {
		x.err = err
	}
}

func (x *xlsxWriter) style(s *excelize.Style) int {
	id, err := x.f.NewStyle(s)
	x.do(err)
	return id
}

func (x *xlsxWriter) styles() {
	thin := []excelize.Border{
		{Type: "left", Color: "404040", Style: 1}, {Type: "right", Color: "404040", Style: 1},
		{Type: "top", Color: "404040", Style: 1}, {Type: "bottom", Color: "404040", Style: 1},
	}
	wrapTop := &excelize.Alignment{WrapText: true, Vertical: "top"}
	x.title = x.style(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Size: 16, Family: "黑体"},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	x.sum = x.style(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	x.head = x.style(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F0F0F0"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    thin,
	})
	x.body = x.style(&excelize.Style{Alignment: wrapTop, Border: thin})
	x.center = x.style(&excelize.Style{
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top", WrapText: true}, Border: thin,
	})
	x.lights = map[ledger.Light]int{}
	for light, color := range lightFills {
		x.lights[light] = x.style(&excelize.Style{
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"},
			Border:    thin,
		})
	}
}

func cell(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func (x *xlsxWriter) header(n Notice) {
	last := len(xlsxColumns)
	x.do(x.f.SetCellValue(sheetName, cell(1, xlsxTitleRow), n.Title))
	x.do(x.f.MergeCell(sheetName, cell(1, xlsxTitleRow), cell(last, xlsxTitleRow)))
	x.do(x.f.SetCellStyle(sheetName, cell(1, xlsxTitleRow), cell(last, xlsxTitleRow), x.title))
	x.do(x.f.SetRowHeight(sheetName, xlsxTitleRow, 30))
	x.do(x.f.SetCellValue(sheetName, cell(1, xlsxSumRow), strings.TrimSpace(n.Summary()+"\n"+n.UnknownText())))
	x.do(x.f.MergeCell(sheetName, cell(1, xlsxSumRow), cell(last, xlsxSumRow)))
	x.do(x.f.SetCellStyle(sheetName, cell(1, xlsxSumRow), cell(last, xlsxSumRow), x.sum))
	for i, c := range xlsxColumns {
		col := i + 1
		x.do(x.f.SetCellValue(sheetName, cell(col, xlsxHeaderRow), c.title))
		name, _ := excelize.ColumnNumberToName(col)
		x.do(x.f.SetColWidth(sheetName, name, name, c.width))
	}
	x.do(x.f.SetCellStyle(sheetName, cell(1, xlsxHeaderRow), cell(last, xlsxHeaderRow), x.head))
}

func (x *xlsxWriter) item(row, seq int, c Category, p Problem) {
	progress := p.Progress
	if len(p.Notes) > 0 {
		progress = strings.TrimSpace(progress + "\n最新进展：" + p.NotesText())
	}
	values := []any{
		seq, p.No, "（" + c.Ordinal + "）" + c.Text, p.SubCategory, p.Problem, p.Measures, p.Leader, p.UnitList(),
		p.DeadlineNote(), progress, p.Result, p.Light.Label(),
	}
	x.do(x.f.SetSheetRow(sheetName, cell(1, row), &values))
	last := len(xlsxColumns)
	x.do(x.f.SetCellStyle(sheetName, cell(1, row), cell(last-1, row), x.body))
	x.do(x.f.SetCellStyle(sheetName, cell(1, row), cell(2, row), x.center))
	x.do(x.f.SetCellStyle(sheetName, cell(last-1, row), cell(last-1, row), x.center))
	if id, ok := x.lights[p.Light]; ok {
		x.do(x.f.SetCellStyle(sheetName, cell(last, row), cell(last, row), id))
	}
}

// printSetup makes the sheet print as the office prints a ledger: A4
// landscape, all columns on one page width, the header row on every page,
// frozen below the header on screen.
func (x *xlsxWriter) printSetup(lastRow int) {
	a4, landscape, one, auto := 9, "landscape", 1, 0
	fit := true
	x.do(x.f.SetPageLayout(sheetName, &excelize.PageLayoutOptions{
		Size: &a4, Orientation: &landscape, FitToWidth: &one, FitToHeight: &auto,
	}))
	x.do(x.f.SetSheetProps(sheetName, &excelize.SheetPropsOptions{FitToPage: &fit}))
	x.do(x.f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheetName, xlsxHeaderRow, xlsxHeaderRow),
		Scope:    sheetName,
	}))
	lastCol, _ := excelize.ColumnNumberToName(len(xlsxColumns))
	x.do(x.f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Area",
		RefersTo: fmt.Sprintf("'%s'!$A$1:$%s$%d", sheetName, lastCol, max(lastRow, xlsxHeaderRow)),
		Scope:    sheetName,
	}))
	x.do(x.f.SetPanes(sheetName, &excelize.Panes{
		Freeze: true, YSplit: xlsxHeaderRow, TopLeftCell: cell(1, xlsxFirstRow), ActivePane: "bottomLeft",
	}))
}
