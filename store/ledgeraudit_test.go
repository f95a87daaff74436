package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// An item created in duban goes to the end of its round, with a "created"
// event; its number is unique in the round. The creation is where an
// import's conflicts start, not a change: a later import of the same row
// meets only the changes made in duban since.
func TestCreateItem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		at := t0.Add(time.Hour)
		it := ledger.Item{
			Round: "2024-7", No: "三.1", Category: "组织建设", Problem: "支部活动不规范",
			Measures: "规范三会一课", Units: []string{"zzb", "bgs", "zzb"}, Leader: "wang",
			Deadline: day("2025-09-30"), Status: ledger.StatusOpen, CompletedOn: day("2025-06-01"),
		}
		must(t, s.CreateItem(ctx, it, console, at))
		wantErr(t, s.CreateItem(ctx, it, console, at), store.ErrConflict)
		got, err := s.GetItem(ctx, "2024-7", "三.1")
		must(t, err)
		if got.Seq != 4 || !slices.Equal(got.Units, []string{"zzb", "bgs"}) || !got.CompletedOn.IsZero() || got.Status != ledger.StatusOpen {
			t.Errorf("created item %+v: want it last (4), its units once each, open without a completion day", got)
		}
		events, err := s.ItemEvents(ctx, "2024-7", "三.1")
		must(t, err)
		if list := eventList(events); !slices.Equal(list, []string{"created status →open (2025-06-16)  [zhang|]"}) {
			t.Errorf("timeline of a created item %q", list)
		}
		done := ledger.Item{Round: "2024-8", No: "1", Problem: "新一轮的问题", Units: []string{"bgs"},
			Deadline: day("2025-05-31"), Status: ledger.StatusDone}
		must(t, s.CreateItem(ctx, done, console, at))
		got, err = s.GetItem(ctx, "2024-8", "1")
		must(t, err)
		if got.Seq != 1 || !got.DoneSeenOn.Equal(day("2025-06-16")) {
			t.Errorf("a done item created in a new round: %+v, want first, seen done on the day", got)
		}
		for _, bad := range []ledger.Item{{Round: "2024-7", Problem: "无编号"}, {Round: "2024-7", No: "x", Status: "finished"}} {
			if err := s.CreateItem(ctx, bad, console, at); err == nil {
				t.Errorf("CreateItem(%+v) accepted", bad)
			}
		}

		row := it
		row.Status, row.CompletedOn = ledger.StatusDone, day("2025-06-20")
		row.Units = []string{"zzb"}
		res, err := s.ImportItems(ctx, []ledger.Item{row}, store.ImportOptions{By: cli("test"), At: at.Add(time.Hour), DryRun: true})
		must(t, err)
		if len(res.Conflicts) != 0 || res.Changed != 1 {
			t.Errorf("an import after a creation: %+v, want a change and no conflict", res)
		}
		must(t, s.ChangeStatus(ctx, "2024-7", "三.1", ledger.StatusDone, day("2025-06-16"), "", console, at.Add(time.Minute)))
		_, err = s.ImportItems(ctx, []ledger.Item{row}, store.ImportOptions{By: cli("test"), At: at.Add(time.Hour)})
		wantErr(t, err, store.ErrConflict)
	})
}

// wantEntry checks the latest audit entry of an object.
func wantEntry(t *testing.T, s *store.Store, objectType, key string, by store.Actor, action, before, after string) {
	t.Helper()
	entries := auditOf(t, s, objectType, key)
	if len(entries) == 0 {
		t.Fatalf("no audit entry of %s %s, want %s", objectType, key, action)
	}
	e := entries[len(entries)-1]
	if e.Actor != by || e.Action != action || e.Before != before || e.After != after {
		t.Errorf("audit entry of %s %s = %+v\nwant %s by %+v, before %s, after %s", objectType, key, e, action, by, before, after)
	}
}

// Every write of the ledger records who made it, what it changed, before
// and after, in the audit log.
func TestLedgerWritesAudited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		at := t0.Add(time.Hour)
		importer := store.Actor{Name: "zhang", Kind: store.ActorUser, Addr: "192.0.2.7"}
		file := store.Actor{Name: "台账.xlsx", Kind: store.ActorImport, Addr: "192.0.2.7"}
		_, err := s.ImportItems(ctx, seedItems(), store.ImportOptions{By: importer, Source: "台账.xlsx", At: t0})
		must(t, err)
		wantEntry(t, s, store.ObjectLedger, "台账.xlsx", importer, store.ActionLedgerImport, "",
			`{"new":3,"changed":0,"unchanged":0,"conflicts":0,"on_conflict":"refuse"}`)
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", file, store.ActionItemCreate, "",
			`{"category":"政治监督","completed_on":"","deadline":"2025-06-30","leader":"li","measures":"修订财务制度",`+
				`"problem":"Budget 审核流于形式","progress":"","status":"open","subcategory":"","units":"cwb"}`)

		items := seedItems()
		items[1].Progress = "已修订"
		_, err = s.ImportItems(ctx, items, store.ImportOptions{By: cliActor, Source: "v2.csv", At: at})
		must(t, err)
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", store.Actor{Name: "v2.csv", Kind: store.ActorImport},
			store.ActionItemEdit, `{"progress":""}`, `{"progress":"已修订"}`)
		if got := auditOf(t, s, store.ObjectItem, "2024-7/二.1"); len(got) != 1 {
			t.Errorf("an item the import left as it was has entries %+v, want its creation only", got)
		}

		_, err = s.EditItem(ctx, "2024-7", "一.2", []ledger.Field{ledger.FieldDeadline}, ledger.Item{Deadline: day("2025-08-31")},
			store.Edit{Note: "需待上级文件", By: console, At: at})
		must(t, err)
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", console, store.ActionItemEdit,
			`{"deadline":"2025-06-30"}`, `{"deadline":"2025-08-31","note":"需待上级文件"}`)

		must(t, s.AddProgress(ctx, "2024-7", "一.2", ledger.EventProgress, day("2025-06-15"), "召开推进会", console, at))
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", console, store.ActionItemProgress, "", `{"note":"召开推进会","on":"2025-06-15"}`)
		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusDone, day("2025-06-16"), "已印发", console, at))
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", console, store.ActionItemDone,
			`{"completed_on":"","status":"open"}`, `{"completed_on":"2025-06-16","note":"已印发","status":"done"}`)
		must(t, s.AddProgress(ctx, "2024-7", "一.2", ledger.EventFollowup, day("2025-06-16"), "回头看无反弹", cliActor, at))
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", cliActor, store.ActionItemConfirm, "", `{"note":"回头看无反弹","on":"2025-06-16"}`)
		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusClosed, ledger.Date{}, "", console, at))
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", console, store.ActionItemClose, `{"status":"done"}`, `{"status":"closed"}`)
		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusOpen, ledger.Date{}, "问题反弹", console, at))
		wantEntry(t, s, store.ObjectItem, "2024-7/一.2", console, store.ActionItemReopen,
			`{"completed_on":"2025-06-16","status":"closed"}`, `{"completed_on":"","note":"问题反弹","status":"open"}`)

		sub := store.Submission{Duty: "monthly", Unit: "ua", Period: "2025-05", On: day("2025-06-03"), Note: "已报", CreatedAt: at}
		must(t, s.AddSubmission(ctx, sub, console))
		wantEntry(t, s, store.ObjectSubmission, "monthly/ua/2025-05", console, store.ActionSubmissionAdd, "", `{"on":"2025-06-03","note":"已报"}`)
		_, err = s.WithdrawSubmission(ctx, "monthly", "ua", "2025-05", "报错了表", cliActor, at)
		must(t, err)
		wantEntry(t, s, store.ObjectSubmission, "monthly/ua/2025-05", cliActor, store.ActionSubmissionWithdraw,
			`{"on":"2025-06-03","note":"已报"}`, `{"on":"2025-06-03","note":"已报","withdraw_reason":"报错了表"}`)
		must(t, s.AddSubmissions(ctx, []store.Submission{
			{Duty: "monthly", Unit: "ua", Period: "2025-05", CreatedAt: at},
			{Duty: "monthly", Unit: "ub", Period: "2025-05", CreatedAt: at},
		}, cliActor))
		wantEntry(t, s, store.ObjectSubmission, "monthly/ub/2025-05", cliActor, store.ActionSubmissionAdd, "", `{"on":"2025-06-16"}`)
		if got := auditOf(t, s, store.ObjectSubmission, "monthly/ua/2025-05"); len(got) != 3 {
			t.Errorf("entries of a submission added, withdrawn and added again: %+v", got)
		}
	})
}

// A ledger write whose audit entry cannot be recorded does not happen: the
// entry goes in the write's transaction.
func TestLedgerWriteNeedsItsAuditEntry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		importAll(t, s, seedItems())
		nobody := store.Actor{Name: "zhang"} // no kind: the entry cannot be recorded
		at := t0.Add(time.Hour)
		before, err := s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		for what, err := range map[string]error{
			"create": s.CreateItem(ctx, ledger.Item{Round: "2024-7", No: "九.1", Problem: "p", Units: []string{"bgs"}}, nobody, at),
			"edit": func() error {
				_, err := s.EditItem(ctx, "2024-7", "一.2", []ledger.Field{ledger.FieldProgress}, ledger.Item{Progress: "x"},
					store.Edit{By: nobody, At: at})
				return err
			}(),
			"done":     s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusDone, ledger.Date{}, "", nobody, at),
			"progress": s.AddProgress(ctx, "2024-7", "一.2", ledger.EventProgress, ledger.Date{}, "n", nobody, at),
			"import": func() error {
				items := seedItems()
				items[1].Measures = "改"
				items = append(items, ledger.Item{Round: "2024-7", No: "九.2", Problem: "p", Units: []string{"bgs"}})
				_, err := s.ImportItems(ctx, items, store.ImportOptions{By: nobody, At: at})
				return err
			}(),
			"submit": s.AddSubmission(ctx, store.Submission{Duty: "monthly", Unit: "ua", Period: "2025-05", CreatedAt: at}, nobody),
		} {
			if err == nil {
				t.Errorf("%s without a valid actor succeeded", what)
			}
		}
		after, err := s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		it, err := s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if len(after) != len(before) || it.Status != ledger.StatusOpen || it.Progress != "" || it.Measures != "修订财务制度" {
			t.Errorf("writes whose entries failed changed the item: %+v, %d events", it, len(after))
		}
		for _, no := range []string{"九.1", "九.2"} {
			if _, err := s.GetItem(ctx, "2024-7", no); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("item %s was created although its entry failed: %v", no, err)
			}
		}
		if subs, err := s.ListSubmissions(ctx, ""); err != nil || len(subs) != 0 {
			t.Errorf("submissions after a failed entry: %+v %v", subs, err)
		}
		must(t, s.AddSubmission(ctx, store.Submission{Duty: "monthly", Unit: "ua", Period: "2025-05", CreatedAt: at}, console))
		if _, err := s.WithdrawSubmission(ctx, "monthly", "ua", "2025-05", "撤", nobody, at); err == nil {
			t.Error("a withdrawal without a valid actor succeeded")
		}
		if subs, err := s.ListSubmissions(ctx, ""); err != nil || len(subs) != 1 {
			t.Errorf("a withdrawal whose entry failed took the submission back: %+v %v", subs, err)
		}
	})
}
