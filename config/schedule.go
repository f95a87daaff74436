package config

import (
	"fmt"

	"github.com/robfig/cron/v3"
)

// ParseSchedule parses a job schedule the way duban runs it: five fields
// (minute hour day-of-month month day-of-week) or a descriptor such as
// @daily or @every 1h. robfig/cron panics on some malformed specs (like
// "TZ="), so the panic is turned into an error here, once, for every caller.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid schedule %q: %v", spec, r)
		}
	}()
	p := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	sched, err = p.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %w", spec, err)
	}
	return sched, nil
}
