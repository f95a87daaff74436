// Package progress shows how far a long import or export has got, on a
// terminal only: a script or a log reading duban's output gets nothing
// extra.
package progress

import (
	"fmt"
	"io"
)

// step is how many rows pass between redraws: often enough to see a large
// file move, seldom enough that drawing costs nothing next to the rows.
const step = 1000

// Reporter counts rows and, on a terminal, redraws one line: "reading
// ledger.xlsx: 12000 rows". Not safe for concurrent use.
type Reporter struct {
	w     io.Writer
	on    bool
	what  string
	n     int
	drawn int // n when the line was last drawn
}

// New returns a reporter writing to w, a terminal when isTerminal is true;
// otherwise it writes nothing at all. what says what the rows are for,
// like "reading ledger.xlsx" or "writing export.csv".
func New(w io.Writer, isTerminal bool, what string) *Reporter {
	return &Reporter{w: w, on: isTerminal, what: what}
}

// Add counts n more rows.
func (r *Reporter) Add(n int) {
	r.n += n
	if r.on && r.n-r.drawn >= step {
		r.draw()
	}
}

// Done draws the final count and ends the line, so that what is printed
// next starts on a line of its own.
func (r *Reporter) Done() {
	if !r.on {
		return
	}
	r.draw()
	fmt.Fprintln(r.w)
}

func (r *Reporter) draw() {
	// \r goes back to the start of the line; the count only grows, so the
	// new text always covers the old.
	fmt.Fprintf(r.w, "\r%s: %d rows", r.what, r.n)
	r.drawn = r.n
}
