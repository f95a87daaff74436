package config

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
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
