// Command benchtable prints the rows the benchmarks recorded (TSV, see
// bench.Row) as one Markdown table. A case recorded several times
// (BENCH_COUNT) is one line: each number is the median of its runs, the
// ratio the median of the runs' ratios, and the note the last run's. A
// target is checked against the ratio when the case has a floor, else
// against the measured number; a target missed is printed as missed.
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The columns bench.Record writes.
const (
	colCase = iota
	colUnit
	colMeasured
	colFloor
	colRatio
	colTarget
	colNote
	columns
)

type row struct {
	fields []string
	nums   [3][]float64 // measured, floor, ratio
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	var order []string
	rows := map[string]*row{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != columns {
			return fmt.Errorf("want %d tab-separated fields: %q", columns, sc.Text())
		}
		r, ok := rows[f[colCase]]
		if !ok {
			r = &row{}
			rows[f[colCase]] = r
			order = append(order, f[colCase])
		}
		r.fields = f
		for i := range r.nums {
			if v, err := strconv.ParseFloat(f[colMeasured+i], 64); err == nil {
				r.nums[i] = append(r.nums[i], v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out, "| case | measured | floor | ratio | target | | runs | note |")
	fmt.Fprintln(out, "|---|--:|--:|--:|---|---|--:|---|")
	for _, name := range order {
		r := rows[name]
		f := r.fields
		measured, floor, ratio := median(r.nums[0]), median(r.nums[1]), median(r.nums[2])
		checked := measured
		if !math.IsNaN(ratio) {
			checked = ratio
		}
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s | %d | %s |\n", name,
			withUnit(measured, f[colUnit]), withUnit(floor, f[colUnit]), format(ratio, 2),
			f[colTarget], verdict(checked, f[colTarget]), len(r.nums[0]), f[colNote])
	}
	return nil
}

// verdict is ✓ when v meets target ("≥ 0.8×", "≤ 200 MiB"), "missed"
// when not, and empty for information without a target.
func verdict(v float64, target string) string {
	f := strings.Fields(target)
	if len(f) < 2 || math.IsNaN(v) {
		return ""
	}
	bound, err := strconv.ParseFloat(strings.TrimSuffix(f[1], "×"), 64)
	if err != nil {
		return ""
	}
	if (f[0] == "≥" && v >= bound) || (f[0] == "≤" && v <= bound) {
		return "✓"
	}
	return "missed"
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func withUnit(v float64, unit string) string {
	if math.IsNaN(v) {
		return ""
	}
	digits := 0
	if math.Abs(v) < 100 {
		digits = 2
	}
	return format(v, digits) + " " + unit
}

func format(v float64, digits int) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}
