// Command benchtable prints the rows the benchmarks recorded (TSV, see
// bench.Row) as one Markdown table. Rows recorded several times (go test
// -count N) are merged: each number is the median of its runs.
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

const columns = 10 // bench, case, unit, duban, floor, ratio, target, mem, mem max, note

type row struct {
	fields []string
	nums   [3][]float64 // duban, floor, ratio
	mem    []float64
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
			continue
		}
		key := f[0] + "\x00" + f[1]
		r, ok := rows[key]
		if !ok {
			r = &row{fields: f}
			rows[key] = r
			order = append(order, key)
		}
		for i := range 3 {
			if v, err := strconv.ParseFloat(f[3+i], 64); err == nil {
				r.nums[i] = append(r.nums[i], v)
			}
		}
		if v, err := strconv.ParseFloat(f[7], 64); err == nil {
			r.mem = append(r.mem, v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(out, "| benchmark | case | duban | floor | ratio | target | memory MiB | memory target | runs | note |")
	fmt.Fprintln(out, "|---|---|--:|--:|--:|---|--:|---|--:|---|")
	for _, key := range order {
		r := rows[key]
		f := r.fields
		unit := f[2]
		fmt.Fprintf(out, "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |\n",
			f[0], f[1], withUnit(median(r.nums[0]), unit), withUnit(median(r.nums[1]), unit),
			format(median(r.nums[2]), 2), f[6], format(median(r.mem), 0), f[8], max(len(r.nums[0]), 1), f[9])
	}
	return nil
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
