package scheduler_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

var cst = time.FixedZone("CST", 8*3600)

// clock is the wall clock the scheduler records runs and dispatches with;
// tests move it forward between runs.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func day(t *testing.T, s string) ledger.Date {
	t.Helper()
	d, err := ledger.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02T15:04", s, cst)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// office is a small organisation: three units (ub with two mailboxes,
// uc a party branch), two leaders, one supervisor.
func office() ledger.Directory {
	return ledger.NewDirectory(
		[]ledger.Unit{
			{Code: "ua", Name: "综合科", Kind: ledger.KindDepartment, Emails: []string{"a@t.example"}, Leader: "l1"},
			{Code: "ub", Name: "规划科", Kind: ledger.KindDepartment, Emails: []string{"b1@t.example", "b2@t.example"}, Leader: "l2"},
			{Code: "uc", Name: "第一党支部", Kind: ledger.KindBranch, Emails: []string{"c@t.example"}, Leader: "l1"},
		},
		[]ledger.Leader{{Code: "l1", Name: "甲领导", Email: "l1@t.example"}, {Code: "l2", Name: "乙领导", Email: "l2@t.example"}},
		[]string{"sup@t.example"},
	)
}

func newScheduler(t *testing.T, st *store.Store, clk *clock, duties ...ledger.DutySpec) *scheduler.Scheduler {
	t.Helper()
	return schedulerWith(t, st, clk, office(), duties...)
}

// schedulerWith is newScheduler with another directory.
func schedulerWith(t *testing.T, st *store.Store, clk *clock, dir ledger.Directory, duties ...ledger.DutySpec) *scheduler.Scheduler {
	t.Helper()
	tmpl, err := notify.LoadTemplates("")
	must(t, err)
	set := scheduler.Settings{
		Location: cst, Policy: ledger.DefaultPolicy(), Calendar: ledger.NewCalendar(nil, nil), Directory: dir,
		Office: "督查室", Duties: duties,
	}
	return scheduler.New(st, set, tmpl, scheduler.Options{Owner: "test", Now: clk.now})
}

// sent maps "recipient rule subject stage" of the dispatches of one run.
func runAndCollect(t *testing.T, st *store.Store, s *scheduler.Scheduler, clk *clock, job, when string) []string {
	t.Helper()
	asOf := at(t, when)
	clk.t = clk.t.Add(time.Hour)
	res, err := s.RunJob(t.Context(), job, asOf)
	must(t, err)
	ds, err := st.ListDispatches(t.Context(), store.DispatchFilter{Job: job})
	must(t, err)
	var out []string
	for _, d := range ds {
		if d.RunID != res.Run.ID {
			continue
		}
		var refs []scheduler.Ref
		must(t, json.Unmarshal([]byte(d.Refs), &refs))
		for _, r := range refs {
			out = append(out, fmt.Sprintf("%s %s %s %s", d.Recipient, r.Rule, r.Ref, r.Stage))
		}
	}
	sort.Strings(out)
	if len(out) != res.Reminders {
		t.Errorf("%s as of %s: %d reminders counted, %d in the dispatches' refs", job, when, res.Reminders, len(out))
	}
	return out
}

func wantSent(t *testing.T, when string, got []string, want ...string) {
	t.Helper()
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("as of %s sent:\n got %q\nwant %q", when, got, want)
	}
}

// A monthly duty of ua and ub (uc exempt by not being assigned): May 2025 is
// due 2025-06-05 (a Thursday), reminded 3 and 1 days before, urged every 3
// days after; the supervisor's roll comes the day after the due date.
func monthlyReport() ledger.DutySpec {
	return ledger.DutySpec{
		ID: "yuebao", Name: "月度工作报告", Kind: ledger.Monthly, DueDay: 5, RemindDays: []int{3, 1},
		OverdueEveryDays: 3, DueOnWorkday: true, Start: ledger.Period{Kind: ledger.Monthly, Year: 2025, N: 5},
		Units: []string{"ua", "ub"},
	}
}

func TestDutiesJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clk := &clock{t: at(t, "2025-06-03T09:30")}
		s := newScheduler(t, st, clk, monthlyReport())
		ctx := t.Context()

		// June 1 is a Sunday and 端午 falls on May 31–June 2: no run sends.
		res, err := s.RunJob(ctx, ledger.JobDuties, at(t, "2025-06-02T09:30"))
		must(t, err)
		if res.Skipped == "" || res.Dispatches != 0 {
			t.Fatalf("a run on a holiday: %+v, want skipped", res)
		}
		// June 3: remind-3d (June 2) is the latest stage; open (June 1) is superseded.
		got := runAndCollect(t, st, s, clk, ledger.JobDuties, "2025-06-03T09:30")
		wantSent(t, "06-03", got,
			"a@t.example duty yuebao/2025-05 remind-3d",
			"b1@t.example duty yuebao/2025-05 remind-3d",
			"b2@t.example duty yuebao/2025-05 remind-3d")

		// ua submits: from now on only ub is reminded.
		must(t, st.AddSubmission(ctx, store.Submission{Duty: "yuebao", Unit: "ua", Period: "2025-05", On: day(t, "2025-06-03"), CreatedAt: clk.t}, store.Actor{Name: "test", Kind: store.ActorCLI}))
		got = runAndCollect(t, st, s, clk, ledger.JobDuties, "2025-06-04T09:30")
		wantSent(t, "06-04", got,
			"b1@t.example duty yuebao/2025-05 remind-1d",
			"b2@t.example duty yuebao/2025-05 remind-1d")
		got = runAndCollect(t, st, s, clk, ledger.JobDuties, "2025-06-05T09:30")
		wantSent(t, "06-05", got,
			"b1@t.example duty yuebao/2025-05 due",
			"b2@t.example duty yuebao/2025-05 due")
		// After the due date the supervisor gets the roll, once.
		got = runAndCollect(t, st, s, clk, ledger.JobDuties, "2025-06-06T09:30")
		wantSent(t, "06-06", got, "sup@t.example duty-missing yuebao/2025-05 missing")
		got = runAndCollect(t, st, s, clk, ledger.JobDuties, "2025-06-09T09:30")
		wantSent(t, "06-09", got,
			"b1@t.example duty yuebao/2025-05 overdue-1",
			"b2@t.example duty yuebao/2025-05 overdue-1")
		// A rerun of the same day, at another time: nothing.
		got = runAndCollect(t, st, s, clk, ledger.JobDuties, "2025-06-09T15:00")
		wantSent(t, "06-09 again", got)

		// The roll lists the non-submitter by name, to the supervisor.
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{To: "sup@t.example"})
		must(t, err)
		if len(ds) != 1 || !strings.Contains(ds[0].BodyText, "尚未报送（1个）：规划科") || !strings.HasPrefix(ds[0].Subject, "【报送提醒】") {
			t.Fatalf("supervisor's roll: %+v", ds)
		}
		// ub submits late: no more reminders for May.
		must(t, st.AddSubmission(ctx, store.Submission{Duty: "yuebao", Unit: "ub", Period: "2025-05", On: day(t, "2025-06-10"), CreatedAt: clk.t}, store.Actor{Name: "test", Kind: store.ActorCLI}))
		got = runAndCollect(t, st, s, clk, ledger.JobDuties, "2025-06-12T09:30")
		wantSent(t, "06-12", got)
		plan, err := s.Plan(ctx, ledger.JobDuties, at(t, "2025-06-16T09:30"))
		must(t, err)
		if len(plan) != 0 {
			t.Errorf("plan after every unit submitted: %+v", plan)
		}
	})
}

func TestFollowupsJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-07-21T10:00")}
		items := []ledger.Item{
			{Round: "r1", No: "F1", Seq: 1, Problem: "制度缺失", Units: []string{"ub"}, Leader: "l2", Deadline: day(t, "2025-05-31"),
				Status: ledger.StatusDone, CompletedOn: day(t, "2025-04-21")},
			{Round: "r1", No: "F2", Seq: 2, Problem: "台账不全", Units: []string{"ua"}, Deadline: day(t, "2025-05-31"),
				Status: ledger.StatusDone, CompletedOn: day(t, "2025-04-21")},
			{Round: "r1", No: "F3", Seq: 3, Problem: "已销号", Units: []string{"ua"}, Status: ledger.StatusClosed, CompletedOn: day(t, "2025-04-21")},
			{Round: "r1", No: "F4", Seq: 4, Problem: "仍在整改", Units: []string{"ua"}, Deadline: day(t, "2025-12-31"), Status: ledger.StatusOpen},
		}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		_, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		s := newScheduler(t, st, clk)

		// 89 days after completion: nothing yet.
		wantSent(t, "07-18", runAndCollect(t, st, s, clk, ledger.JobFollowups, "2025-07-18T10:00"))
		// F2 is re-checked on day 90, before the weekly run.
		must(t, st.AddProgress(ctx, "r1", "F2", ledger.EventFollowup, day(t, "2025-07-20"), "回头看无反弹", store.Actor{Name: "test", Kind: store.ActorCLI}, clk.t))
		got := runAndCollect(t, st, s, clk, ledger.JobFollowups, "2025-07-21T10:00")
		wantSent(t, "07-21", got,
			"b1@t.example followup r1/F1 followup-90",
			"b2@t.example followup r1/F1 followup-90")
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{To: "b1@t.example"})
		must(t, err)
		if len(ds) != 1 || ds[0].Subject != "【回头看】1项需回头看" || !strings.Contains(ds[0].BodyText, "完成日期：2025年4月21日") {
			t.Fatalf("follow-up message: %+v", ds)
		}
		wantSent(t, "07-28", runAndCollect(t, st, s, clk, ledger.JobFollowups, "2025-07-28T10:00"))
	})
}

// A done item whose completion day is unknown is followed up from the day
// duban first saw it done, and the message says that day is 登记完成.
func TestFollowupFromDaySeenDone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-04-21T10:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		_, err := st.ImportItems(ctx, []ledger.Item{
			{Round: "r1", No: "F1", Seq: 1, Problem: "制度缺失", Units: []string{"ub"}, Deadline: day(t, "2025-05-31"), Status: ledger.StatusDone},
		}, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		s := newScheduler(t, st, clk)
		wantSent(t, "07-18", runAndCollect(t, st, s, clk, ledger.JobFollowups, "2025-07-18T10:00"))
		got := runAndCollect(t, st, s, clk, ledger.JobFollowups, "2025-07-21T10:00")
		wantSent(t, "07-21", got, "b1@t.example followup r1/F1 followup-90", "b2@t.example followup r1/F1 followup-90")
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{To: "b1@t.example"})
		must(t, err)
		if len(ds) != 1 || !strings.Contains(ds[0].BodyText, "登记完成日期：2025年4月21日（完成日期未登记）") ||
			!strings.Contains(ds[0].BodyHTML, "登记完成日期") {
			t.Fatalf("follow-up message: %+v", ds)
		}
	})
}

func TestSummaryJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := t.Context()
		clk := &clock{t: at(t, "2025-06-16T08:00")}
		must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
		_, err := st.ImportItems(ctx, []ledger.Item{
			{Round: "r1", No: "S1", Seq: 1, Problem: "规划滞后", Units: []string{"ub"}, Leader: "l2", Deadline: day(t, "2025-06-01"), Status: ledger.StatusOpen},
			{Round: "r1", No: "S2", Seq: 2, Problem: "台账不全", Units: []string{"ua"}, Deadline: day(t, "2025-06-20"), Status: ledger.StatusOpen},
			{Round: "r1", No: "S3", Seq: 3, Problem: "远期事项", Units: []string{"ua"}, Deadline: day(t, "2025-12-31"), Status: ledger.StatusOpen},
			{Round: "r1", No: "S4", Seq: 4, Problem: "已完成事项", Units: []string{"ua"}, Status: ledger.StatusDone, CompletedOn: day(t, "2025-05-01")},
			{Round: "r1", No: "S5", Seq: 5, Problem: "长期坚持", Units: []string{"uc"}, LongTerm: true, Status: ledger.StatusOpen},
		}, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: clk.t})
		must(t, err)
		must(t, st.AddSubmission(ctx, store.Submission{Duty: "yuebao", Unit: "ua", Period: "2025-05", On: day(t, "2025-06-04"), CreatedAt: clk.t}, store.Actor{Name: "test", Kind: store.ActorCLI}))
		failDispatch(t, st, clk, "old@t.example")
		s := newScheduler(t, st, clk, monthlyReport())

		got := runAndCollect(t, st, s, clk, ledger.JobSummary, "2025-06-16T08:00")
		wantSent(t, "06-16", got, "sup@t.example summary 2025-W25 weekly")
		ds, err := st.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobSummary})
		must(t, err)
		body := ds[0].BodyText
		if want := "【定期调度】2025年第25周整改工作汇总：红灯1项、黄灯1项、1项定期任务未报齐、1封邮件投递失败"; ds[0].Subject != want {
			t.Errorf("subject = %q, want %q", ds[0].Subject, want)
		}
		for _, want := range []string{
			"共5项：正在整改4项、已完成1项、已销号0项。", "红灯1项、黄灯1项、绿灯1项、蓝灯1项",
			"S1 规划滞后", "已逾期15天", "乙领导", "S2 台账不全", "还剩4天",
			"《月度工作报告》2025年5月，报送截止2025年6月5日（已逾期11天）", "尚未报送（1个）：规划科",
			"old@t.example", "550 no such mailbox",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("summary lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "S3 ") || strings.Contains(body, "S4 ") {
			t.Errorf("summary lists green or done items:\n%s", body)
		}

		deliverAll(t, st, clk)

		// Later the same week (a catch-up, another replica): nothing.
		wantSent(t, "06-18", runAndCollect(t, st, s, clk, ledger.JobSummary, "2025-06-18T08:00"))
		failDispatch(t, st, clk, "new@t.example")
		// Next week: a new summary lists the failure since the last one was
		// sent, and does not repeat the one before.
		got = runAndCollect(t, st, s, clk, ledger.JobSummary, "2025-06-23T08:00")
		wantSent(t, "06-23", got, "sup@t.example summary 2025-W26 weekly")
		ds, err = st.ListDispatches(ctx, store.DispatchFilter{Job: ledger.JobSummary, Limit: 1})
		must(t, err)
		if strings.Contains(ds[0].BodyText, "old@t.example") || !strings.Contains(ds[0].BodyText, "new@t.example") {
			t.Errorf("second summary: want new@ and not old@ among the failures:\n%s", ds[0].BodyText)
		}
	})
}

// deliverAll marks every pending message sent, as a worker would.
func deliverAll(t *testing.T, st *store.Store, clk *clock) {
	t.Helper()
	claimed, err := st.ClaimDispatches(t.Context(), "w", clk.t, time.Minute, 100, true)
	must(t, err)
	var sent []store.Outcome
	for _, d := range claimed {
		sent = append(sent, store.Outcome{ID: d.ID, State: store.StateSent, Reply: "250 ok"})
	}
	_, err = st.Settle(t.Context(), "w", sent, clk.t)
	must(t, err)
}

// failDispatch queues a message to addr and lets it fail for good.
func failDispatch(t *testing.T, st *store.Store, clk *clock, addr string) {
	t.Helper()
	ctx := t.Context()
	_, _, err := st.CommitDigests(ctx, "deadlines", 0, []store.Digest{{Recipient: addr, Key: "k-" + addr, Reminders: []store.Reminder{
		{Rule: "deadline", Subject: "r1/S1", Stage: "due"},
	}}}, func(store.Digest, []store.Reminder) (store.Message, error) {
		return store.Message{Subject: "【整改督办】1项今天到期", Text: "t", HTML: "h", Refs: "[]"}, nil
	}, clk.t)
	must(t, err)
	claimed, err := st.ClaimDispatches(ctx, "w", clk.t, time.Minute, 10, true)
	must(t, err)
	var failed []store.Outcome
	for _, d := range claimed {
		failed = append(failed, store.Outcome{ID: d.ID, State: store.StateFailed, Error: "550 no such mailbox", Reply: "550 5.1.1"})
	}
	_, err = st.Settle(ctx, "w", failed, clk.t)
	must(t, err)
}
