package sheet

import (
	"encoding/csv"
	"io"
	"strings"
)

// CSVWriter writes the CSV files duban hands out (listings, the dispatch
// log, the ledger's export) for Excel on a Chinese Windows: UTF-8 starting
// with a byte order mark, else Excel reads it as GB18030; and every cell
// that Excel would take for a formula (one starting with = + - @, a tab or
// a CR: a problem text, a server's reply can say anything) kept text by a
// leading '. ReadCSV drops that quote again, so that a file written here
// reads back as written.
type CSVWriter struct {
	out     io.Writer
	cw      *csv.Writer
	started bool // the byte order mark is written
}

// NewCSVWriter returns a writer to w; call Flush when done.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{out: w, cw: csv.NewWriter(w)}
}

// Write writes one row, each cell made safe.
func (w *CSVWriter) Write(cells []string) error {
	if !w.started {
		w.started = true
		if _, err := io.WriteString(w.out, bomUTF8); err != nil {
			return err
		}
	}
	safe := make([]string, len(cells))
	for i, c := range cells {
		safe[i] = SafeCSVCell(c)
	}
	return w.cw.Write(safe)
}

// Flush writes what is buffered and reports any error of the writes.
func (w *CSVWriter) Flush() error {
	w.cw.Flush()
	return w.cw.Error()
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (or, for tab and CR, hide one behind blanks).
const formulaStarts = "=+-@\t\r"

// SafeCSVCell is a cell as CSVWriter writes it: a leading ' before text
// that would start a formula, and before text that already starts with
// quotes and then a formula character, so that unsafeCSVCell gives back
// exactly what was written.
func SafeCSVCell(v string) string {
	if startsFormula(v) {
		return "'" + v
	}
	return v
}

// unsafeCSVCell undoes SafeCSVCell. Excel writes a cell typed as '=1 as
// =1 (the quote only marks text), so a quote before a formula character is
// ours, not the user's.
func unsafeCSVCell(v string) string {
	if strings.HasPrefix(v, "'") && startsFormula(v) {
		return v[1:]
	}
	return v
}

// startsFormula reports text whose first character after any quotes would
// start a formula.
func startsFormula(v string) bool {
	rest := strings.TrimLeft(v, "'")
	return rest != "" && strings.IndexByte(formulaStarts, rest[0]) >= 0
}
