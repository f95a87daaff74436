package scheduler

import (
	"strings"
	"testing"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/store"
	"duban/store/storetest"
)

// An attempt that committed its messages and died before it recorded its
// end, then a ledger change, then the attempt that takes the run over:
// what the later attempt finds fresh goes out in messages of its own, and
// nothing the first sent goes out again.
func TestALaterAttemptSendsWhatItFindsInMessagesOfItsOwn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		loc := time.FixedZone("CST", 8*3600)
		tick := time.Date(2025, 6, 16, 9, 0, 0, 0, loc)
		unit := ledger.Unit{Code: "ua", Name: "综合科", Kind: ledger.KindDepartment, Emails: []string{"a@t.example"}}
		tmpl, err := notify.LoadTemplates("")
		if err != nil {
			t.Fatal(err)
		}
		set := Settings{Location: loc, Policy: ledger.DefaultPolicy(), Calendar: ledger.NewCalendar(nil, nil),
			Directory: ledger.NewDirectory([]ledger.Unit{unit}, nil, nil), Office: "督查室"}
		by := store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: tick}
		item := func(no string) ledger.Item {
			return ledger.Item{Round: "r1", No: no, Problem: "问题" + no, Units: []string{"ua"},
				Deadline: ledger.DateOf(tick).AddDays(3), Status: ledger.StatusOpen}
		}
		if err := st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ImportItems(ctx, []ledger.Item{item("A1")}, by); err != nil {
			t.Fatal(err)
		}

		// The first attempt: claimed, committed, never finished.
		dead := New(st, set, tmpl, Options{Owner: "dead", Now: func() time.Time { return tick }})
		run, err := st.ClaimRun(ctx, ledger.JobDeadlines, tick, "dead", tick, retryRun)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := dead.perform(ctx, ledger.JobDeadlines, run, tick); err != nil || res.Dispatches != 1 {
			t.Fatalf("first attempt: %+v, %v; want one message", res, err)
		}
		if _, err := st.ImportItems(ctx, []ledger.Item{item("A1"), item("A2")}, by); err != nil {
			t.Fatal(err)
		}

		later := tick.Add(retryRun.StaleAfter + time.Minute)
		res, err := New(st, set, tmpl, Options{Owner: "live", Now: func() time.Time { return later }}).RunJob(ctx, ledger.JobDeadlines, tick)
		if err != nil {
			t.Fatal(err)
		}
		if res.Run.Attempts != 2 || res.Reminders != 1 || res.Dispatches != 1 {
			t.Fatalf("second attempt: %+v, want attempt 2 with A2's reminder in a message", res)
		}
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobDeadlines})
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]string{}
		for _, d := range ds {
			keys[d.Key] = d.BodyText
		}
		first, second := "deadlines/20250616T010000Z/a@t.example", "deadlines/20250616T010000Z-2/a@t.example"
		if len(ds) != 2 || keys[first] == "" || keys[second] == "" {
			t.Fatalf("dispatches %v, want %s and %s", keys, first, second)
		}
		if !strings.Contains(keys[second], "问题A2") || strings.Contains(keys[second], "问题A1") {
			t.Errorf("the second attempt's message does not tell of A2 alone:\n%s", keys[second])
		}
	})
}
