package store

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// timeLayout is how instants are written: UTC, fixed width, microseconds.
// In SQLite (TEXT columns) it sorts and compares like the instants it
// encodes; PostgreSQL parses it into timestamptz. Microseconds are what
// PostgreSQL keeps, so a value reads back exactly as it was written in both
// dialects.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts converts t for a query parameter; the zero time is NULL.
func ts(t time.Time) driver.Value {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeLayout)
}

// dbTime scans a timestamptz (PostgreSQL) or our UTC text (SQLite) into a
// UTC time.Time; NULL becomes the zero time.
type dbTime struct{ time.Time }

func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("store: cannot scan %T into a time", src)
}

// parse accepts timeLayout and, for rows written by hand, RFC 3339 and
// SQLite's own "YYYY-MM-DD HH:MM:SS" form.
func (t *dbTime) parse(s string) error {
	for _, layout := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", time.DateTime} {
		if p, err := time.Parse(layout, s); err == nil {
			t.Time = p.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: invalid time %q", s)
}
