package bench

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// Row is one line of bench/run's table: what a case measured against its
// floor and its target. Numbers that do not apply are NaN.
type Row struct {
	Case     string  // e.g. "delivery, N=4"
	Unit     string  // of Measured and Floor: "msgs/s", "s", "MiB", "ms", "KB"
	Measured float64 // duban's number
	Floor    float64 // the floor's number, NaN when the target is on Measured
	Ratio    float64 // Measured / Floor, NaN without a floor
	Target   string  // "≥ 0.8×" on Ratio when there is a floor, "≤ 40 MiB" on Measured; "" for information
	Note     string
}

// NA marks a number that does not apply.
var NA = math.NaN()

// Record appends r to $DUBAN_BENCH_OUT, when set, as one TSV line in the
// order of Row's fields; bench/cmd/benchtable prints them.
func Record(r Row) error {
	path := os.Getenv("DUBAN_BENCH_OUT")
	if path == "" {
		return nil
	}
	clean := strings.NewReplacer("\t", " ", "\n", " ")
	fields := []string{r.Case, r.Unit, num(r.Measured), num(r.Floor), num(r.Ratio), r.Target, r.Note}
	for i, f := range fields {
		fields[i] = clean.Replace(f)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("bench: record: %w", err)
	}
	if _, err := fmt.Fprintln(f, strings.Join(fields, "\t")); err != nil {
		f.Close()
		return fmt.Errorf("bench: record: %w", err)
	}
	return f.Close()
}

func num(f float64) string {
	if math.IsNaN(f) {
		return ""
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}
