package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// runAt runs a command line as run does, with the clock stopped at now.
func (c *cli) runAt(now time.Time, args ...string) result {
	c.t.Helper()
	var out, errOut bytes.Buffer
	clock := func() time.Time { return now }
	code := runWithClock(context.Background(), clock, append([]string{"--config", c.config}, args...), &out, &errOut, c.env)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// okAt runs args at now and fails the test unless they exit 0.
func (c *cli) okAt(now time.Time, args ...string) string {
	c.t.Helper()
	r := c.runAt(now, args...)
	if r.code != 0 {
		c.t.Fatalf("duban %s (at %s): exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), now, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// refusedAt runs args at now and fails the test unless they exit 2 with a
// message containing each of want.
func (c *cli) refusedAt(now time.Time, args []string, want ...string) {
	c.t.Helper()
	r := c.runAt(now, args...)
	if r.code != exitBadUse {
		c.t.Fatalf("duban %s (at %s): exit %d, want 2\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), now, r.code, r.stdout, r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			c.t.Errorf("duban %s: stderr %q does not say %q", strings.Join(args, " "), r.stderr, w)
		}
	}
}

// beijingMorning is 2026-06-01 07:30 in Beijing, still May 31 in UTC: the
// hour at which an office's day and the UTC day differ.
var beijingMorning = time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)

// zoneLedger has an open item due in a week (reminded on June 1) and one
// to mark done.
const zoneLedger = "编号,问题,整改措施,责任领导,责任部门,完成时限,整改状态\n" +
	"Z1,台账更新不及时,每周更新台账,甲领导,综合科,2026-06-08,正在整改\n" +
	"Z2,规划编制滞后,完成规划编制,乙领导,规划科,2026-12-31,正在整改\n"

// Everything done at 07:30 on a Beijing morning is recorded and shown on
// June 1, whatever the zone of the machine: the import, a status change, a
// note, a submission, the reminder run and the log.
func TestBeijingMorningIsJuneFirst(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := dutiesCLI(t, dbURL, nil)
		at := beijingMorning
		c.okAt(at, "import", c.write("ledger.csv", zoneLedger))
		if out := c.okAt(at, "item", "done", "Z2"); !strings.Contains(out, "on 2026-06-01") {
			t.Errorf("item done: %q, want on 2026-06-01", out)
		}
		if out := c.okAt(at, "item", "progress", "Z1", "--note", "已召开推进会"); !strings.Contains(out, "for 2026-06-01") {
			t.Errorf("item progress: %q, want for 2026-06-01", out)
		}
		if out := c.okAt(at, "submit", "yuebao", "--unit", "ua", "--period", "2026-05"); !strings.Contains(out, "on 2026-06-01") {
			t.Errorf("submit: %q, want on 2026-06-01", out)
		}
		c.okAt(at, "run", "deadlines")

		var items []itemJSON
		c.jsonOut(&items, "items")
		if len(items) != 2 || items[1].CompletedOn == nil || *items[1].CompletedOn != "2026-06-01" {
			t.Errorf("items: %+v, want Z2 completed on 2026-06-01", items)
		}
		var cells []dutyCellJSON
		c.jsonOut(&cells, "duties", "--duty", "yuebao", "--period", "2026-05")
		for _, cell := range cells {
			if cell.Unit == "ua" && (cell.SubmittedOn == nil || *cell.SubmittedOn != "2026-06-01") {
				t.Errorf("duties: ua submitted on %v, want 2026-06-01", cell.SubmittedOn)
			}
		}
		for _, no := range []string{"Z1", "Z2"} {
			show := c.okAt(at, "item", "show", no)
			if strings.Contains(show, "2026-05-31") || !strings.Contains(show, "2026-06-01 07:30") || !strings.Contains(show, "(2026-06-01)") {
				t.Errorf("item show %s: want every event at 2026-06-01 07:30, on 2026-06-01:\n%s", no, show)
			}
		}
		logs := c.okAt(at, "logs")
		if !strings.Contains(logs, "2026-06-01 07:30") || strings.Contains(logs, "2026-05-31") {
			t.Errorf("logs: want the reminder made at 2026-06-01 07:30:\n%s", logs)
		}
	})
}

// mondayMorning is 2026-06-01 09:00 in Beijing, a Monday.
var mondayMorning = time.Date(2026, 6, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// What was done is dated today or earlier, and run does not run ahead: each
// exits 2 and writes nothing. plan is the look-ahead.
func TestFutureDatesAreRefused(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := dutiesCLI(t, dbURL, nil)
		now := mondayMorning
		c.okAt(now, "import", c.write("ledger.csv", zoneLedger))
		future := "--date 2026-06-02 is in the future: today is 2026-06-01"
		for _, args := range [][]string{
			{"item", "done", "Z2", "--date", "2026-06-02"},
			{"item", "close", "Z2", "--date", "2026-06-02"},
			{"item", "progress", "Z1", "--note", "推进会", "--date", "2026-06-02"},
			{"item", "confirm", "Z2", "--date", "2026-06-02"},
		} {
			c.refusedAt(now, args, future)
		}
		c.refusedAt(now, []string{"submit", "yuebao", "--unit", "ua", "--period", "2026-05", "--date", "2026-06-02"},
			"报送日期晚于今天（2026年6月1日）")
		c.refusedAt(now, []string{"run", "deadlines", "--as-of", "2026-06-01T09:01"},
			"--as-of 2026-06-01T09:01 is in the future", "duban plan --as-of 2026-06-01T09:01")

		if plan := c.okAt(now, "plan", "--job", "deadlines", "--as-of", "2026-06-05"); !strings.Contains(plan, "Z1:remind-3d") {
			t.Errorf("plan --as-of 2026-06-05 (the look-ahead): want Z1's remind-3d:\n%s", plan)
		}
		var items []itemJSON
		c.jsonOut(&items, "items")
		for _, it := range items {
			if it.Status != "open" || it.Progress != "" {
				t.Errorf("item %s after refused commands: status %s, progress %q", it.No, it.Status, it.Progress)
			}
		}
		if logs := c.okAt(now, "logs", "--format", "json"); strings.TrimSpace(logs) != "[]" {
			t.Errorf("a refused run sent something:\n%s", logs)
		}
		if out := c.okAt(now, "run", "deadlines", "--as-of", "2026-06-01T09:00"); !strings.Contains(out, "1 reminders") {
			t.Errorf("run as of now: %q, want Z1's reminder", out)
		}
	})
}

// plannedTo lists the addresses a duties run as of asOf would write to.
func plannedTo(t *testing.T, c *cli, now time.Time, asOf string) []string {
	t.Helper()
	var planned []struct {
		To string `json:"to"`
	}
	out := c.okAt(now, "plan", "--job", "duties", "--as-of", asOf, "--format", "json")
	if err := json.Unmarshal([]byte(out), &planned); err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	var to []string
	for _, p := range planned {
		to = append(to, p.To)
	}
	slices.Sort(to)
	return to
}

// A submission may come on the period's last day, not for a period before
// the duty's start; one taken back (撤回) no longer counts, stays on record
// and may be made again.
func TestSubmissionDatesAndWithdrawal(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := dutiesCLI(t, dbURL, nil)
		lastDay := time.Date(2025, 5, 31, 17, 0, 0, 0, time.FixedZone("CST", 8*3600))
		if out := c.okAt(lastDay, "submit", "yuebao", "--unit", "综合科", "--period", "2025-05"); !strings.Contains(out, "on 2025-05-31") {
			t.Errorf("submit on the last day: %q", out)
		}
		c.refusedAt(lastDay, []string{"submit", "yuebao", "--unit", "ub", "--period", "2025-04"}, "该任务自2025年5月起督办")
		c.refusedAt(lastDay, []string{"submit", "yuebao", "--unit", "ub", "--period", "2025-05", "--date", "2025-05-30"},
			"2025年5月的最后一天是2025年5月31日")

		// May is due June 5: on June 3 only 规划科's two mailboxes are reminded.
		now := time.Date(2025, 6, 3, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
		bOnly := []string{"b1@jw.example.net", "b2@jw.example.net"}
		if got := plannedTo(t, c, now, "2025-06-03"); !slices.Equal(got, bOnly) {
			t.Errorf("before the withdrawal, planned to %q, want %q", got, bOnly)
		}
		c.refusedAt(now, []string{"submit", "yuebao", "--unit", "ua", "--period", "2025-05", "--withdraw"}, "--withdraw takes the reason in --note")
		out := c.okAt(now, "submit", "yuebao", "--unit", "ua", "--period", "2025-05", "--withdraw", "--note", "报错了表")
		if !strings.Contains(out, "submission withdrawn: yuebao ua 2025-05 (submitted on 2025-05-31): 报错了表") {
			t.Errorf("withdraw: %q", out)
		}
		c.refusedAt(now, []string{"submit", "yuebao", "--unit", "ua", "--period", "2025-05", "--withdraw", "--note", "再撤"}, "没有可撤回的报送")
		if got, want := plannedTo(t, c, now, "2025-06-03"), []string{"a@jw.example.net", "b1@jw.example.net", "b2@jw.example.net"}; !slices.Equal(got, want) {
			t.Errorf("after the withdrawal, planned to %q, want %q", got, want)
		}
		var cells []dutyCellJSON
		c.jsonOut(&cells, "duties", "--duty", "yuebao", "--period", "2025-05", "--as-of", "2025-06-03")
		for _, cell := range cells {
			if cell.Unit == "ua" && (cell.Status != "missing" || cell.SubmittedOn != nil) {
				t.Errorf("duties after the withdrawal: ua is %s (%v), want missing", cell.Status, cell.SubmittedOn)
			}
		}

		c.okAt(now, "submit", "yuebao", "--unit", "ua", "--period", "2025-05", "--note", "重新报送")
		if got := plannedTo(t, c, now, "2025-06-03"); !slices.Equal(got, bOnly) {
			t.Errorf("after submitting again, planned to %q, want %q", got, bOnly)
		}
	})
}

// A 回头看 re-check answers a follow-up once: a second is refused, saying
// when the first was made, until the next follow-up (or a new completion)
// comes.
func TestSecondConfirmIsRefused(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := newCLI(t, configWith(dbURL, "\n[policy]\nfollowup_days = [90, 180]\n"))
		now := mondayMorning
		c.okAt(now, "import", c.write("ledger.csv", zoneLedger))
		c.okAt(now, "item", "done", "Z2", "--date", "2026-01-10") // followup-90 on 04-10, followup-180 on 07-09
		c.okAt(now, "item", "confirm", "Z2")
		again := "item Z2: 回头看 already confirmed on 2026-06-01 (recorded 2026-06-01 09:00 by " + osUser(t) + ")"
		c.refusedAt(now, []string{"item", "confirm", "Z2"}, again)
		c.refusedAt(now, []string{"item", "progress", "Z2", "--followup", "--note", "再查"}, again)

		july := time.Date(2026, 7, 10, 9, 0, 0, 0, now.Location())
		c.okAt(july, "item", "confirm", "Z2", "--note", "半年回头看")
		c.refusedAt(july, []string{"item", "confirm", "Z2"}, "回头看 already confirmed on 2026-07-10")

		c.okAt(july, "item", "reopen", "Z2")
		c.okAt(july, "item", "done", "Z2")
		c.okAt(july, "item", "confirm", "Z2")
	})
}
