package store_test

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// seedItems is a small ledger in the example ledger's shape.
func seedItems() []ledger.Item {
	return []ledger.Item{
		{
			Round: "2024-7", No: "一.1", Seq: 1, Category: "政治监督", SubCategory: "关于政治站位不够高问题",
			Problem:  "学习贯彻不够深入",
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
	res, err := s.ImportItems(t.Context(), items, store.ImportOptions{By: cli("test"), Source: "ledger.xlsx", At: t0})
	must(t, err)
	return res
}

// counts is what an import did, in short: new/changed/unchanged.
func counts(res store.ImportResult) string {
	return fmt.Sprintf("%d/%d/%d", res.New, res.Changed, res.Unchanged)
}

// changeList is an import's changes as "no field old→new", in order.
func changeList(res store.ImportResult) []string {
	var out []string
	for _, c := range res.Changes {
		out = append(out, c.No+" "+string(c.Field)+" "+c.Old+"→"+c.New)
	}
	return out
}

// eventList is a timeline as "kind field old→new (on) note [actor|source]".
func eventList(events []ledger.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, fmt.Sprintf("%s %s %s→%s (%s) %s [%s|%s]", e.Kind, e.Field, e.Old, e.New, e.On, e.Note, e.Actor, e.Source))
	}
	return out
}

func TestImportItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		items := seedItems()

		if got := counts(importAll(t, s, items)); got != "3/0/0" {
			t.Fatalf("first import = %s, want 3 new", got)
		}
		got, err := s.ListItems(ctx, store.ItemFilter{})
		must(t, err)
		want := seedItems()
		want[0].DoneSeenOn = ledger.DateOf(t0) // done when duban first saw it, on the import day
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ListItems after import:\n got %+v\nwant %+v", got, want)
		}
		events, err := s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		if len(events) != 1 || events[0].Kind != ledger.EventImported || events[0].Actor != "test" ||
			events[0].Source != "ledger.xlsx" || events[0].New != string(ledger.StatusOpen) {
			t.Fatalf("events after import = %+v, want one imported event", events)
		}
		sameTime(t, "event At", events[0].At, t0)

		// The same ledger again: nothing to write, no events.
		if got := counts(importAll(t, s, items)); got != "0/0/3" {
			t.Fatalf("re-import = %s, want 3 unchanged", got)
		}
		events, err = s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		if len(events) != 1 {
			t.Fatalf("re-import added events: %+v", events)
		}

		// One item done, one with new measures and reordered units: each
		// field changed is an event with its value before and after.
		changed := seedItems()
		changed[1].Status = ledger.StatusDone
		changed[0].Measures = "制定并落实学习计划"
		changed[0].Units = []string{"zzb", "bgs"}
		day2 := t0.AddDate(0, 0, 1)
		res, err := s.ImportItems(ctx, changed, store.ImportOptions{By: cli("test"), Source: "v2.csv", At: day2})
		must(t, err)
		if counts(res) != "0/2/1" || !slices.Equal(changeList(res), []string{
			"一.1 measures 制定学习计划→制定并落实学习计划", "一.1 units bgs,zzb→zzb,bgs", "一.2 status open→done",
		}) {
			t.Fatalf("import of changes = %s %q", counts(res), changeList(res))
		}
		it, err := s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if done, known := it.DoneOn(); it.Status != ledger.StatusDone || known || !done.Equal(day("2025-06-17")) {
			t.Errorf("item done by import: status %s, done on %s (known %v), want done, day unknown, seen on the import day 2025-06-17",
				it.Status, done, known)
		}
		events, err = s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		if got := eventList(events[1:]); !slices.Equal(got, []string{"status status open→done (2025-06-17)  [test|v2.csv]"}) {
			t.Errorf("events after status import = %q", got)
		}
		events, err = s.ItemEvents(ctx, "2024-7", "一.1")
		must(t, err)
		if got := eventList(events[1:]); !slices.Equal(got, []string{
			"edited measures 制定学习计划→制定并落实学习计划 (2025-06-17)  [test|v2.csv]",
			"edited units bgs,zzb→zzb,bgs (2025-06-17)  [test|v2.csv]",
		}) {
			t.Errorf("events after edit import = %q", got)
		}

		// A file without the 完成日期 and 整改情况 columns leaves those fields
		// alone; with them, an empty cell means none.
		again := seedItems()
		again[0].CompletedOn, again[0].Progress = ledger.Date{}, ""
		again[0].Measures, again[0].Units, again[1].Status = changed[0].Measures, changed[0].Units, ledger.StatusDone
		without := slices.DeleteFunc(ledger.ItemFields(), func(f ledger.Field) bool {
			return f == ledger.FieldCompletedOn || f == ledger.FieldProgress
		})
		res, err = s.ImportItems(ctx, again, store.ImportOptions{By: cli("import"), At: t0.AddDate(0, 1, 0), Fields: without})
		must(t, err)
		if counts(res) != "0/0/3" {
			t.Errorf("import without the columns = %s %q, want all unchanged", counts(res), changeList(res))
		}
		res, err = s.ImportItems(ctx, again, store.ImportOptions{By: cli("import"), At: t0.AddDate(0, 1, 0)})
		must(t, err)
		if !slices.Equal(changeList(res), []string{"一.1 completed_on 2024-11-30→", "一.1 progress 已完成学习计划→"}) {
			t.Errorf("import with empty cells = %q", changeList(res))
		}
	})
}

func TestImportDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		items := seedItems()
		importAll(t, s, items[:2])

		next := seedItems()
		next[0].Progress = "新的整改情况"
		next = append(next, ledger.Item{Round: "2025-1", No: "一.1", Seq: 1, Problem: "新一轮问题", Status: ledger.StatusOpen})
		res, err := s.ImportItems(ctx, next, store.ImportOptions{By: cli("import"), At: t0, DryRun: true})
		must(t, err)
		if counts(res) != "2/1/1" || fmt.Sprint(res.Added) != "[{2024-7 二.1} {2025-1 一.1}]" ||
			!slices.Equal(changeList(res), []string{"一.1 progress 已完成学习计划→新的整改情况"}) {
			t.Errorf("dry run = %s, added %v, changes %q", counts(res), res.Added, changeList(res))
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
			if _, err := s.ImportItems(ctx, tt.items, store.ImportOptions{By: cli("import"), At: t0}); err == nil {
				t.Errorf("%s: import succeeded", tt.name)
			}
			n, err := s.CountItems(ctx)
			must(t, err)
			if n != 0 {
				t.Fatalf("%s: %d items written by a failed import", tt.name, n)
			}
		}
		_, err := s.ImportItems(ctx, seedItems(), store.ImportOptions{By: cli("import")})
		if err == nil {
			t.Error("import without ImportOptions.At succeeded")
		}
	})
}

func TestListItemsFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		items := append(seedItems(), ledger.Item{
			Round: "2023-5", No: "一.1", Seq: 9, Problem: "100% 完成率虚高（ＰＰＰ项目，OA系统）", Units: []string{"bgs"},
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
			{"text within one field", store.ItemFilter{Text: "监督Budget"}, nil},
			{"text in measures", store.ItemFilter{Text: "财务"}, []string{"2024-7/一.2"}},
			{"letters and others ignore ASCII case", store.ItemFilter{Text: "oa系统"}, []string{"2023-5/一.1"}},
			{"letters and others in one field", store.ItemFilter{Text: "oa系统Budget"}, nil},
			{"text is literal", store.ItemFilter{Text: "0%"}, []string{"2023-5/一.1"}},
			// As SQLite's LIKE does, PostgreSQL's too.
			{"other letters as they are", store.ItemFilter{Text: "ＰＰＰ"}, []string{"2023-5/一.1"}},
			{"other letters in their case", store.ItemFilter{Text: "ｐｐｐ"}, nil},
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
		ctx := t.Context()
		// Open items with done items in between, each with two units, the
		// lead unit first.
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

		seen := map[string]int{}
		must(t, s.EachOpenItem(ctx, func(it ledger.Item, told store.Told) error {
			seen[it.No]++
			i, err := strconv.Atoi(it.No)
			if err != nil {
				return err
			}
			if it.Status != ledger.StatusOpen || !slices.Equal(it.Units, []string{"u" + fmt.Sprint(i%7), "bgs"}) {
				t.Errorf("item %s = %+v, want open with its two units in ledger order", it.No, it)
			}
			if told.ItemID == 0 || told.Digest != "" {
				t.Errorf("item %s: told %+v, want its id and no digest (never told)", it.No, told)
			}
			return nil
		}))
		if len(seen) != 300 {
			t.Fatalf("saw %d open items, want 300", len(seen))
		}
		for no, n := range seen {
			if n != 1 {
				t.Errorf("item %s seen %d times, want once", no, n)
			}
		}

		stop := fmt.Errorf("stop")
		calls := 0
		err := s.EachOpenItem(ctx, func(ledger.Item, store.Told) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("EachOpenItem returned %v after %d calls, want the callback's error after 1", err, calls)
		}
	})
}

// EachDoneItem is what the follow-up (回头看) job reads: done items only,
// each with its units and the day of its latest re-check.
func TestEachDoneItem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
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
		must(t, s.AddProgress(ctx, "2024-7", "004", ledger.EventFollowup, day("2025-06-02"), "回头看无反弹", cli("cli:root"), t0))
		must(t, s.AddProgress(ctx, "2024-7", "008", ledger.EventProgress, day("2025-06-03"), "进展", cli("cli:root"), t0))
		// A re-check recorded before a reopen does not count for the next completion.
		must(t, s.AddProgress(ctx, "2024-7", "012", ledger.EventFollowup, day("2025-06-02"), "回头看", cli("cli:root"), t0))
		must(t, s.ChangeStatus(ctx, "2024-7", "012", ledger.StatusOpen, day("2025-06-05"), "问题反弹", cli("cli:root"), t0))
		must(t, s.ChangeStatus(ctx, "2024-7", "012", ledger.StatusDone, day("2025-07-01"), "再次完成", cli("cli:root"), t0))

		checks := map[string]ledger.Date{}
		var seen []ledger.Item
		err := s.EachDoneItem(ctx, func(it ledger.Item, lastCheck ledger.Date) error {
			seen = append(seen, it)
			checks[it.No] = lastCheck
			return nil
		})
		must(t, err)
		if len(seen) != 160 {
			t.Fatalf("EachDoneItem saw %d items, want the 160 done ones", len(seen))
		}
		byNo := map[string]ledger.Item{}
		for _, it := range seen {
			if it.Status != ledger.StatusDone || len(it.Units) != 2 || it.Units[0] != "cwb" || it.CompletedOn.IsZero() {
				t.Fatalf("item %s = %+v, want done, completed, with its two units, the lead unit first", it.No, it)
			}
			byNo[it.No] = it
		}
		for no, want := range map[string]string{"000": "", "004": "2025-06-02", "008": "", "012": ""} {
			if got := checks[no].String(); got != want {
				t.Errorf("last check of %s = %q, want %q", no, got, want)
			}
		}
		if got := byNo["012"]; got.CompletedOn.String() != "2025-07-01" {
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
		ctx := t.Context()
		importAll(t, s, seedItems())
		const round, no = "2024-7", "一.2"

		must(t, s.ChangeStatus(ctx, round, no, ledger.StatusDone, day("2025-06-10"), "制度已印发", cli("cli:root"), t0))
		it, err := s.GetItem(ctx, round, no)
		must(t, err)
		if it.Status != ledger.StatusDone || !it.CompletedOn.Equal(day("2025-06-10")) {
			t.Errorf("after done: %s completed %s", it.Status, it.CompletedOn)
		}
		err = s.ChangeStatus(ctx, round, no, ledger.StatusDone, day("2025-06-11"), "", cli("cli:root"), t0)
		wantErr(t, err, store.ErrConflict)

		must(t, s.AddProgress(ctx, round, no, ledger.EventFollowup, day("2025-09-10"), "回头看无反弹", cli("cli:root"), t0.Add(1*time.Minute)))
		must(t, s.ChangeStatus(ctx, round, no, ledger.StatusOpen, ledger.Date{}, "问题反弹", cli("cli:root"), t0.Add(2*time.Minute)))
		it, err = s.GetItem(ctx, round, no)
		must(t, err)
		if it.Status != ledger.StatusOpen || !it.CompletedOn.IsZero() {
			t.Errorf("after reopen: %s completed %s, want open without completion day", it.Status, it.CompletedOn)
		}
		must(t, s.AddProgress(ctx, round, no, ledger.EventProgress, day("2025-06-20"), "已完成初稿", cli("cli:root"), t0.Add(3*time.Minute)))
		it, err = s.GetItem(ctx, round, no)
		must(t, err)
		if it.Progress != "" {
			t.Errorf("progress = %q: a note is a timeline entry, not 整改情况", it.Progress)
		}

		events, err := s.ItemEvents(ctx, round, no)
		must(t, err)
		want := []string{
			"imported status →open (2025-06-16)  [test|ledger.xlsx]",
			"status status open→done (2025-06-10) 制度已印发 [cli:root|]",
			"followup  → (2025-09-10) 回头看无反弹 [cli:root|]",
			"status status done→open (2025-06-16) 问题反弹 [cli:root|]",
			"progress  → (2025-06-20) 已完成初稿 [cli:root|]",
		}
		if got := eventList(events); !slices.Equal(got, want) {
			t.Errorf("events:\n got %q\nwant %q", got, want)
		}
		for _, e := range events {
			if e.ID == 0 {
				t.Errorf("event %+v lacks its id", e)
			}
		}
		sameTime(t, "last event At", events[4].At, t0.Add(3*time.Minute))

		wantErr(t, s.ChangeStatus(ctx, round, "九.9", ledger.StatusDone, day("2025-06-10"), "", cli("x"), t0), store.ErrNotFound)
		wantErr(t, s.AddProgress(ctx, round, "九.9", ledger.EventProgress, day("2025-06-10"), "", cli("x"), t0), store.ErrNotFound)
		_, err = s.ItemEvents(ctx, round, "九.9")
		wantErr(t, err, store.ErrNotFound)
		if err := s.ChangeStatus(ctx, round, no, "finished", day("2025-06-10"), "", cli("x"), t0); err == nil {
			t.Error("ChangeStatus to an unknown status succeeded")
		}
		if err := s.AddProgress(ctx, round, no, ledger.EventStatus, day("2025-06-10"), "", cli("x"), t0); err == nil {
			t.Error("AddProgress of kind status succeeded")
		}
	})
}

func TestSubmissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		subs := []store.Submission{
			{Duty: "sanzhongyida", Unit: "bgs", Period: "2025-05", On: day("2025-06-03"), Note: "已报", Actor: "cli:root", CreatedAt: t0},
			{Duty: "sanzhongyida", Unit: "cwb", Period: "2025-05", Actor: "cli:root", CreatedAt: t0},
			{Duty: "sanhuiyike", Unit: "zb1", Period: "2025-Q1", On: day("2025-04-08"), CreatedAt: t0},
		}
		for _, sub := range subs {
			must(t, s.AddSubmission(ctx, sub, cliActor))
		}
		dup := subs[0]
		dup.Note = "重复"
		wantErr(t, s.AddSubmission(ctx, dup, cliActor), store.ErrConflict)

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

// conflictList is an import's conflicts as "no field file/duban actor".
func conflictList(res store.ImportResult) []string {
	var out []string
	for _, c := range res.Conflicts {
		out = append(out, fmt.Sprintf("%s %s %s/%s %s", c.No, c.Field, c.File, c.Duban, c.Actor))
	}
	return out
}

// An import that would undo a change made in duban since the item's last
// import writes nothing and lists the conflicts, unless told which side
// wins.
func TestImportConflicts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusDone, day("2025-06-16"), "", cli("alice"), t0.Add(time.Hour)))
		_, err := s.EditItem(ctx, "2024-7", "二.1", []ledger.Field{ledger.FieldProgress},
			ledger.Item{Progress: "已建立调研制度"}, store.Edit{By: cli("bob"), At: t0.Add(time.Hour)})
		must(t, err)

		file := seedItems()            // the same spreadsheet again, with one other change
		file[1].Measures = "修订并执行财务制度" // not guarded: the file's word counts
		wantConflicts := []string{
			"一.2 status open/done alice", "一.2 completed_on /2025-06-16 alice", "二.1 progress /已建立调研制度 bob",
		}
		for _, dry := range []bool{true, false} {
			res, err := s.ImportItems(ctx, file, store.ImportOptions{By: cli("import"), At: t0.Add(2 * time.Hour), DryRun: dry})
			wantErr(t, err, store.ErrConflict)
			if got := conflictList(res); !slices.Equal(got, wantConflicts) {
				t.Fatalf("dry %v: conflicts %q, want %q", dry, got, wantConflicts)
			}
			sameTime(t, "conflict At", res.Conflicts[0].At, t0.Add(time.Hour))
		}
		it, err := s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if it.Status != ledger.StatusDone || it.Measures != "修订财务制度" {
			t.Fatalf("a refused import wrote: %+v", it)
		}

		// --keep: duban's values stay, the rest of the row applies, and the
		// next import of the same rows meets the conflicts again.
		res, err := s.ImportItems(ctx, file, store.ImportOptions{By: cli("import"), At: t0.Add(3 * time.Hour), OnConflict: store.ConflictKeep})
		must(t, err)
		if !slices.Equal(conflictList(res), wantConflicts) ||
			!slices.Equal(changeList(res), []string{"一.2 measures 修订财务制度→修订并执行财务制度"}) {
			t.Errorf("keep: conflicts %q, changes %q", conflictList(res), changeList(res))
		}
		it, err = s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if it.Status != ledger.StatusDone || it.Measures != file[1].Measures {
			t.Errorf("after keep: %+v", it)
		}
		_, err = s.ImportItems(ctx, file, store.ImportOptions{By: cli("import"), At: t0.Add(4 * time.Hour)})
		wantErr(t, err, store.ErrConflict)

		// --overwrite: the file wins; the item is open again.
		res, err = s.ImportItems(ctx, file, store.ImportOptions{By: cli("import"), Source: "v3.xlsx", At: t0.Add(5 * time.Hour), OnConflict: store.ConflictOverwrite})
		must(t, err)
		if !slices.Equal(conflictList(res), wantConflicts) || !slices.Equal(changeList(res), []string{
			"一.2 status done→open", "一.2 completed_on 2025-06-16→", "二.1 progress 已建立调研制度→",
		}) {
			t.Errorf("overwrite: conflicts %q, changes %q", conflictList(res), changeList(res))
		}
		it, err = s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if it.Status != ledger.StatusOpen || !it.CompletedOn.IsZero() || !it.DoneSeenOn.IsZero() {
			t.Errorf("after overwrite: %+v", it)
		}

		// A change made in duban before the last import is the import's to
		// change: done in duban, the office's file agrees, then reopens it.
		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusDone, day("2025-06-16"), "", cli("alice"), t0.Add(6*time.Hour)))
		file[1].Status, file[1].CompletedOn = ledger.StatusDone, day("2025-06-16")
		res, err = s.ImportItems(ctx, file, store.ImportOptions{By: cli("import"), At: t0.Add(7 * time.Hour)})
		must(t, err)
		if counts(res) != "0/0/3" {
			t.Errorf("import agreeing with duban = %s %q", counts(res), changeList(res))
		}
		file[1].Status, file[1].CompletedOn = ledger.StatusOpen, ledger.Date{}
		res, err = s.ImportItems(ctx, file, store.ImportOptions{By: cli("import"), At: t0.Add(8 * time.Hour)})
		must(t, err)
		if len(res.Conflicts) != 0 || counts(res) != "0/1/2" {
			t.Errorf("reopening import = %s, conflicts %q", counts(res), conflictList(res))
		}

		// A deadline moved later by an import is an extension (延期).
		file[1].Deadline = day("2025-09-30")
		res, err = s.ImportItems(ctx, file, store.ImportOptions{By: cli("import"), Source: "v4.xlsx", At: t0.Add(9 * time.Hour)})
		must(t, err)
		events, err := s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		last := events[len(events)-1]
		if last.Field != ledger.FieldDeadline || last.Old != "2025-06-30" || last.New != "2025-09-30" || last.Label() != "延期" {
			t.Errorf("deadline event %+v labelled %q, want 延期 2025-06-30 → 2025-09-30", last, last.Label())
		}
	})
}

func TestEditItem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		const round, no = "2024-7", "一.2"
		at := t0.Add(time.Hour)
		changes, err := s.EditItem(ctx, round, no,
			[]ledger.Field{ledger.FieldDeadline, ledger.FieldProgress, ledger.FieldUnits, ledger.FieldLeader},
			ledger.Item{Deadline: day("2025-08-31"), Progress: "制度初稿已完成", Units: []string{"cwb", "bgs"}, Leader: "li"},
			store.Edit{Note: "需待上级文件", By: cli("alice"), At: at})
		must(t, err)
		want := []string{ // in ledger order
			"units cwb→cwb,bgs", "deadline 2025-06-30→2025-08-31", "progress →制度初稿已完成",
		}
		var got []string
		for _, c := range changes {
			got = append(got, string(c.Field)+" "+c.Old+"→"+c.New)
		}
		if !slices.Equal(got, want) {
			t.Errorf("changes %q, want %q (the leader was li already)", got, want)
		}
		it, err := s.GetItem(ctx, round, no)
		must(t, err)
		if !it.Deadline.Equal(day("2025-08-31")) || it.Progress != "制度初稿已完成" || !slices.Equal(it.Units, []string{"cwb", "bgs"}) {
			t.Errorf("edited item %+v", it)
		}
		events, err := s.ItemEvents(ctx, round, no)
		must(t, err)
		if got := eventList(events[1:]); !slices.Equal(got, []string{
			"edited units cwb→cwb,bgs (2025-06-16) 需待上级文件 [alice|]",
			"edited deadline 2025-06-30→2025-08-31 (2025-06-16) 需待上级文件 [alice|]",
			"edited progress →制度初稿已完成 (2025-06-16) 需待上级文件 [alice|]",
		}) {
			t.Errorf("events %q", got)
		}
		if events[2].Label() != "延期" || events[3].Label() != "修改" {
			t.Errorf("labels %q, %q, want 延期 and 修改", events[2].Label(), events[3].Label())
		}

		// The same values again change nothing.
		changes, err = s.EditItem(ctx, round, no, []ledger.Field{ledger.FieldProgress},
			ledger.Item{Progress: "制度初稿已完成"}, store.Edit{By: cli("alice"), At: at})
		must(t, err)
		if len(changes) != 0 {
			t.Errorf("a no-op edit changed %v", changes)
		}
		_, err = s.EditItem(ctx, round, no, []ledger.Field{ledger.FieldStatus}, ledger.Item{Status: ledger.StatusDone}, store.Edit{At: at})
		wantErr(t, err, store.ErrConflict)
		_, err = s.EditItem(ctx, round, no, []ledger.Field{ledger.FieldCompletedOn}, ledger.Item{CompletedOn: day("2025-06-01")}, store.Edit{At: at})
		wantErr(t, err, store.ErrConflict)
		_, err = s.EditItem(ctx, round, "九.9", []ledger.Field{ledger.FieldProgress}, ledger.Item{}, store.Edit{At: at})
		wantErr(t, err, store.ErrNotFound)
	})
}

// A done item's completion day is known or not; the day duban first saw it
// done stands in for an unknown one, and a reopen clears both.
func TestCompletionDays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		items := seedItems()
		items[0].CompletedOn = ledger.Date{} // done, day unknown
		importAll(t, s, items)
		check := func(no, wantStatus, wantCompleted, wantSeen string) {
			t.Helper()
			it, err := s.GetItem(ctx, "2024-7", no)
			must(t, err)
			if string(it.Status) != wantStatus || it.CompletedOn.String() != wantCompleted || it.DoneSeenOn.String() != wantSeen {
				t.Errorf("%s: %s completed %q seen %q, want %s %q %q", no, it.Status, it.CompletedOn, it.DoneSeenOn,
					wantStatus, wantCompleted, wantSeen)
			}
		}
		check("一.1", "done", "", "2025-06-16")
		later := t0.AddDate(0, 0, 3)
		must(t, s.ChangeStatus(ctx, "2024-7", "一.1", ledger.StatusClosed, day("2025-06-19"), "", cli("x"), later))
		check("一.1", "closed", "", "2025-06-16") // 销号 is not the completion
		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusDone, day("2025-06-10"), "", cli("x"), later))
		check("一.2", "done", "2025-06-10", "2025-06-19")
		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusOpen, day("2025-06-19"), "", cli("x"), later))
		check("一.2", "open", "", "")
	})
}

func TestLatestNotes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		for i, d := range []string{"2025-06-01", "2025-06-05", "2025-06-03", "2025-06-09", "2025-06-20"} {
			must(t, s.AddProgress(ctx, "2024-7", "一.2", ledger.EventProgress, day(d), "进展"+d, cli("x"), t0.Add(time.Duration(i)*time.Minute)))
		}
		must(t, s.AddProgress(ctx, "2024-7", "二.1", ledger.EventProgress, day("2025-06-02"), "调研", cli("x"), t0))
		must(t, s.AddProgress(ctx, "2024-7", "一.1", ledger.EventFollowup, day("2025-06-02"), "回头看", cli("x"), t0))
		notes, err := s.LatestNotes(ctx, "2024-7", day("2025-06-10"), 3)
		must(t, err)
		got := map[string]string{}
		for no, es := range notes {
			for _, e := range es {
				got[no] += e.On.String() + " "
			}
		}
		want := map[string]string{"一.2": "2025-06-03 2025-06-05 2025-06-09 ", "二.1": "2025-06-02 "}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("latest notes %q, want %q", got, want)
		}
		notes, err = s.LatestNotes(ctx, "2024-7", day("2025-06-10"), 0)
		must(t, err)
		if len(notes) != 0 {
			t.Errorf("latest 0 notes = %v", notes)
		}
	})
}

// The sub-category (问题子类) is a field like the others: imported, changed
// by a later import or an edit with the change in the timeline, and found
// by the text filter.
func TestSubCategory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		changed := seedItems()
		changed[2].SubCategory = "关于调查研究问题"
		res, err := s.ImportItems(ctx, changed, store.ImportOptions{By: cli("test"), Source: "v2.csv", At: t0.AddDate(0, 0, 1)})
		must(t, err)
		if got := changeList(res); !slices.Equal(got, []string{"二.1 subcategory →关于调查研究问题"}) {
			t.Fatalf("import of a new sub-category: changes %q", got)
		}
		edited, err := s.EditItem(ctx, "2024-7", "二.1", []ledger.Field{ledger.FieldSubCategory},
			ledger.Item{SubCategory: "关于调研不深入问题"}, store.Edit{By: cli("test"), At: t0.AddDate(0, 0, 2)})
		must(t, err)
		if len(edited) != 1 || edited[0].Old != "关于调查研究问题" || edited[0].New != "关于调研不深入问题" {
			t.Fatalf("edit of the sub-category: %+v", edited)
		}
		events, err := s.ItemEvents(ctx, "2024-7", "二.1")
		must(t, err)
		last := events[len(events)-1]
		if last.Kind != ledger.EventEdited || last.Field != ledger.FieldSubCategory || last.New != "关于调研不深入问题" {
			t.Errorf("last event %+v, want the sub-category's edit", last)
		}
		found, err := s.ListItems(ctx, store.ItemFilter{Text: "调研不深入"})
		must(t, err)
		if len(found) != 1 || found[0].No != "二.1" || found[0].SubCategory != "关于调研不深入问题" {
			t.Errorf("text filter on the sub-category found %+v", found)
		}
	})
}
