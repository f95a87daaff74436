package bench

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Row is one line of bench/run's table. Numbers that do not apply are NaN.
type Row struct {
	Bench  string  // delivery, planning, idle, import
	Case   string  // e.g. "N=4", "postgres 1M items, daily run"
	Unit   string  // what Duban and Floor count, e.g. "msgs/s", "s"
	Duban  float64 // duban's number
	Floor  float64 // the floor's number
	Ratio  float64 // duban / floor in the direction of the target
	Target string  // e.g. "≥ 0.9", "≤ 2"
	MemMB  float64 // peak (or resident) memory, MiB
	MemMax string  // e.g. "≤ 200"
	Note   string
}

// Fields is the TSV encoding of r, in the column order of the table.
func (r Row) Fields() []string {
	return []string{r.Bench, r.Case, r.Unit, num(r.Duban), num(r.Floor), num(r.Ratio), r.Target, num(r.MemMB), r.MemMax, r.Note}
}

func num(f float64) string {
	if math.IsNaN(f) {
		return ""
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// NA marks a number that does not apply.
var NA = math.NaN()

var recordMu sync.Mutex

// Record appends r to $DUBAN_BENCH_OUT, when set, as one TSV line.
func Record(r Row) error {
	path := os.Getenv("DUBAN_BENCH_OUT")
	if path == "" {
		return nil
	}
	recordMu.Lock()
	defer recordMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("bench: record: %w", err)
	}
	fields := r.Fields()
	for i, s := range fields {
		fields[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
	}
	if _, err := fmt.Fprintln(f, strings.Join(fields, "\t")); err != nil {
		f.Close()
		return fmt.Errorf("bench: record: %w", err)
	}
	return f.Close()
}
