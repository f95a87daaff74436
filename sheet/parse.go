package sheet

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"duban/ledger"
)

// isBlank tells the runes a cell is trimmed of: Unicode spaces (the
// full-width U+3000 and no-break spaces included), the byte-order mark and
// the zero-width space that copy-paste from web pages leaves behind.
func isBlank(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B'
}

// trimCell trims a cell value of surrounding blanks.
func trimCell(s string) string { return strings.TrimFunc(s, isBlank) }

// cleanText trims a multi-line cell and turns Windows and old-Mac line ends
// into "\n", so that the same text imported from CSV and XLSX is equal.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return trimCell(s)
}

// hasControl reports line breaks and other control characters, which must
// not reach fields that end up in mail headers, subjects or file names.
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// compact folds full-width forms to ASCII and drops every blank, for
// matching the fixed vocabulary of statuses and dates.
func compact(s string) string {
	s = width.Fold.String(s)
	return strings.Map(func(r rune) rune {
		if isBlank(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// splitNames splits a cell of unit or leader names on the separators people
// use: 、 , ， ; ；. Empty parts are dropped.
func splitNames(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '、', ',', '，', ';', '；':
			return true
		}
		return false
	})
	names := parts[:0]
	for _, p := range parts {
		if p = trimCell(p); p != "" {
			names = append(names, p)
		}
	}
	return names
}

// statusValue is what a status cell says.
type statusValue struct {
	status   ledger.Status
	longTerm bool // 长期坚持: open, with no deadline
}

// parseStatus reads a status cell (already trimmed, not empty): 长期坚持
// (open and long-term), or a status as ledger.ParseStatus reads it (已完成,
// 已销号, 未完成, 正在整改, 整改中, 未完成(正在整改), open, done, closed).
// Spaces inside are ignored, so "未完成 (正在整改)" and a line break Excel
// users put in with Alt+Enter do no harm.
func parseStatus(s string) (statusValue, bool) {
	if compact(s) == longTermWord {
		return statusValue{status: ledger.StatusOpen, longTerm: true}, true
	}
	st, err := ledger.ParseStatus(s)
	return statusValue{status: st}, err == nil
}

// longTermWord is how ledgers write "no deadline, keep at it".
const longTermWord = "长期坚持"

// Years a deadline may fall in: wide enough for any real programme, narrow
// enough to catch a typo like 20244-12-31 or 0224-12-31.
const (
	minYear = 1990
	maxYear = 2199
)

var errBadDate = errors.New("日期无效")

// parseDeadline reads a deadline cell (already trimmed, not empty). Forms:
//
//	2024-12-31, 2024/12/31, 2024.12.31 (one- or two-digit month and day)
//	2024年12月31日 (or …31号)
//	2024年12月底, 2024年12月末, 2024年12月: the last day of the month
//	2024年底, 2024年末: December 31
//	长期坚持: long-term, no date
//
// Full-width digits and punctuation are folded, spaces ignored, a trailing
// 前/之前/以前 ("by") dropped, and a time of day after a space (as Excel
// writes a date-time cell to CSV: "2024/12/31 0:00") ignored.
func parseDeadline(s string) (d ledger.Date, longTerm bool, err error) {
	s = width.Fold.String(trimCell(s))
	if date, clock, found := strings.Cut(s, " "); found && isClock(trimCell(clock)) {
		s = date
	}
	s = compact(s)
	if s == longTermWord {
		return ledger.Date{}, true, nil
	}
	for _, suffix := range []string{"之前", "以前", "前"} {
		if rest, ok := strings.CutSuffix(s, suffix); ok {
			s = rest
			break
		}
	}
	if strings.Contains(s, "年") {
		d, err = parseChineseDate(s)
	} else {
		d, err = parseNumericDate(s)
	}
	return d, false, err
}

// parseNumericDate reads Y-M-D with one separator: '-', '/' or '.'.
func parseNumericDate(s string) (ledger.Date, error) {
	sep := strings.IndexAny(s, "-/.")
	if sep < 0 {
		return ledger.Date{}, errBadDate
	}
	parts := strings.Split(s, s[sep:sep+1])
	if len(parts) != 3 || len(parts[0]) != 4 {
		return ledger.Date{}, errBadDate
	}
	y, ok1 := atoi(parts[0], 4)
	m, ok2 := atoi(parts[1], 2)
	d, ok3 := atoi(parts[2], 2)
	if !ok1 || !ok2 || !ok3 {
		return ledger.Date{}, errBadDate
	}
	return makeDate(y, m, d)
}

// parseChineseDate reads 2024年12月31日, 2024年12月底 / 末, 2024年12月 and
// 2024年底 / 末.
func parseChineseDate(s string) (ledger.Date, error) {
	ys, rest, _ := strings.Cut(s, "年")
	y, ok := atoi(ys, 4)
	if !ok {
		return ledger.Date{}, errBadDate
	}
	if rest == "底" || rest == "末" {
		return makeDate(y, 12, 31)
	}
	ms, rest, found := strings.Cut(rest, "月")
	m, ok := atoi(ms, 2)
	if !found || !ok {
		return ledger.Date{}, errBadDate
	}
	switch rest {
	case "", "底", "末":
		return lastDayOfMonth(y, m)
	}
	ds := rest
	if r, ok := strings.CutSuffix(rest, "日"); ok {
		ds = r
	} else if r, ok := strings.CutSuffix(rest, "号"); ok {
		ds = r
	}
	d, ok := atoi(ds, 2)
	if !ok {
		return ledger.Date{}, errBadDate
	}
	return makeDate(y, m, d)
}

// atoi parses 1 to maxDigits ASCII digits.
func atoi(s string, maxDigits int) (int, bool) {
	if s == "" || len(s) > maxDigits {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// makeDate builds y-m-d, refusing what time.Date would silently normalise
// (2024-02-30 is not March 1).
func makeDate(y, m, d int) (ledger.Date, error) {
	if y < minYear || y > maxYear || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return ledger.Date{}, errBadDate
	}
	return ledger.NewDate(y, time.Month(m), d), nil
}

func lastDayOfMonth(y, m int) (ledger.Date, error) {
	if m < 1 || m > 12 {
		return ledger.Date{}, errBadDate
	}
	return makeDate(y, m, daysIn(y, time.Month(m)))
}

// daysIn is the number of days of month m in year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// isClock reports a time of day like 0:00, 09:30 or 23:59:59.
func isClock(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if _, ok := atoi(p, 2); !ok {
			return false
		}
	}
	return true
}
