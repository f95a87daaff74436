package scheduler_test

import (
	"strings"
	"testing"

	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

// The deadline job tells each recipient each stage once; these are the
// cases where an item between two stages still has something to say.
func TestDeadlinesJobBetweenStages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T09:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		items := []ledger.Item{
			{Round: "r1", No: "D1", Seq: 1, Problem: "制度缺失", Units: []string{"ua"}, Deadline: day(t, "2025-06-20"), Status: ledger.StatusOpen},
			{Round: "r1", No: "D2", Seq: 2, Problem: "台账不全", Units: []string{"ub"}, Deadline: day(t, "2025-06-02"), Status: ledger.StatusOpen},
		}
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		s := newScheduler(t, st, clk)

		// Monday: D1 is 4 days ahead (remind-7d), D2 14 days overdue
		// (overdue-2, and its leader is told).
		got := runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-16T09:00")
		wantSent(t, "06-16", got,
			"a@t.example deadline r1/D1 remind-7d",
			"b1@t.example deadline r1/D2 overdue-2",
			"b2@t.example deadline r1/D2 overdue-2",
			"l2@t.example deadline r1/D2 overdue-2")
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-17T09:00")
		wantSent(t, "06-17", got, "a@t.example deadline r1/D1 remind-3d")

		// A new mailbox for ub: D2 has no new stage before 06-23, but the
		// new mailbox has never been told.
		dir := office()
		ub := dir.Units["ub"]
		ub.Emails = append(ub.Emails, "b3@t.example")
		dir.Units["ub"] = ub
		s = schedulerWith(t, st, clk, dir)
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-18T09:00")
		wantSent(t, "06-18", got, "b3@t.example deadline r1/D2 overdue-2")

		// D2's deadline is extended (延期) to 06-26: its ladder starts again
		// from the new deadline, remind-7d the next day, although the old
		// ladder had nothing new before 06-23.
		items[1].Deadline = day(t, "2025-06-26")
		_, err = st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-19T09:00")
		wantSent(t, "06-19", got,
			"a@t.example deadline r1/D1 remind-1d",
			"b1@t.example deadline r1/D2 remind-7d",
			"b2@t.example deadline r1/D2 remind-7d",
			"b3@t.example deadline r1/D2 remind-7d")
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-23T09:00")
		wantSent(t, "06-23", got,
			"a@t.example deadline r1/D1 due",
			"b1@t.example deadline r1/D2 remind-3d",
			"b2@t.example deadline r1/D2 remind-3d",
			"b3@t.example deadline r1/D2 remind-3d")

		// A catch-up run as of an earlier day than the last one reads every
		// open item; what that day's rules give was told already.
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-20T09:00")
		wantSent(t, "06-20, late", got)
	})
}

// An item between two stages is not looked up again, until what the rules
// say of it changes: here the policy's lead days and the unit's leader,
// the item itself unchanged.
func TestDeadlinesJobRetellsWhenTheRulesChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T09:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		items := []ledger.Item{
			{Round: "r1", No: "D1", Seq: 1, Problem: "制度缺失", Units: []string{"ua"}, Deadline: day(t, "2025-06-26"), Status: ledger.StatusOpen},
			{Round: "r1", No: "D2", Seq: 2, Problem: "台账不全", Units: []string{"ub"}, Deadline: day(t, "2025-06-02"), Status: ledger.StatusOpen},
		}
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		withPolicy := func(dir ledger.Directory, p ledger.Policy) *scheduler.Scheduler {
			tmpl, err := notify.LoadTemplates("")
			must(t, err)
			return scheduler.New(st, scheduler.Settings{Location: cst, Policy: p, Calendar: ledger.NewCalendar(nil, nil),
				Directory: dir, Office: "督查室"}, tmpl, scheduler.Options{Owner: "test", Now: clk.now})
		}

		s := withPolicy(office(), ledger.DefaultPolicy())
		got := runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-16T09:00")
		wantSent(t, "06-16", got,
			"b1@t.example deadline r1/D2 overdue-2", "b2@t.example deadline r1/D2 overdue-2", "l2@t.example deadline r1/D2 overdue-2")
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-17T09:00")
		wantSent(t, "06-17", got)

		// Reminders 10 days ahead: D1, 9 days from its deadline, has a stage
		// it never had.
		p := ledger.DefaultPolicy()
		p.LeadDays = []int{10, 5}
		s = withPolicy(office(), p)
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-18T09:00")
		wantSent(t, "06-18", got, "a@t.example deadline r1/D1 remind-10d")

		// ub's leader is now l1: D2's current stage goes to l1, nobody else.
		dir := office()
		ub := dir.Units["ub"]
		ub.Leader = "l1"
		dir.Units["ub"] = ub
		s = withPolicy(dir, p)
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-19T09:00")
		wantSent(t, "06-19", got, "l1@t.example deadline r1/D2 overdue-2")
		got = runAndCollect(t, st, s, clk, ledger.JobDeadlines, "2025-06-20T09:00")
		wantSent(t, "06-20", got)
	})
}

// A leader's copy addresses the leader by title and name as the config
// gives them; the footer names the office and 督办系统.
func TestLeaderAddressedByTitleAndName(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T09:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		items := []ledger.Item{{Round: "r1", No: "D2", Seq: 1, Problem: "台账不全", Units: []string{"ub"},
			Deadline: day(t, "2025-06-02"), Status: ledger.StatusOpen}}
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		dir := office()
		l2 := dir.Leaders["l2"]
		l2.Title = "党组副书记"
		dir.Leaders["l2"] = l2
		runAndCollect(t, st, schedulerWith(t, st, clk, dir), clk, ledger.JobDeadlines, "2025-06-16T09:00")
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{To: "l2@t.example"})
		must(t, err)
		if len(ds) != 1 || !strings.HasPrefix(ds[0].BodyText, "党组副书记乙领导：\n") ||
			!strings.Contains(ds[0].BodyText, "本邮件由督办系统自动发送。\n督查室\n") {
			t.Errorf("leader's copy: %+v", ds)
		}
	})
}

// A unit told of some of its items hears how many others are still open;
// a unit whose every open item is in its message does not.
func TestDeadlinesDigestCountsTheUnitsOtherOpenItems(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T09:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		item := func(no string, seq int, unit, deadline string, status ledger.Status) ledger.Item {
			return ledger.Item{Round: "r1", No: no, Seq: seq, Problem: "问题" + no, Units: []string{unit},
				Deadline: day(t, deadline), Status: status}
		}
		items := []ledger.Item{
			item("A1", 1, "ua", "2025-06-20", ledger.StatusOpen), // remind-7d today
			item("A2", 2, "ua", "2025-12-31", ledger.StatusOpen), // nothing to say yet
			item("A3", 3, "ua", "2025-12-31", ledger.StatusOpen),
			item("A4", 4, "ua", "2025-06-01", ledger.StatusDone), // not open
			item("B1", 5, "ub", "2025-06-20", ledger.StatusOpen),
		}
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		res, err := newScheduler(t, st, clk).RunJob(ctx, ledger.JobDeadlines, clk.t)
		must(t, err)
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobDeadlines})
		must(t, err)
		if len(ds) != 3 || res.Dispatches != 3 {
			t.Fatalf("%d dispatches, want one to ua's mailbox and two to ub's", len(ds))
		}
		const line = "此外，您还有2项整改事项正在推进，请一并抓紧落实。"
		for _, d := range ds {
			want := d.Recipient == "a@t.example"
			if strings.Contains(d.BodyText, line) != want || strings.Contains(d.BodyHTML, line) != want {
				t.Errorf("message to %s: has the line %q: %v in text, %v in HTML; want %v\n%s",
					d.Recipient, line, strings.Contains(d.BodyText, line), strings.Contains(d.BodyHTML, line), want, d.BodyText)
			}
		}
	})
}

// Two units sharing one mailbox: the count is of the mailbox's items, each
// once, whichever of the units it belongs to.
func TestDeadlinesDigestCountsASharedMailboxsItemsOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T09:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		dir := ledger.NewDirectory([]ledger.Unit{
			{Code: "ua", Name: "综合科", Kind: ledger.KindDepartment, Emails: []string{"shared@t.example"}},
			{Code: "ud", Name: "档案室", Kind: ledger.KindDepartment, Emails: []string{"shared@t.example"}},
		}, nil, nil)
		item := func(no string, seq int, deadline string, units ...string) ledger.Item {
			return ledger.Item{Round: "r1", No: no, Seq: seq, Problem: "问题" + no, Units: units,
				Deadline: day(t, deadline), Status: ledger.StatusOpen}
		}
		_, err := st.ImportItems(ctx, []ledger.Item{
			item("U1", 1, "2025-06-20", "ua"), // remind-7d today
			item("U2", 2, "2025-12-31", "ud"),
			item("U3", 3, "2025-12-31", "ua", "ud"),
		}, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		_, err = schedulerWith(t, st, clk, dir).RunJob(ctx, ledger.JobDeadlines, clk.t)
		must(t, err)
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobDeadlines})
		must(t, err)
		if len(ds) != 1 || !strings.Contains(ds[0].BodyText, "此外，您还有2项整改事项正在推进") {
			t.Fatalf("want one message to shared@t.example counting U2 and U3, got %d:\n%v", len(ds), ds)
		}
	})
}
