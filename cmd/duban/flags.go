package main

import (
	"time"

	"duban/config"
	"duban/ledger"
)

// parseAsOf reads --as-of: "2025-06-16" (start of that day) or
// "2025-06-16T09:00", in the configured zone; empty means now.
func (a *app) parseAsOf(cfg *config.Config, s string) (time.Time, error) {
	return a.parseTimeFlag(cfg, "--as-of", s, a.now())
}

func (a *app) parseTimeFlag(cfg *config.Config, flag, s string, empty time.Time) (time.Time, error) {
	if s == "" {
		return empty, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, cfg.Location); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, badInputf("invalid %s %q: want 2025-06-16 or 2025-06-16T09:00", flag, s)
}

// day parses --date, defaulting to today in the configured zone.
func (a *app) day(cfg *config.Config, s string) (ledger.Date, error) {
	if s == "" {
		return ledger.DateOf(a.now().In(cfg.Location)), nil
	}
	d, err := ledger.ParseDate(s)
	if err != nil {
		return d, badInputf("--date: %w", err)
	}
	return d, nil
}
