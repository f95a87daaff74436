package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"duban/ledger"
)

// What the console reads: a page of the ledger at a time and the ledger's
// counts, worked out by the database, so that no page and no /metrics
// scrape reads every item.

// The lights of ledger.LightOf as conditions on an items row. lastYellow
// is today + yellow_days, the last day an open item is yellow. Each is a
// range of the index items_lights (long_term = FALSE, not NOT long_term:
// SQLite uses only a comparison with an index), which also covers the
// counts by light.
const (
	cOpenDated   = `status = 'open' AND long_term = FALSE`
	cLightRed    = cOpenDated + ` AND deadline < ?`                       // today
	cLightYellow = cOpenDated + ` AND deadline >= ? AND deadline <= ?`    // today, lastYellow
	cLightGreen  = cOpenDated + ` AND (deadline IS NULL OR deadline > ?)` // lastYellow
	cLightBlue   = `status = 'open' AND long_term = TRUE`
	cLightDone   = `status = 'done'`
	cLightClosed = `status = 'closed'`
)

// lights are every light, in the console's order.
var lights = []ledger.Light{
	ledger.LightRed, ledger.LightYellow, ledger.LightGreen, ledger.LightBlue, ledger.LightDone, ledger.LightClosed,
}

// lightCondition is the condition for the items of light l on today, with
// its parameters; false for an unknown light.
func lightCondition(l ledger.Light, today ledger.Date, yellowDays int) (string, []any, bool) {
	lastYellow := today.AddDays(yellowDays)
	switch l {
	case ledger.LightRed:
		return cLightRed, []any{today}, true
	case ledger.LightYellow:
		return cLightYellow, []any{today, lastYellow}, true
	case ledger.LightGreen:
		return cLightGreen, []any{lastYellow}, true
	case ledger.LightBlue:
		return cLightBlue, nil, true
	case ledger.LightDone:
		return cLightDone, nil, true
	case ledger.LightClosed:
		return cLightClosed, nil, true
	}
	return "", nil, false
}

// CountItemsByLight counts the items by their light on today, in one
// query; every light is present.
func (s *Store) CountItemsByLight(ctx context.Context, today ledger.Date, yellowDays int) (map[ledger.Light]int, error) {
	cols := make([]string, len(lights))
	var args []any
	for i, l := range lights {
		cond, condArgs, _ := lightCondition(l, today, yellowDays)
		cols[i] = `COUNT(CASE WHEN ` + cond + ` THEN 1 END)`
		args = append(args, condArgs...)
	}
	counts := make([]int, len(lights))
	dest := make([]any, len(lights))
	for i := range counts {
		dest[i] = &counts[i]
	}
	query := `SELECT ` + strings.Join(cols, ", ") + ` FROM items`
	if err := s.rdb.QueryRowContext(ctx, s.rdb.Rebind(query), args...).Scan(dest...); err != nil {
		return nil, fmt.Errorf("store: count items by light: %w", err)
	}
	out := make(map[ledger.Light]int, len(lights))
	for i, l := range lights {
		out[l] = counts[i]
	}
	return out, nil
}

// ItemQuery selects a page of the ledger: the items of ItemFilter, of
// Light on Today (with the policy's YellowDays) when set, and open ones
// due from Today to DueWithin days after when DueWithin > 0; Limit of
// them after skipping Offset.
type ItemQuery struct {
	ItemFilter
	Light      ledger.Light
	DueWithin  int
	Today      ledger.Date
	YellowDays int
	// ByDeadline orders by deadline (most urgent first), then by when the
	// item was first imported, for dated items; without it, in ledger order.
	ByDeadline    bool
	Limit, Offset int
}

// ItemPage is a page of items and how many items match in all.
type ItemPage struct {
	Items []ledger.Item
	Total int
}

// ListItemPage returns the page of items q selects, with their units, and
// the number of items that match; q.Limit must be above 0. An unknown
// light matches nothing.
func (s *Store) ListItemPage(ctx context.Context, q ItemQuery) (ItemPage, error) {
	where, args := s.itemConditions(q.ItemFilter)
	if q.Light != "" {
		cond, condArgs, ok := lightCondition(q.Light, q.Today, q.YellowDays)
		if !ok {
			return ItemPage{}, nil
		}
		where = append(where, cond)
		args = append(args, condArgs...)
	}
	if q.DueWithin > 0 {
		// Yellow, were yellow_days DueWithin.
		cond, condArgs, _ := lightCondition(ledger.LightYellow, q.Today, q.DueWithin)
		where = append(where, cond)
		args = append(args, condArgs...)
	}
	filter := ""
	if len(where) > 0 {
		filter = " WHERE " + strings.Join(where, " AND ")
	}
	order := qItemsOrder
	if q.ByDeadline {
		order = qItemsByDeadline
	}
	var rows []itemRow
	query := qListItems + filter + order + ` LIMIT ? OFFSET ?`
	if err := sel(ctx, s.rdb, &rows, query, append(args, q.Limit, q.Offset)...); err != nil {
		return ItemPage{}, fmt.Errorf("store: list items: %w", err)
	}
	page := ItemPage{Total: q.Offset + len(rows)}
	// A short page is the last: what it ends at is the count, and a
	// search that scans every item's texts scans them once, not twice.
	if len(rows) == 0 || len(rows) >= q.Limit {
		if err := get(ctx, s.rdb, &page.Total, qCountItems+filter, args...); err != nil {
			return ItemPage{}, fmt.Errorf("store: count items: %w", err)
		}
	}
	if err := fillUnits(ctx, s.rdb, rows); err != nil {
		return ItemPage{}, fmt.Errorf("store: list items: %w", err)
	}
	page.Items = items(rows)
	return page, nil
}

// qItemsByDeadline orders lists of dated items, such as the overdue ones:
// the order of the index items_lights, which SQLite reads no further than
// the page (SQLite keeps an index's rows with equal keys by rowid, the id).
const qItemsByDeadline = ` ORDER BY deadline, id`

// hasASCIILetter tells whether text has a letter a search must match
// whatever its case.
func hasASCIILetter(text string) bool {
	return strings.ContainsFunc(text, isASCIILetter)
}

// longestRunWithoutLetters is the longest part of text without ASCII
// letters: what a text that matches text holds as it is, whatever its case.
func longestRunWithoutLetters(text string) string {
	longest := ""
	for _, run := range strings.FieldsFunc(text, isASCIILetter) {
		if utf8.RuneCountInString(run) > utf8.RuneCountInString(longest) {
			longest = run
		}
	}
	return longest
}

func isASCIILetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

// itemConditions are the WHERE conditions of f, joined with AND, and
// their parameters.
func (s *Store) itemConditions(f ItemFilter) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		where = append(where, cond)
		args = append(args, vals...)
	}
	if f.Round != "" {
		add(fItemRound, f.Round)
	}
	if f.Status != "" {
		add(fItemStatus, string(f.Status))
	}
	if f.Unit != "" {
		add(fItemUnit, f.Unit)
	}
	if f.Leader != "" {
		add(fItemLeader, f.Leader)
	}
	if f.Text != "" {
		p := likePattern(f.Text)
		switch run := longestRunWithoutLetters(f.Text); {
		case !hasASCIILetter(f.Text):
			add(fItemTextLike, p, p, p, p, p, p)
		case s.q.itemTextNarrowed != "" && utf8.RuneCountInString(run) >= 2:
			r := likePattern(run)
			add(s.q.itemTextNarrowed, r, r, r, r, r, r, p, p, p, p, p, p)
		default:
			add(s.q.itemText, p, p, p, p, p, p)
		}
	}
	return where, args
}
