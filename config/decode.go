package config

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"duban/ledger"
)

// decoder turns the generic TOML tree (plus environment overrides) into a
// Config. It never stops at the first problem: every reader records what is
// wrong, with its place, and carries on with the next key.
type decoder struct {
	file     string
	lines    map[string]int    // field path → line in file
	envPaths map[string]string // field path → variable that set it or created its table
	failed   map[string]bool   // field paths that already have an error
	errs     []*Error

	// elemPaths holds, for "rounds", "leaders", "units" and "duties", the
	// field path of each decoded element, like "units[3]".
	elemPaths map[string][]string
}

func newDecoder(file string, lines map[string]int) *decoder {
	return &decoder{
		file:     file,
		lines:    lines,
		envPaths: map[string]string{},
		failed:   map[string]bool{},

		elemPaths: map[string][]string{},
	}
}

// errorf records a problem of the field at path. One problem per field is
// enough: a value of the wrong type must not also be reported as missing.
func (d *decoder) errorf(path, format string, args ...any) {
	if d.failed[path] {
		return
	}
	d.failed[path] = true
	e := &Error{Field: path, Msg: fmt.Sprintf(format, args...)}
	if env, line := d.locate(path); env != "" {
		e.Env = env
	} else {
		e.File, e.Line = d.file, line
	}
	d.errs = append(d.errs, e)
}

// locate finds where the value at path came from: the variable that set it
// or the line it is on, else the nearest enclosing table's.
func (d *decoder) locate(path string) (env string, line int) {
	for p := path; p != ""; p = parentPath(p) {
		if name, ok := d.envPaths[p]; ok {
			return name, 0
		}
		if l, ok := d.lines[p]; ok {
			return "", l
		}
	}
	return "", 0
}

func (d *decoder) typeError(path, want string, v any) {
	got := describe(v)
	if strings.Contains(path, "password") {
		got, _, _ = strings.Cut(got, " (") // a secret's value stays out of logs
	}
	d.errorf(path, "wrong type: want %s, got %s", want, got)
}

// describe names the TOML type of a decoded value, with the value when it
// is short, for "wrong type" messages.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("a string (%q)", x)
	case int64:
		return fmt.Sprintf("an integer (%d)", x)
	case float64:
		return fmt.Sprintf("a float (%v)", x)
	case bool:
		return fmt.Sprintf("a boolean (%v)", x)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case toml.LocalDate:
		return "a date (" + x.String() + ")"
	case toml.LocalTime:
		return "a time (" + x.String() + ")"
	case toml.LocalDateTime, time.Time:
		return "a date-time"
	case envValue:
		return fmt.Sprintf("%q", x.raw)
	}
	return fmt.Sprintf("%T", v)
}

// table is one TOML table being decoded; it remembers which keys were read
// so that the rest can be reported as unknown.
type table struct {
	d     *decoder
	path  string
	m     map[string]any
	known []string // keys the decoder asked for, present or not
	used  map[string]bool
}

func (d *decoder) newTable(path string, m map[string]any) *table {
	return &table{d: d, path: path, m: m, used: map[string]bool{}}
}

func (t *table) take(key string) (v any, path string, ok bool) {
	t.known = append(t.known, key)
	v, ok = t.m[key]
	if ok {
		t.used[key] = true
	}
	return v, joinPath(t.path, key), ok
}

// keys returns the table's keys in the order of the file (environment
// additions last), so that problems are reported top to bottom.
func (t *table) keys() []string {
	keys := make([]string, 0, len(t.m))
	for k := range t.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		la, lb := t.d.lines[joinPath(t.path, a)], t.d.lines[joinPath(t.path, b)]
		if la == 0 {
			la = math.MaxInt
		}
		if lb == 0 {
			lb = math.MaxInt
		}
		return cmp.Or(cmp.Compare(la, lb), strings.Compare(a, b))
	})
	return keys
}

// finish reports every key of the table the decoder did not read.
func (t *table) finish() {
	for _, k := range t.keys() {
		if t.used[k] {
			continue
		}
		path := joinPath(t.path, k)
		if ev, ok := t.m[k].(envValue); ok {
			t.d.envPaths[path] = ev.name
		}
		t.d.errorf(path, "unknown key%s", suggest(k, t.known))
	}
}

// suggest proposes the known key closest to a misspelt one.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(key), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// sub returns the sub-table at key, or nil when it is absent or not a table.
func (t *table) sub(key string) *table {
	v, path, ok := t.take(key)
	if !ok {
		return nil
	}
	return t.d.asTable(path, v)
}

func (d *decoder) asTable(path string, v any) *table {
	switch x := v.(type) {
	case map[string]any:
		return d.newTable(path, x)
	case envValue:
		d.envPaths[path] = x.name
		d.errorf(path, "is a table and cannot be set from the environment; set its keys")
	default:
		d.typeError(path, "a table", v)
	}
	return nil
}

// list returns the tables of an array of tables ([[units]]).
func (t *table) list(key string) (tables []*table) {
	v, path, ok := t.take(key)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case []any:
		for i, el := range x {
			if sub := t.d.asTable(indexPath(path, i), el); sub != nil {
				tables = append(tables, sub)
			}
		}
	case envValue:
		t.d.envPaths[path] = x.name
		t.d.errorf(path, "is a list of tables and cannot be set from the environment")
	default:
		t.d.typeError(path, "an array of tables", v)
	}
	return tables
}

// The readers below set *dst only when the key is present and valid, and
// report whether the key was present.

func (t *table) str(key string, dst *string) bool {
	v, path, ok := t.take(key)
	if ok {
		if s, valid := t.d.readString(path, v); valid {
			*dst = s
		}
	}
	return ok
}

func (t *table) integer(key string, dst *int) bool {
	v, path, ok := t.take(key)
	if ok {
		if n, valid := t.d.readInt(path, v); valid {
			*dst = n
		}
	}
	return ok
}

func (t *table) boolean(key string, dst *bool) bool {
	v, path, ok := t.take(key)
	if !ok {
		return false
	}
	switch x := v.(type) {
	case bool:
		*dst = x
	case envValue:
		t.d.envPaths[path] = x.name
		b, err := strconv.ParseBool(strings.TrimSpace(x.raw))
		if err != nil {
			t.d.errorf(path, "want true or false, got %q", x.raw)
			return true
		}
		*dst = b
	default:
		t.d.typeError(path, "a boolean", v)
	}
	return true
}

func (t *table) strs(key string, dst *[]string) bool {
	v, path, ok := t.take(key)
	if !ok {
		return false
	}
	elems, valid := t.d.readList(path, v)
	if !valid {
		return true
	}
	out := make([]string, 0, len(elems))
	for i, el := range elems {
		if s, valid := t.d.readString(indexPath(path, i), el); valid {
			out = append(out, s)
		}
	}
	*dst = out
	return true
}

func (t *table) ints(key string, dst *[]int) bool {
	v, path, ok := t.take(key)
	if !ok {
		return false
	}
	elems, valid := t.d.readList(path, v)
	if !valid {
		return true
	}
	out := make([]int, 0, len(elems))
	for i, el := range elems {
		if n, valid := t.d.readInt(indexPath(path, i), el); valid {
			out = append(out, n)
		}
	}
	*dst = out
	return true
}

func (t *table) duration(key string, dst *Duration) bool {
	v, path, ok := t.take(key)
	if !ok {
		return false
	}
	s, valid := t.d.readString(path, v)
	if !valid {
		return true
	}
	dur, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		t.d.errorf(path, "invalid duration %q: want a number with a unit, like \"24h\" or \"90m\"", s)
		return true
	}
	*dst = Duration{dur}
	return true
}

// dates reads a list of calendar days, written either as TOML dates
// (2027-01-01) or as strings ("2027-01-01").
func (t *table) dates(key string, dst *[]ledger.Date) bool {
	v, path, ok := t.take(key)
	if !ok {
		return false
	}
	elems, valid := t.d.readList(path, v)
	if !valid {
		return true
	}
	out := make([]ledger.Date, 0, len(elems))
	for i, el := range elems {
		if day, valid := t.d.readDate(indexPath(path, i), el); valid {
			out = append(out, day)
		}
	}
	*dst = out
	return true
}

func (d *decoder) readString(path string, v any) (string, bool) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case envValue:
		d.envPaths[path] = x.name
		s = x.raw
	default:
		d.typeError(path, "a string", v)
		return "", false
	}
	// No value of ours may span lines; in names and addresses a line break
	// would let a value inject mail headers.
	if strings.ContainsAny(s, "\r\n") {
		d.errorf(path, "must not contain a line break (CR or LF)")
		return "", false
	}
	return s, true
}

func (d *decoder) readInt(path string, v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		if x < math.MinInt32 || x > math.MaxInt32 {
			d.errorf(path, "integer %d is out of range", x)
			return 0, false
		}
		return int(x), true
	case envValue:
		d.envPaths[path] = x.name
		n, err := strconv.ParseInt(strings.TrimSpace(x.raw), 10, 32)
		if err != nil {
			d.errorf(path, "want an integer, got %q", x.raw)
			return 0, false
		}
		return int(n), true
	}
	d.typeError(path, "an integer", v)
	return 0, false
}

func (d *decoder) readDate(path string, v any) (ledger.Date, bool) {
	switch x := v.(type) {
	case toml.LocalDate:
		day := ledger.NewDate(x.Year, time.Month(x.Month), x.Day)
		return day, true
	case string, envValue:
		s, ok := d.readString(path, v)
		if !ok {
			return ledger.Date{}, false
		}
		day, err := ledger.ParseDate(s)
		if err != nil {
			d.errorf(path, "invalid date %q: want YYYY-MM-DD", s)
			return ledger.Date{}, false
		}
		return day, true
	}
	d.typeError(path, "a date (YYYY-MM-DD)", v)
	return ledger.Date{}, false
}

// readList returns the elements of an array; a value from the environment
// is a comma-separated list.
func (d *decoder) readList(path string, v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case envValue:
		d.envPaths[path] = x.name
		var elems []any
		for _, part := range strings.Split(x.raw, ",") {
			if part = strings.TrimSpace(part); part != "" {
				elems = append(elems, envValue{name: x.name, raw: part})
			}
		}
		return elems, true
	}
	d.typeError(path, "an array", v)
	return nil, false
}
