package store_test

import (
	"fmt"
	"slices"
	"testing"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// lightEdges are items on each edge of the light rule as of today
// (2025-06-16) with yellow_days 7 (and 0), numbered by what they are.
func lightEdges() []ledger.Item {
	today := day("2025-06-16")
	open := func(no string, deadline ledger.Date) ledger.Item {
		return ledger.Item{Round: "r", No: no, Problem: no, Units: []string{"u"}, Deadline: deadline, Status: ledger.StatusOpen}
	}
	longTerm := open("long-term", ledger.Date{})
	longTerm.LongTerm = true
	longTermDated := open("long-term, past deadline", today.AddDays(-30))
	longTermDated.LongTerm = true
	done := open("done, past deadline", today.AddDays(-30))
	done.Status, done.CompletedOn = ledger.StatusDone, today.AddDays(-40)
	closed := open("closed, due today", today)
	closed.Status, closed.CompletedOn = ledger.StatusClosed, today.AddDays(-1)
	doneUndated := open("done, no deadline", ledger.Date{})
	doneUndated.Status = ledger.StatusDone
	items := []ledger.Item{
		open("due long ago", today.AddDays(-400)),
		open("due yesterday", today.AddDays(-1)),
		open("due today", today),
		open("due tomorrow", today.AddDays(1)),
		open("due today+6", today.AddDays(6)),
		open("due today+7", today.AddDays(7)),
		open("due today+8", today.AddDays(8)),
		open("due next year", today.AddDays(365)),
		open("no deadline", ledger.Date{}),
		longTerm, longTermDated, done, doneUndated, closed,
	}
	for i := range items {
		items[i].Seq = i + 1
	}
	return items
}

// The database's lights are ledger.LightOf's, on every edge: the counts,
// the light filter and the due-within window.
func TestLightsInSQLAgreeWithLedger(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, lightEdges())
		stored, err := s.ListItems(ctx, store.ItemFilter{})
		must(t, err)
		for _, yellowDays := range []int{7, 0} {
			for _, today := range []ledger.Date{day("2025-06-16"), day("2025-06-15"), day("2025-06-24")} {
				want := map[ledger.Light][]string{}
				for _, it := range stored {
					l := ledger.LightOf(it, today, yellowDays)
					want[l] = append(want[l], it.No)
				}
				counts, err := s.CountItemsByLight(ctx, today, yellowDays)
				must(t, err)
				for _, l := range []ledger.Light{ledger.LightRed, ledger.LightYellow, ledger.LightGreen,
					ledger.LightBlue, ledger.LightDone, ledger.LightClosed} {
					page, err := s.ListItemPage(ctx, store.ItemQuery{Light: l, Today: today, YellowDays: yellowDays, Limit: 100})
					must(t, err)
					if got := nos(page.Items); !slices.Equal(got, want[l]) || page.Total != len(want[l]) {
						t.Errorf("%s, yellow_days %d: %s items %q (total %d), want %q", today, yellowDays, l, got, page.Total, want[l])
					}
					if counts[l] != len(want[l]) {
						t.Errorf("%s, yellow_days %d: %d %s items counted, want %d", today, yellowDays, counts[l], l, len(want[l]))
					}
				}
			}
		}

		due, err := s.ListItemPage(ctx, store.ItemQuery{DueWithin: 6, Today: day("2025-06-16"), YellowDays: 7, Limit: 100})
		must(t, err)
		if want := []string{"due today", "due tomorrow", "due today+6"}; !slices.Equal(nos(due.Items), want) {
			t.Errorf("due within 6 days: %q, want %q", nos(due.Items), want)
		}
	})
}

func nos(items []ledger.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.No
	}
	return out
}

// A page is the items after Offset in ledger order (or by deadline), with
// their units, and Total counts every match, with the filters combined.
func TestListItemPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		today := day("2025-06-16")
		var items []ledger.Item
		for i := range 120 {
			it := ledger.Item{
				Round: "r", No: fmt.Sprintf("%03d", i), Seq: 120 - i, // ledger order is the reverse of the numbers
				Problem: "问题" + fmt.Sprint(i), Units: []string{"u" + fmt.Sprint(i%3), "shared"}, Leader: "l" + fmt.Sprint(i%2),
				Deadline: today.AddDays(i%40 - 20), Status: ledger.StatusOpen,
			}
			if i%4 == 0 {
				it.Status = ledger.StatusDone
			}
			items = append(items, it)
		}
		importAll(t, s, items)
		all, err := s.ListItems(ctx, store.ItemFilter{})
		must(t, err)

		var paged []ledger.Item
		for offset := 0; ; offset += 50 {
			page, err := s.ListItemPage(ctx, store.ItemQuery{Limit: 50, Offset: offset})
			must(t, err)
			if page.Total != 120 {
				t.Fatalf("total %d, want 120", page.Total)
			}
			paged = append(paged, page.Items...)
			if len(page.Items) < 50 {
				break
			}
		}
		past, err := s.ListItemPage(ctx, store.ItemQuery{Limit: 50, Offset: 200})
		must(t, err)
		if len(past.Items) != 0 || past.Total != 120 {
			t.Errorf("a page past the end: %d items of %d, want none of 120", len(past.Items), past.Total)
		}
		if !slices.EqualFunc(paged, all, func(a, b ledger.Item) bool { return a.No == b.No && slices.Equal(a.Units, b.Units) }) {
			t.Errorf("pages of 50 = %q, want %q", nos(paged), nos(all))
		}

		q := store.ItemQuery{ItemFilter: store.ItemFilter{Unit: "u1", Leader: "l1", Status: ledger.StatusOpen},
			Light: ledger.LightRed, Today: today, YellowDays: 7, Limit: 5, Offset: 5}
		var want []string
		for _, it := range all {
			if slices.Contains(it.Units, "u1") && it.Leader == "l1" && ledger.LightOf(it, today, 7) == ledger.LightRed {
				want = append(want, it.No)
			}
		}
		page, err := s.ListItemPage(ctx, q)
		must(t, err)
		if page.Total != len(want) || !slices.Equal(nos(page.Items), want[5:10]) {
			t.Errorf("unit, leader, red, second page of 5: %q of %d, want %q of %d", nos(page.Items), page.Total, want[5:10], len(want))
		}

		urgent, err := s.ListItemPage(ctx, store.ItemQuery{Light: ledger.LightRed, Today: today, YellowDays: 7, ByDeadline: true, Limit: 200})
		must(t, err)
		if !slices.IsSortedFunc(urgent.Items, func(a, b ledger.Item) int { return a.Deadline.Compare(b.Deadline) }) || len(urgent.Items) == 0 {
			t.Errorf("red items by deadline are not in deadline order: %v", urgent.Items)
		}
	})
}
