package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

const (
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

func checkFormat(f string) error {
	switch f {
	case formatTable, formatJSON, formatCSV:
		return nil
	}
	return badInputf("invalid --format %q: want table, json or csv", f)
}

// rowsView is what a listing command prints: a header and rows of cells for
// table and CSV output, and the value to encode for JSON output.
type rowsView struct {
	header []string
	rows   [][]string
	json   any
}

func writeView(w io.Writer, format string, v rowsView) error {
	switch format {
	case formatJSON:
		return writeJSON(w, v.json)
	case formatCSV:
		return writeCSV(w, v.header, v.rows)
	default:
		return writeTable(w, v.header, v.rows)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeCSV starts with a UTF-8 byte order mark so that Excel on a Chinese
// Windows opens the file as UTF-8 instead of GB18030.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// maxCellWidth keeps one long problem text from pushing every other column
// off a terminal; the full text is in the JSON and CSV output.
const maxCellWidth = 48

// writeTable aligns columns by display width: a Chinese character takes two
// terminal cells, which text/tabwriter does not know.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	widths := make([]int, len(header))
	measure := func(cells []string) {
		for i, c := range cells {
			if cw := runewidth.StringWidth(tableCell(c)); cw > widths[i] {
				widths[i] = cw
			}
		}
	}
	measure(header)
	for _, r := range rows {
		measure(r)
	}
	var b strings.Builder
	line := func(cells []string) {
		b.Reset()
		for i, c := range cells {
			c = tableCell(c)
			if i == len(cells)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(runewidth.FillRight(c, widths[i]))
			b.WriteString("  ")
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	return nil
}

func tableCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return runewidth.Truncate(s, maxCellWidth, "…")
}
