package ledger

import (
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Calendar tells China's workdays from days off: Saturdays and Sundays are
// off, public holidays are off, and 调休 weekend days named by the State
// Council notice are workdays. The public-holiday data comes from lunar-go's
// HolidayUtil; the config's [calendar] lists add to it and win over it, so an
// office can enter next year's notice before lunar-go ships it, or a local
// day off.
//
// A Calendar is safe for concurrent use. The zero value is a Calendar
// without extras.
type Calendar struct {
	extra      map[int]bool // dayKey → is a workday; from the config
	extraYears map[int]bool // years the config lists any day in

	mu    sync.Mutex
	years map[int]map[int]bool // year → dayKey → is a workday; lunar-go, loaded on first use
}

// NewCalendar returns a calendar with the config's extra holidays and extra
// workdays. A date in both lists is a workday: the 调休 list is the more
// specific statement. Zero dates are ignored.
func NewCalendar(extraHolidays, extraWorkdays []Date) *Calendar {
	c := &Calendar{extra: map[int]bool{}, extraYears: map[int]bool{}}
	for _, d := range extraHolidays {
		c.addExtra(d, false)
	}
	for _, d := range extraWorkdays {
		c.addExtra(d, true)
	}
	return c
}

func (c *Calendar) addExtra(d Date, work bool) {
	if d.IsZero() {
		return
	}
	c.extra[dayKey(d)] = work
	c.extraYears[d.Year()] = true
}

// IsWorkday reports whether d is a working day in China.
func (c *Calendar) IsWorkday(d Date) bool {
	if work, ok := c.extra[dayKey(d)]; ok {
		return work
	}
	if work, ok := c.lunarYear(d.Year())[dayKey(d)]; ok {
		return work
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// NextWorkday returns d when d is a workday, else the first workday after d.
// It always ends: the extra lists and lunar-go's data are finite, and every
// week outside them has five workdays.
func (c *Calendar) NextWorkday(d Date) Date {
	for !c.IsWorkday(d) {
		d = d.AddDays(1)
	}
	return d
}

// HasHolidayData reports whether the calendar knows the public holidays of
// year, from lunar-go or from the config (either extra list). The daemon
// warns at start-up when next year has none: the State Council publishes the
// notice each November and without it every holiday would look like a workday.
func (c *Calendar) HasHolidayData(year int) bool {
	return c.extraYears[year] || len(c.lunarYear(year)) > 0
}

// MissingHolidayYears are the years the calendar should know the public
// holidays of by today, and does not: this year, and from November, when
// the State Council publishes next year's notice, the next.
func (c *Calendar) MissingHolidayYears(today Date) []int {
	var missing []int
	for _, year := range []int{today.Year(), today.Year() + 1} {
		if year > today.Year() && today.Month() < time.November {
			continue
		}
		if !c.HasHolidayData(year) {
			missing = append(missing, year)
		}
	}
	return missing
}

// lunarYear returns lunar-go's entries for year, parsed once per year:
// HolidayUtil scans its whole table of every year on every call, and the
// rules ask about the same few weeks over and over.
func (c *Calendar) lunarYear(year int) map[int]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.years[year]; ok {
		return m
	}
	if c.years == nil {
		c.years = map[int]map[int]bool{}
	}
	m := loadLunarYear(year)
	c.years[year] = m
	return m
}

// loadLunarYear reads one year of HolidayUtil data. The returned map is never
// written after this, so callers may read it without the lock.
func loadLunarYear(year int) map[int]bool {
	m := map[int]bool{}
	if year < 1 || year > 9999 { // HolidayUtil keys are four digits
		return m
	}
	for e := HolidayUtil.GetHolidaysByYear(year).Front(); e != nil; e = e.Next() {
		h, ok := e.Value.(*HolidayUtil.Holiday)
		if !ok || h == nil {
			continue
		}
		d, err := ParseDate(h.GetDay())
		if err != nil || d.Year() != year {
			continue
		}
		m[dayKey(d)] = h.IsWork()
	}
	return m
}

// dayKey packs a date into yyyymmdd: a map key independent of time.Time's
// internals.
func dayKey(d Date) int {
	return d.Year()*10000 + int(d.Month())*100 + d.Day()
}
