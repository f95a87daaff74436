package config

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Error is one problem of a configuration, with where it is. Load returns a
// single *Error or an errors.Join of several.
type Error struct {
	File  string // the config file; "" when the value came from the environment
	Line  int    // 1-based line in File; 0 when unknown
	Field string // field path like "units[3].leader"; "" for a whole-file problem
	Env   string // the environment variable that supplied the value, if any
	Msg   string
	err   error // cause, so that errors.Is(err, fs.ErrNotExist) works
}

// Error prints "FILE:LINE: FIELD: message", or
// "environment VAR: FIELD: message" for a value from the environment.
func (e *Error) Error() string {
	var parts []string
	switch {
	case e.Env != "":
		parts = append(parts, "environment "+e.Env)
	case e.File != "" && e.Line > 0:
		parts = append(parts, e.File+":"+strconv.Itoa(e.Line))
	case e.File != "":
		parts = append(parts, e.File)
	}
	if e.Field != "" {
		parts = append(parts, e.Field)
	}
	parts = append(parts, e.Msg)
	return strings.Join(parts, ": ")
}

// Unwrap returns the cause, such as an fs.PathError for an unreadable file.
func (e *Error) Unwrap() error { return e.err }

// joinErrors returns nil, the only error, or all of them joined, ordered by
// line so that the report reads like the file; problems without a line (from
// the environment, or missing keys) keep their order after the others.
func joinErrors(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	sorted := slices.Clone(errs)
	slices.SortStableFunc(sorted, func(a, b *Error) int {
		return cmp.Compare(lineOrLast(a), lineOrLast(b))
	})
	all := make([]error, len(sorted))
	for i, e := range sorted {
		all[i] = e
	}
	return errors.Join(all...)
}

func lineOrLast(e *Error) int {
	if e.Line == 0 {
		return int(^uint(0) >> 1)
	}
	return e.Line
}

// problems collects what is wrong with one config, each with where it is:
// the line of the file or the environment variable that set the field. It
// never stops at the first problem, and reports one problem per field: a
// value of the wrong type must not also be reported as missing.
type problems struct {
	file     string
	tree     map[string]any    // the file as parsed, for what a key holds
	pos      positions         // where each field path is written in the file
	envPaths map[string]string // field path → the variable that set it
	failed   map[string]bool   // field paths that already have a problem
	errs     []*Error
}

func (p *problems) add(e *Error) {
	if p.failed[e.Field] {
		return
	}
	p.failed[e.Field] = true
	p.errs = append(p.errs, e)
}

// errorf records a problem of the field at path.
func (p *problems) errorf(path, format string, args ...any) {
	e := &Error{Field: path, Msg: fmt.Sprintf(format, args...)}
	if env, line := p.locate(path); env != "" {
		e.Env = env
	} else {
		e.File, e.Line = p.file, line
	}
	p.add(e)
}

// locate finds where the value at path came from: the variable that set it
// or an enclosing field, else the line it is on, else the nearest enclosing
// table's.
func (p *problems) locate(path string) (env string, line int) {
	for q := path; q != ""; q = parentPath(q) {
		if name, ok := p.envPaths[q]; ok {
			return name, 0
		}
	}
	for q := path; q != ""; q = parentPath(q) {
		if l, ok := p.pos.lines[q]; ok {
			return "", l
		}
	}
	return "", 0
}

// wrongType is the message for the value v at path where want belongs.
func wrongType(path, want string, v any) string {
	got := describe(v)
	if strings.Contains(path, "password") {
		got, _, _ = strings.Cut(got, " (") // a secret's value stays out of logs
	}
	return fmt.Sprintf("wrong type: want %s, got %s", want, got)
}

// decodeError records what go-toml found wrong with the file. It reports
// whether go-toml decoded the whole file: it finds every unknown key in one
// pass, but stops at a value of the wrong type.
func (p *problems) decodeError(err error) (complete bool) {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		for _, e := range strict.Errors {
			line, col := e.Position()
			path, _ := p.pos.pathAt(line, col, e.Key())
			for strings.HasSuffix(path, "]") {
				path = parentPath(path) // [[units.extra]]: the key, not its element
			}
			known := knownKeys(typeAt(parentPath(path)))
			p.add(&Error{File: p.file, Line: line, Field: path, Msg: "unknown key" + suggest(lastKey(path), known)})
		}
		return true
	}
	e := &Error{File: p.file, Msg: strings.TrimPrefix(err.Error(), "toml: "), err: err}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		path, found := p.pos.pathAt(line, col, de.Key())
		for typeAt(path) == nil && strings.HasSuffix(path, "]") {
			path = parentPath(path) // [[log]]: the array, not its element, is of the wrong type
		}
		e.Field, e.Line = path, line
		if !found {
			_, e.Line = p.locate(path) // go-toml points at the file's start for some nested values
		}
		v, found := valueAt(p.tree, e.Field)
		if t := typeAt(e.Field); t != nil && found {
			e.Msg = wrongType(e.Field, describeType(t), v)
		}
	}
	p.add(e)
	return false
}

// describe names the TOML type of a parsed value, with the value when it is
// short, for "wrong type" messages.
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
	}
	return fmt.Sprintf("%T", v)
}

// describeType names what a field of type t takes in TOML.
func describeType(t reflect.Type) string {
	switch {
	case isText(t), t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Int:
		return "an integer"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case isTableList(t):
		return "an array of tables"
	case t.Kind() == reflect.Slice:
		return "an array"
	}
	return "a table"
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
