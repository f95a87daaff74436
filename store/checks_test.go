package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// openToCheck lists the numbers of the open items EachOpenItemToCheck gives
// for day (all: every open item).
func openToCheck(t *testing.T, s *store.Store, on string, all bool) ([]string, map[string]store.OpenItem) {
	t.Helper()
	byNo := map[string]store.OpenItem{}
	var nos []string
	must(t, s.EachOpenItemToCheck(t.Context(), day(on), all, func(oi store.OpenItem) error {
		nos = append(nos, oi.Item.No)
		byNo[oi.Item.No] = oi
		return nil
	}))
	slices.Sort(nos)
	return nos, byNo
}

func wantNos(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func recordChecks(t *testing.T, s *store.Store, mark store.CheckMark, checks ...store.ItemCheck) {
	t.Helper()
	_, _, err := s.CommitDigests(t.Context(), "deadlines", 0, nil, nil, t0,
		&store.Checks{Job: "deadlines", Mark: mark, Items: checks})
	must(t, err)
}

func TestDeadlineCheckDays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		must(t, s.EnsureRounds(ctx, []ledger.Round{{Code: "r"}}))
		items := []ledger.Item{
			{Round: "r", No: "A", Seq: 1, Problem: "甲", Units: []string{"u1"}, Deadline: day("2025-06-30"), Status: ledger.StatusOpen},
			{Round: "r", No: "B", Seq: 2, Problem: "乙", Units: []string{"u2"}, Deadline: day("2025-06-10"), Status: ledger.StatusOpen},
			{Round: "r", No: "C", Seq: 3, Problem: "丙", Units: []string{"u1"}, LongTerm: true, Status: ledger.StatusOpen},
			{Round: "r", No: "D", Seq: 4, Problem: "丁", Units: []string{"u1"}, Status: ledger.StatusDone, CompletedOn: day("2025-05-01")},
		}
		importAll(t, s, items)
		if _, err := s.GetCheckMark(ctx, "deadlines"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("check mark before any run: %v, want ErrNotFound", err)
		}

		// No check day yet: every open item is due, and all means all.
		got, read := openToCheck(t, s, "2025-06-16", false)
		wantNos(t, "before any check", got, "A", "B", "C")
		got, _ = openToCheck(t, s, "2025-06-16", true)
		wantNos(t, "all", got, "A", "B", "C")
		if read["A"].Item.Category != "" || read["A"].Item.Deadline != day("2025-06-30") || !slices.Equal(read["A"].Item.Units, []string{"u1"}) {
			t.Errorf("item as read for a check: %+v", read["A"].Item)
		}

		mark := store.CheckMark{Fingerprint: "f1", AsOf: day("2025-06-16")}
		recordChecks(t, s, mark,
			store.ItemCheck{ID: read["A"].ID, Seen: read["A"].UpdatedAt, Next: day("2025-06-23")},
			store.ItemCheck{ID: read["B"].ID, Seen: read["B"].UpdatedAt, Next: day("2025-06-17")},
			store.ItemCheck{ID: read["C"].ID, Seen: read["C"].UpdatedAt}) // never
		gotMark, err := s.GetCheckMark(ctx, "deadlines")
		must(t, err)
		if gotMark != mark {
			t.Errorf("check mark = %+v, want %+v", gotMark, mark)
		}
		for _, tc := range []struct {
			on   string
			want []string
		}{
			{"2025-06-16", nil},
			{"2025-06-17", []string{"B"}},
			{"2025-06-23", []string{"A", "B"}},
			{"2100-01-01", []string{"A", "B"}},
		} {
			got, _ = openToCheck(t, s, tc.on, false)
			wantNos(t, "checks due "+tc.on, got, tc.want...)
		}
		got, _ = openToCheck(t, s, "2025-06-16", true)
		wantNos(t, "all, after checks", got, "A", "B", "C")

		// An import that changes B (延期) takes its check day away.
		items[1].Deadline = day("2025-07-31")
		_, err = s.ImportItems(ctx, items, store.ImportOptions{Actor: "test", At: t0.Add(time.Hour)})
		must(t, err)
		got, _ = openToCheck(t, s, "2025-06-16", false)
		wantNos(t, "after B's deadline changed", got, "B")

		// A check worked out from an item that changed after it was read
		// does not stick: the change is looked at next time.
		_, read = openToCheck(t, s, "2025-06-16", true)
		must(t, s.AddProgress(ctx, "r", "A", ledger.EventProgress, day("2025-06-16"), "推进中", "test", t0.Add(2*time.Hour)))
		recordChecks(t, s, store.CheckMark{Fingerprint: "f1", AsOf: day("2025-06-16")},
			store.ItemCheck{ID: read["A"].ID, Seen: read["A"].UpdatedAt, Next: day("2025-06-23")},
			store.ItemCheck{ID: read["B"].ID, Seen: read["B"].UpdatedAt, Next: day("2025-07-24")})
		got, _ = openToCheck(t, s, "2025-06-16", false)
		wantNos(t, "A changed after it was read", got, "A")

		// Done, then reopened: looked at again whatever its old check day.
		must(t, s.ChangeStatus(ctx, "r", "B", ledger.StatusDone, day("2025-06-17"), "", "test", t0.Add(3*time.Hour)))
		got, _ = openToCheck(t, s, "2025-06-17", false)
		wantNos(t, "B done", got, "A")
		must(t, s.ChangeStatus(ctx, "r", "B", ledger.StatusOpen, day("2025-06-18"), "", "test", t0.Add(4*time.Hour)))
		got, _ = openToCheck(t, s, "2025-06-18", false)
		wantNos(t, "B reopened", got, "A", "B")
	})
}

// The open items to check are listed, read and handed over in overlapping
// pages: every open item comes once, with its units, whatever the number
// of pages, and an error from fn or the end of ctx stops all three stages.
func TestEachOpenItemToCheckInPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		must(t, s.EnsureRounds(ctx, []ledger.Round{{Code: "r"}}))
		var items []ledger.Item // 1,227 open: three pages, the last one short
		for i := range 1350 {
			it := ledger.Item{Round: "r", No: fmt.Sprintf("N%04d", i), Seq: i, Problem: "问题",
				Units: []string{"u1", fmt.Sprintf("u%d", i%7+2)}, Deadline: day("2025-06-30"), Status: ledger.StatusOpen}
			if i%11 == 0 {
				it.Status, it.CompletedOn = ledger.StatusDone, day("2025-05-01")
			}
			items = append(items, it)
		}
		importAll(t, s, items)
		open := 0
		for _, it := range items {
			if it.Status == ledger.StatusOpen {
				open++
			}
		}

		got, read := openToCheck(t, s, "2025-06-16", false)
		if len(got) != open || len(read) != open {
			t.Fatalf("%d items handed over (%d distinct), want the %d open ones", len(got), len(read), open)
		}
		for _, it := range items {
			oi, ok := read[it.No]
			if ok != (it.Status == ledger.StatusOpen) {
				t.Fatalf("item %s (%s) handed over: %v", it.No, it.Status, ok)
			}
			if ok && !slices.Equal(oi.Item.Units, it.Units) {
				t.Fatalf("item %s read with units %q, want %q", it.No, oi.Item.Units, it.Units)
			}
		}

		stop := errors.New("stop")
		seen := 0
		err := s.EachOpenItemToCheck(ctx, day("2025-06-16"), true, func(store.OpenItem) error {
			if seen++; seen == 700 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || seen != 700 {
			t.Fatalf("fn's error after %d items: got %v, want %v after 700", seen, err, stop)
		}

		cancelled, cancel := context.WithCancel(ctx)
		seen = 0
		err = s.EachOpenItemToCheck(cancelled, day("2025-06-16"), true, func(store.OpenItem) error {
			if seen++; seen == 10 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || seen >= open {
			t.Fatalf("cancelled after 10 items: %v after %d items, want %v before %d", err, seen, context.Canceled, open)
		}
	})
}
