package store_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// seedItems is a small ledger in the seed's shape.
func seedItems() []ledger.Item {
	return []ledger.Item{
		{
			Round: "2024-7", No: "一.1", Seq: 1, Category: "政治监督", Problem: "学习贯彻不够深入",
			Measures: "制定学习计划", Units: []string{"bgs", "zzb"}, Leader: "wang",
			Deadline: day("2024-12-31"), Status: ledger.StatusDone, CompletedOn: day("2024-11-30"),
			Progress: "已完成学习计划",
		},
		{
			Round: "2024-7", No: "一.2", Seq: 2, Category: "政治监督", Problem: "Budget 审核流于形式",
			Measures: "修订财务制度", Units: []string{"cwb"}, Leader: "li",
			Deadline: day("2025-06-30"), Status: ledger.StatusOpen,
		},
		{
			Round: "2024-7", No: "二.1", Seq: 3, Category: "作风建设", Problem: "调查研究不够",
			Measures: "建立调研制度", Units: []string{"zzb"}, Leader: "wang",
			LongTerm: true, Status: ledger.StatusOpen,
		},
	}
}

func importAll(t *testing.T, s *store.Store, items []ledger.Item) store.ImportResult {
	t.Helper()
	res, err := s.ImportItems(t.Context(), items, store.ImportOptions{Actor: "test", At: t0})
	must(t, err)
	return res
}

func TestImportItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		items := seedItems()

		if got, want := importAll(t, s, items), (store.ImportResult{New: 3}); got != want {
			t.Fatalf("first import = %+v, want %+v", got, want)
		}
		got, err := s.ListItems(ctx, store.ItemFilter{})
		must(t, err)
		if !reflect.DeepEqual(got, items) {
			t.Fatalf("ListItems after import:\n got %+v\nwant %+v", got, items)
		}
		events, err := s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		if len(events) != 1 || events[0].Kind != ledger.EventImported || events[0].Actor != "test" ||
			events[0].ToStatus != ledger.StatusOpen {
			t.Fatalf("events after import = %+v, want one imported event", events)
		}
		sameTime(t, "event At", events[0].At, t0)

		// The same ledger again: nothing to write, no events.
		if got, want := importAll(t, s, items), (store.ImportResult{Unchanged: 3}); got != want {
			t.Fatalf("re-import = %+v, want %+v", got, want)
		}
		events, err = s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		if len(events) != 1 {
			t.Fatalf("re-import added events: %+v", events)
		}

		// One item done, one with new measures and reordered units.
		changed := seedItems()
		changed[1].Status = ledger.StatusDone
		changed[0].Measures = "制定并落实学习计划"
		changed[0].Units = []string{"zzb", "bgs"}
		res, err := s.ImportItems(ctx, changed, store.ImportOptions{Actor: "test", At: t0.AddDate(0, 0, 1)})
		must(t, err)
		if want := (store.ImportResult{Changed: 2, Unchanged: 1}); res != want {
			t.Fatalf("import of changes = %+v, want %+v", res, want)
		}
		it, err := s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if it.Status != ledger.StatusDone || !it.CompletedOn.Equal(day("2025-06-17")) {
			t.Errorf("item done by import: status %s completed %s, want done on the import day 2025-06-17",
				it.Status, it.CompletedOn)
		}
		events, err = s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		if len(events) != 2 || events[1].Kind != ledger.EventStatus ||
			events[1].FromStatus != ledger.StatusOpen || events[1].ToStatus != ledger.StatusDone {
			t.Errorf("events after status import = %+v, want imported then status open→done", events)
		}
		it, err = s.GetItem(ctx, "2024-7", "一.1")
		must(t, err)
		if !slices.Equal(it.Units, []string{"zzb", "bgs"}) || it.Measures != changed[0].Measures {
			t.Errorf("edited item = %+v", it)
		}
		events, err = s.ItemEvents(ctx, "2024-7", "一.1")
		must(t, err)
		if len(events) != 2 || events[1].Kind != ledger.EventEdited ||
			events[1].Note != "导入更新：整改措施、责任部门" {
			t.Errorf("events after edit import = %+v, want an edited event naming 整改措施、责任部门", events)
		}

		// A done item imported again without a completion day keeps its day.
		again := changed
		again[1].CompletedOn = ledger.Date{}
		res, err = s.ImportItems(ctx, again, store.ImportOptions{At: t0.AddDate(0, 1, 0)})
		must(t, err)
		if want := (store.ImportResult{Unchanged: 3}); res != want {
			t.Errorf("re-import of done item without date = %+v, want %+v", res, want)
		}
	})
}

func TestImportDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		items := seedItems()
		importAll(t, s, items[:2])

		next := seedItems()
		next[0].Progress = "新的整改情况"
		next = append(next, ledger.Item{Round: "2025-1", No: "一.1", Seq: 1, Problem: "新一轮问题", Status: ledger.StatusOpen})
		res, err := s.ImportItems(ctx, next, store.ImportOptions{At: t0, DryRun: true})
		must(t, err)
		if want := (store.ImportResult{New: 2, Changed: 1, Unchanged: 1}); res != want {
			t.Errorf("dry run = %+v, want %+v", res, want)
		}
		n, err := s.CountItems(ctx)
		must(t, err)
		if n != 2 {
			t.Errorf("CountItems after dry run = %d, want 2", n)
		}
		it, err := s.GetItem(ctx, "2024-7", "一.1")
		must(t, err)
		if it.Progress != items[0].Progress {
			t.Errorf("dry run changed progress to %q", it.Progress)
		}
		events, err := s.ItemEvents(ctx, "2024-7", "一.1")
		must(t, err)
		if len(events) != 1 {
			t.Errorf("dry run added events: %+v", events)
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		tests := []struct {
			name  string
			items []ledger.Item
		}{
			{"duplicate number", append(seedItems(), seedItems()[0])},
			{"bad status", append(seedItems(), ledger.Item{Round: "2024-7", No: "九.9", Status: "finished"})},
			{"missing number", append(seedItems(), ledger.Item{Round: "2024-7"})},
		}
		for _, tt := range tests {
			if _, err := s.ImportItems(ctx, tt.items, store.ImportOptions{At: t0}); err == nil {
				t.Errorf("%s: import succeeded", tt.name)
			}
			n, err := s.CountItems(ctx)
			must(t, err)
			if n != 0 {
				t.Fatalf("%s: %d items written by a failed import", tt.name, n)
			}
		}
		_, err := s.ImportItems(ctx, seedItems(), store.ImportOptions{})
		if err == nil {
			t.Error("import without ImportOptions.At succeeded")
		}
	})
}

func TestListItemsFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		items := append(seedItems(), ledger.Item{
			Round: "2023-5", No: "一.1", Seq: 9, Problem: "100% 完成率虚高", Units: []string{"bgs"},
			Leader: "li", Status: ledger.StatusClosed, CompletedOn: day("2023-12-01"),
		})
		importAll(t, s, items)
		must(t, s.EnsureRounds(ctx, []ledger.Round{{Code: "2024-7", Name: "市委第七巡察组反馈意见整改"}, {Code: "2026-1"}}))

		tests := []struct {
			name   string
			filter store.ItemFilter
			want   []string // round/no, in order
		}{
			{"all, by round then seq", store.ItemFilter{}, []string{"2023-5/一.1", "2024-7/一.1", "2024-7/一.2", "2024-7/二.1"}},
			{"round", store.ItemFilter{Round: "2024-7"}, []string{"2024-7/一.1", "2024-7/一.2", "2024-7/二.1"}},
			{"status", store.ItemFilter{Status: ledger.StatusOpen}, []string{"2024-7/一.2", "2024-7/二.1"}},
			{"unit, lead or not", store.ItemFilter{Unit: "zzb"}, []string{"2024-7/一.1", "2024-7/二.1"}},
			{"leader", store.ItemFilter{Leader: "li"}, []string{"2023-5/一.1", "2024-7/一.2"}},
			{"text in problem", store.ItemFilter{Text: "调查"}, []string{"2024-7/二.1"}},
			{"text ignores ASCII case", store.ItemFilter{Text: "budget"}, []string{"2024-7/一.2"}},
			{"text in measures", store.ItemFilter{Text: "财务"}, []string{"2024-7/一.2"}},
			{"text is literal", store.ItemFilter{Text: "0%"}, []string{"2023-5/一.1"}},
			{"wildcard is not one", store.ItemFilter{Text: "_"}, nil},
			{"combined", store.ItemFilter{Round: "2024-7", Leader: "wang", Status: ledger.StatusDone}, []string{"2024-7/一.1"}},
			{"nothing", store.ItemFilter{Unit: "nobody"}, nil},
		}
		for _, tt := range tests {
			got, err := s.ListItems(ctx, tt.filter)
			must(t, err)
			var keys []string
			for _, it := range got {
				keys = append(keys, it.Round+"/"+it.No)
			}
			if !slices.Equal(keys, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, keys, tt.want)
			}
		}
	})
}

func TestEachOpenItem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		// Open items with done items in between.
		var items []ledger.Item
		for i := range 450 {
			it := ledger.Item{
				Round: "2024-7", No: fmt.Sprintf("%03d", i), Seq: 450 - i, Problem: "问题",
				Units: []string{"u" + fmt.Sprint(i%7), "bgs"}, Status: ledger.StatusOpen,
			}
			if i%3 == 0 {
				it.Status = ledger.StatusDone
			}
			items = append(items, it)
		}
		importAll(t, s, items)

		// Pages of 100 end with an empty page, of 128 with a short one; the
		// default page holds them all.
		for _, page := range []int{100, 128, 0} {
			var seen []ledger.Item
			each := func(it ledger.Item) error {
				// The callback may use the store: nothing is left open meanwhile.
				if _, err := s.GetItem(ctx, it.Round, it.No); err != nil {
					return err
				}
				seen = append(seen, it)
				return nil
			}
			if page == 0 {
				must(t, s.EachOpenItem(ctx, each))
			} else {
				must(t, s.EachOpenItemPaged(ctx, page, each))
			}
			if len(seen) != 300 {
				t.Fatalf("page %d: saw %d items, want 300", page, len(seen))
			}
			for i, it := range seen {
				if it.Status != ledger.StatusOpen || len(it.Units) != 2 || it.Units[1] != "bgs" {
					t.Fatalf("page %d: item %d = %+v, want open with its two units", page, i, it)
				}
				if i > 0 && seen[i-1].Seq >= it.Seq {
					t.Fatalf("page %d: items out of ledger order at %d: seq %d then %d", page, i, seen[i-1].Seq, it.Seq)
				}
			}
		}

		stop := fmt.Errorf("stop")
		calls := 0
		err := s.EachOpenItem(ctx, func(ledger.Item) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("EachOpenItem returned %v after %d calls, want the callback's error after 1", err, calls)
		}
	})
}

// EachDoneItem is what the follow-up (回头看) job reads: done items only,
// over several pages, each with the day of its latest re-check.
func TestEachDoneItem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		var items []ledger.Item
		for i := range 320 {
			it := ledger.Item{
				Round: "2024-7", No: fmt.Sprintf("%03d", i), Seq: i, Problem: "问题",
				Units: []string{"cwb", "u" + fmt.Sprint(i%5)}, Status: ledger.StatusDone, CompletedOn: day("2025-03-01"),
			}
			switch i % 4 {
			case 1:
				it.Status, it.CompletedOn = ledger.StatusOpen, ledger.Date{}
			case 2:
				it.Status = ledger.StatusClosed
			}
			items = append(items, it)
		}
		importAll(t, s, items)
		must(t, s.AddProgress(ctx, "2024-7", "004", ledger.EventFollowup, day("2025-06-02"), "回头看无反弹", "cli:root", t0))
		must(t, s.AddProgress(ctx, "2024-7", "008", ledger.EventProgress, day("2025-06-03"), "进展", "cli:root", t0))
		// A re-check recorded before a reopen does not count for the next completion.
		must(t, s.AddProgress(ctx, "2024-7", "012", ledger.EventFollowup, day("2025-06-02"), "回头看", "cli:root", t0))
		must(t, s.ChangeStatus(ctx, "2024-7", "012", ledger.StatusOpen, day("2025-06-05"), "问题反弹", "cli:root", t0))
		must(t, s.ChangeStatus(ctx, "2024-7", "012", ledger.StatusDone, day("2025-07-01"), "再次完成", "cli:root", t0))

		checks := map[string]ledger.Date{}
		var seen []ledger.Item
		err := s.EachDoneItem(ctx, func(it ledger.Item, lastCheck ledger.Date) error {
			if _, err := s.GetItem(ctx, it.Round, it.No); err != nil { // the store is usable meanwhile
				return err
			}
			seen = append(seen, it)
			checks[it.No] = lastCheck
			return nil
		})
		must(t, err)
		if len(seen) != 160 {
			t.Fatalf("EachDoneItem saw %d items, want the 160 done ones", len(seen))
		}
		for i, it := range seen {
			if it.Status != ledger.StatusDone || len(it.Units) != 2 || it.Units[0] != "cwb" || it.CompletedOn.IsZero() {
				t.Fatalf("item %d = %+v, want done, completed, with its two units", i, it)
			}
			if i > 0 && seen[i-1].Seq >= it.Seq {
				t.Fatalf("items out of ledger order at %d: seq %d then %d", i, seen[i-1].Seq, it.Seq)
			}
		}
		for no, want := range map[string]string{"000": "", "004": "2025-06-02", "008": "", "012": ""} {
			if got := checks[no].String(); got != want {
				t.Errorf("last check of %s = %q, want %q", no, got, want)
			}
		}
		if got := seen[6]; got.No != "012" || got.CompletedOn.String() != "2025-07-01" {
			t.Errorf("the item done again = %s completed %s, want 012 completed 2025-07-01", got.No, got.CompletedOn)
		}

		stop := fmt.Errorf("stop")
		calls := 0
		err = s.EachDoneItem(ctx, func(ledger.Item, ledger.Date) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("EachDoneItem returned %v after %d calls, want the callback's error after 1", err, calls)
		}
	})
}

func TestGetAndFindItem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		importAll(t, s, seedItems())
		importAll(t, s, []ledger.Item{{Round: "2025-1", No: "一.1", Problem: "又一轮", Status: ledger.StatusOpen}})

		_, err := s.GetItem(ctx, "2024-7", "九.9")
		wantErr(t, err, store.ErrNotFound)
		it, err := s.FindItem(ctx, "一.2")
		must(t, err)
		if it.Round != "2024-7" || it.Units[0] != "cwb" {
			t.Errorf("FindItem(一.2) = %+v", it)
		}
		_, err = s.FindItem(ctx, "一.1")
		wantErr(t, err, store.ErrConflict)
		_, err = s.FindItem(ctx, "九.9")
		wantErr(t, err, store.ErrNotFound)
		n, err := s.CountItems(ctx)
		must(t, err)
		if n != 4 {
			t.Errorf("CountItems = %d, want 4", n)
		}
	})
}

func TestChangeStatusAndProgress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		importAll(t, s, seedItems())
		const round, no = "2024-7", "一.2"

		must(t, s.ChangeStatus(ctx, round, no, ledger.StatusDone, day("2025-06-10"), "制度已印发", "cli:root", t0))
		it, err := s.GetItem(ctx, round, no)
		must(t, err)
		if it.Status != ledger.StatusDone || !it.CompletedOn.Equal(day("2025-06-10")) {
			t.Errorf("after done: %s completed %s", it.Status, it.CompletedOn)
		}
		err = s.ChangeStatus(ctx, round, no, ledger.StatusDone, day("2025-06-11"), "", "cli:root", t0)
		wantErr(t, err, store.ErrConflict)

		must(t, s.AddProgress(ctx, round, no, ledger.EventFollowup, day("2025-09-10"), "回头看无反弹", "cli:root", t0.Add(1*time.Minute)))
		must(t, s.ChangeStatus(ctx, round, no, ledger.StatusOpen, ledger.Date{}, "问题反弹", "cli:root", t0.Add(2*time.Minute)))
		it, err = s.GetItem(ctx, round, no)
		must(t, err)
		if it.Status != ledger.StatusOpen || !it.CompletedOn.IsZero() {
			t.Errorf("after reopen: %s completed %s, want open without completion day", it.Status, it.CompletedOn)
		}
		must(t, s.AddProgress(ctx, round, no, ledger.EventProgress, day("2025-06-20"), "已完成初稿", "cli:root", t0.Add(3*time.Minute)))
		it, err = s.GetItem(ctx, round, no)
		must(t, err)
		if it.Progress != "已完成初稿" {
			t.Errorf("progress = %q, want the last note", it.Progress)
		}

		events, err := s.ItemEvents(ctx, round, no)
		must(t, err)
		type ev struct {
			kind     ledger.EventKind
			from, to ledger.Status
			on, note string
		}
		want := []ev{
			{ledger.EventImported, "", ledger.StatusOpen, "2025-06-16", "导入台账"},
			{ledger.EventStatus, ledger.StatusOpen, ledger.StatusDone, "2025-06-10", "制度已印发"},
			{ledger.EventFollowup, "", "", "2025-09-10", "回头看无反弹"},
			{ledger.EventStatus, ledger.StatusDone, ledger.StatusOpen, "2025-06-16", "问题反弹"},
			{ledger.EventProgress, "", "", "2025-06-20", "已完成初稿"},
		}
		var got []ev
		for _, e := range events {
			got = append(got, ev{e.Kind, e.FromStatus, e.ToStatus, e.On.String(), e.Note})
			if e.Actor == "" || e.ID == 0 {
				t.Errorf("event %+v lacks actor or id", e)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("events:\n got %v\nwant %v", got, want)
		}
		sameTime(t, "last event At", events[4].At, t0.Add(3*time.Minute))

		wantErr(t, s.ChangeStatus(ctx, round, "九.9", ledger.StatusDone, day("2025-06-10"), "", "x", t0), store.ErrNotFound)
		wantErr(t, s.AddProgress(ctx, round, "九.9", ledger.EventProgress, day("2025-06-10"), "", "x", t0), store.ErrNotFound)
		_, err = s.ItemEvents(ctx, round, "九.9")
		wantErr(t, err, store.ErrNotFound)
		if err := s.ChangeStatus(ctx, round, no, "finished", day("2025-06-10"), "", "x", t0); err == nil {
			t.Error("ChangeStatus to an unknown status succeeded")
		}
		if err := s.AddProgress(ctx, round, no, ledger.EventStatus, day("2025-06-10"), "", "x", t0); err == nil {
			t.Error("AddProgress of kind status succeeded")
		}
	})
}

func TestSubmissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		subs := []store.Submission{
			{Duty: "sanzhongyida", Unit: "bgs", Period: "2025-05", On: day("2025-06-03"), Note: "已报", Actor: "cli:root", CreatedAt: t0},
			{Duty: "sanzhongyida", Unit: "cwb", Period: "2025-05", Actor: "cli:root", CreatedAt: t0},
			{Duty: "sanhuiyike", Unit: "zb1", Period: "2025-Q1", On: day("2025-04-08"), CreatedAt: t0},
		}
		for _, sub := range subs {
			must(t, s.AddSubmission(ctx, sub))
		}
		dup := subs[0]
		dup.Note = "重复"
		wantErr(t, s.AddSubmission(ctx, dup), store.ErrConflict)

		got, err := s.ListSubmissions(ctx, "sanzhongyida")
		must(t, err)
		if len(got) != 2 || got[0].Unit != "bgs" || got[1].Unit != "cwb" {
			t.Fatalf("ListSubmissions(sanzhongyida) = %+v", got)
		}
		if got[0].Note != "已报" || !got[0].On.Equal(day("2025-06-03")) {
			t.Errorf("first submission = %+v", got[0])
		}
		if !got[1].On.Equal(ledger.DateOf(t0)) {
			t.Errorf("submission without a day: On = %s, want the day of CreatedAt", got[1].On)
		}
		sameTime(t, "CreatedAt", got[0].CreatedAt, t0)
		all, err := s.ListSubmissions(ctx, "")
		must(t, err)
		if len(all) != 3 {
			t.Errorf("ListSubmissions(\"\") returned %d, want 3", len(all))
		}
	})
}
