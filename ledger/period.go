package ledger

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PeriodKind is how often a duty recurs.
type PeriodKind string

const (
	Monthly    PeriodKind = "monthly"
	Quarterly  PeriodKind = "quarterly"
	HalfYearly PeriodKind = "half-yearly"
	Yearly     PeriodKind = "yearly"
)

// ParsePeriodKind accepts the config's names: monthly, quarterly,
// half-yearly, yearly.
func ParsePeriodKind(s string) (PeriodKind, error) {
	switch k := PeriodKind(strings.TrimSpace(s)); k {
	case Monthly, Quarterly, HalfYearly, Yearly:
		return k, nil
	}
	return "", fmt.Errorf("invalid period kind %q: want monthly, quarterly, half-yearly or yearly", s)
}

// Label is the Chinese name of the kind: 月度, 季度, 半年, 年度.
func (k PeriodKind) Label() string {
	switch k {
	case Monthly:
		return "月度"
	case Quarterly:
		return "季度"
	case HalfYearly:
		return "半年"
	case Yearly:
		return "年度"
	}
	return string(k)
}

// Example is how a period of the kind is written: 2025-03, 2025-Q1,
// 2025-H1 or 2025.
func (k PeriodKind) Example() string {
	switch k {
	case Monthly:
		return "2025-03"
	case Quarterly:
		return "2025-Q1"
	case HalfYearly:
		return "2025-H1"
	}
	return "2025"
}

// perYear is the number of periods of the kind in a year, 0 for an unknown kind.
func (k PeriodKind) perYear() int {
	switch k {
	case Monthly:
		return 12
	case Quarterly:
		return 4
	case HalfYearly:
		return 2
	case Yearly:
		return 1
	}
	return 0
}

// Period is one period of a duty: month N, quarter N, half N (1 or 2) of
// Year, or the whole Year (N is 1). The zero Period means "no period".
type Period struct {
	Kind PeriodKind
	Year int
	N    int
}

// ParsePeriod reads a period as the office writes it: a month (2025-03,
// 2025/3, 2025.3, 2025年3月), a quarter (2025-Q1, 2025Q1, 2025年第1季度,
// 2025年一季度), a half year (2025-H1, 2025年上半年, 2025年下半年) or a year
// (2025, 2025年, 2025年度). Full-width digits and letters and blanks do no
// harm; q and h may be lower case. Period.String and Period.Label print
// forms it reads.
func ParsePeriod(s string) (Period, error) {
	p, ok := parsePeriod(foldWord(s))
	if !ok {
		return Period{}, fmt.Errorf("invalid period %q: want a month (2025-03, 2025年3月), a quarter (2025-Q1, "+
			"2025年第1季度), a half year (2025-H1, 2025年上半年) or a year (2025, 2025年)", s)
	}
	return p, nil
}

// ParsePeriodOf parses s and requires a period of kind: a monthly duty's
// submission names a month, not a quarter.
func ParsePeriodOf(kind PeriodKind, s string) (Period, error) {
	p, err := ParsePeriod(s)
	if err != nil {
		return Period{}, err
	}
	if p.Kind != kind {
		return Period{}, fmt.Errorf("invalid period %q: is %s, want a %s period like %s",
			s, p.Kind, kind, PeriodContaining(kind, NewDate(p.Year, time.January, 1)))
	}
	return p, nil
}

// parsePeriod reads a folded period: a four-digit year, then nothing, a
// separator and a month, Qn or Hn, or 年 and the Chinese forms.
func parsePeriod(s string) (Period, bool) {
	if len(s) < 4 {
		return Period{}, false
	}
	year, ok := parseDigits(s[:4], 4, 4)
	if !ok || year < 1 {
		return Period{}, false
	}
	if rest, ok := strings.CutPrefix(s[4:], "年"); ok {
		return chinesePeriod(year, rest)
	}
	rest := s[4:]
	if rest == "" {
		return Period{Kind: Yearly, Year: year, N: 1}, true
	}
	if rest[0] == '-' || rest[0] == '/' || rest[0] == '.' {
		rest = rest[1:]
	} else if rest[0] != 'q' && rest[0] != 'h' {
		return Period{}, false // 202503 reads as well as a typo as a month
	}
	switch {
	case strings.HasPrefix(rest, "q"):
		return numbered(Quarterly, year, rest[1:], 1)
	case strings.HasPrefix(rest, "h"):
		return numbered(HalfYearly, year, rest[1:], 1)
	}
	return numbered(Monthly, year, rest, 2)
}

// chinesePeriod reads what follows "2025年": "", 度, 3月, 3月份, 第1季度,
// 一季度, 上半年, 下半年.
func chinesePeriod(year int, rest string) (Period, bool) {
	switch rest {
	case "", "度", "全年":
		return Period{Kind: Yearly, Year: year, N: 1}, true
	case "上半年":
		return Period{Kind: HalfYearly, Year: year, N: 1}, true
	case "下半年":
		return Period{Kind: HalfYearly, Year: year, N: 2}, true
	}
	if m, ok := strings.CutSuffix(strings.TrimSuffix(rest, "份"), "月"); ok {
		return numbered(Monthly, year, m, 2)
	}
	q, ok := strings.CutSuffix(rest, "季度")
	if !ok {
		q, ok = strings.CutSuffix(rest, "季")
	}
	if !ok {
		return Period{}, false
	}
	q = strings.TrimPrefix(q, "第")
	if digit, ok := chineseDigits[q]; ok {
		q = digit
	}
	return numbered(Quarterly, year, q, 1)
}

var chineseDigits = map[string]string{"一": "1", "二": "2", "三": "3", "四": "4"}

// numbered is period n of kind in year, n written in 1 to maxDigits digits.
func numbered(kind PeriodKind, year int, digits string, maxDigits int) (Period, bool) {
	n, ok := parseDigits(digits, 1, maxDigits)
	if !ok || n < 1 || n > kind.perYear() {
		return Period{}, false
	}
	return Period{Kind: kind, Year: year, N: n}, true
}

// parseDigits parses between lo and hi ASCII digits, nothing else (no sign,
// no spaces).
func parseDigits(s string, lo, hi int) (int, bool) {
	if len(s) < lo || len(s) > hi {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p == Period{} }

// String prints the form ParsePeriod reads: "2025-03", "2025-Q1", "2025-H1",
// "2025"; "" for the zero Period.
func (p Period) String() string {
	switch p.Kind {
	case Monthly:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Quarterly:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	case HalfYearly:
		return fmt.Sprintf("%04d-H%d", p.Year, p.N)
	case Yearly:
		return fmt.Sprintf("%04d", p.Year)
	}
	return ""
}

// Label is the Chinese name of the period for message text: 2025年3月,
// 2025年第1季度, 2025年上半年, 2025年度.
func (p Period) Label() string {
	y := fmt.Sprintf("%04d年", p.Year)
	switch p.Kind {
	case Monthly:
		return y + strconv.Itoa(p.N) + "月"
	case Quarterly:
		return y + "第" + strconv.Itoa(p.N) + "季度"
	case HalfYearly:
		if p.N == 1 {
			return y + "上半年"
		}
		return y + "下半年"
	case Yearly:
		return y + "度"
	}
	return ""
}

// MarshalText prints String(), so periods appear as "2025-Q1" in JSON.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText parses what ParsePeriod reads; empty text is the zero Period.
func (p *Period) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*p = Period{}
		return nil
	}
	v, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// months is the length of the period in months.
func (p Period) months() int {
	if n := p.Kind.perYear(); n > 0 {
		return 12 / n
	}
	return 0
}

// Start is the first day of the period.
func (p Period) Start() Date {
	return NewDate(p.Year, time.Month((p.N-1)*p.months()+1), 1)
}

// End is the last day of the period.
func (p Period) End() Date {
	return p.Start().AddMonths(p.months()).AddDays(-1)
}

// Next is the period after p, across the year end.
func (p Period) Next() Period { return p.shift(1) }

// Prev is the period before p, across the year start.
func (p Period) Prev() Period { return p.shift(-1) }

func (p Period) shift(by int) Period {
	n := p.Kind.perYear()
	if n == 0 {
		return p
	}
	i := p.ordinal() + by
	return Period{Kind: p.Kind, Year: floorDiv(i, n), N: i - floorDiv(i, n)*n + 1}
}

// ordinal numbers the periods of one kind consecutively across years.
func (p Period) ordinal() int { return p.Year*p.Kind.perYear() + p.N - 1 }

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Compare orders periods by their start day, then by kind length: -1, 0, +1.
func (p Period) Compare(o Period) int {
	return cmp.Or(p.Start().Compare(o.Start()), cmp.Compare(p.months(), o.months()))
}

// PeriodContaining returns the period of kind that d falls in.
func PeriodContaining(kind PeriodKind, d Date) Period {
	n := kind.perYear()
	if n == 0 {
		return Period{}
	}
	return Period{Kind: kind, Year: d.Year(), N: (int(d.Month())-1)/(12/n) + 1}
}

// LastEndedPeriod returns the most recent period of kind that ended before
// today: on 2025-04-01 the last ended month is 2025-03, and on 2025-03-31
// it is 2025-02.
func LastEndedPeriod(kind PeriodKind, today Date) Period {
	return PeriodContaining(kind, today).Prev()
}

// DueDate is the day a period's submission is due: dueDay days after the
// period ends (monthly with dueDay 5: March is due on April 5), moved to the
// next workday of cal when onWorkday and it falls on a day off. cal may be
// nil only when onWorkday is false.
func DueDate(p Period, dueDay int, onWorkday bool, cal *Calendar) Date {
	due := p.End().AddDays(dueDay)
	if onWorkday {
		due = cal.NextWorkday(due)
	}
	return due
}
