package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"

	"duban/sheet"
)

const (
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

// formatFlag adds --format to a listing command.
func formatFlag(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", formatTable, "table, json or csv")
}

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
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v.json)
	case formatCSV:
		return writeCSV(w, v.header, v.rows)
	default:
		writeTable(w, v.header, v.rows)
		return nil
	}
}

// writeCSV writes the listing for Excel with sheet.CSVWriter: UTF-8 that
// a Chinese Windows opens as such, no cell read as a formula.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := sheet.NewCSVWriter(w)
	for _, row := range append([][]string{header}, rows...) {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// maxCellWidth keeps one long problem text from pushing every other column
// off a terminal; the full text is in the JSON and CSV output.
const maxCellWidth = 48

// writeTable aligns columns by display width: a Chinese character takes two
// terminal cells, which text/tabwriter does not know.
func writeTable(w io.Writer, header []string, rows [][]string) {
	rows = append([][]string{header}, rows...)
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], runewidth.StringWidth(tableCell(c)))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(tableCell(c))
			} else {
				b.WriteString(runewidth.FillRight(tableCell(c), widths[i]) + "  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func tableCell(s string) string {
	return runewidth.Truncate(strings.Join(strings.Fields(s), " "), maxCellWidth, "…")
}
