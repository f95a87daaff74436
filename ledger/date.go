package ledger

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day without a time of day or a zone. Deadlines,
// completion days and submission days are dates: a deadline of 2025-06-30
// means the whole day in the configured zone, wherever the daemon runs.
type Date struct {
	t time.Time // midnight UTC of the day; the zero value means "no date"
}

// NewDate returns the date y-m-d, normalising overflow like time.Date.
func NewDate(y int, m time.Month, d int) Date {
	return Date{t: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// Years outside this range are typing mistakes in a ledger or a config, and
// the first day of year 1 would read back as "no date".
const (
	minYear = 1900
	maxYear = 9999
)

// ParseDate parses the ISO form "2006-01-02", years 1900 to 9999.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	if t.Year() < minYear || t.Year() > maxYear {
		return Date{}, fmt.Errorf("invalid date %q: year out of range %d-%d", s, minYear, maxYear)
	}
	return Date{t: t}, nil
}

// IsZero reports whether d is the zero Date (no date).
func (d Date) IsZero() bool { return d.t.IsZero() }

func (d Date) Year() int             { return d.t.Year() }
func (d Date) Month() time.Month     { return d.t.Month() }
func (d Date) Day() int              { return d.t.Day() }
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// AddDays returns the date n days after d (before, when n is negative).
func (d Date) AddDays(n int) Date { return Date{t: d.t.AddDate(0, 0, n)} }

// AddMonths returns the date n months after d, normalising like time.AddDate.
func (d Date) AddMonths(n int) Date { return Date{t: d.t.AddDate(0, n, 0)} }

// DaysSince returns the number of days from o to d (positive when d is later).
func (d Date) DaysSince(o Date) int {
	return int(d.t.Sub(o.t).Hours() / 24)
}

func (d Date) Before(o Date) bool { return d.t.Before(o.t) }
func (d Date) After(o Date) bool  { return d.t.After(o.t) }
func (d Date) Equal(o Date) bool  { return d.t.Equal(o.t) }

// Compare returns -1, 0 or +1 like time.Time.Compare.
func (d Date) Compare(o Date) int { return d.t.Compare(o.t) }

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}

// String prints "2006-01-02", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// MarshalText prints the ISO form; the zero Date marshals as empty text.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses the ISO form; empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(strings.TrimSpace(string(b))) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Value stores a date as "YYYY-MM-DD" text, which PostgreSQL casts to DATE
// and SQLite keeps as sortable text; the zero Date is NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan reads a DATE from PostgreSQL (time.Time) or text from SQLite.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		*d = NewDate(v.Year(), v.Month(), v.Day())
		return nil
	case string:
		return d.scanText(v)
	case []byte:
		return d.scanText(string(v))
	default:
		return fmt.Errorf("ledger: cannot scan %T into Date", src)
	}
}

func (d *Date) scanText(s string) error {
	if len(s) > len(time.DateOnly) {
		s = s[:len(time.DateOnly)]
	}
	return d.UnmarshalText([]byte(s))
}
