package faulttest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The daemon stopped for ten days, then started: one catch-up run per job
// (not one per missed day), and only the stages current now, one message
// per recipient: no flood of the reminders the ten days would have sent.
func TestCatchUpAfterTenDays(t *testing.T) {
	// Every job fires daily an hour ago, so that its latest tick lies within
	// catch_up and the next one is far off.
	tick := time.Now().In(shanghai).Add(-time.Hour).Truncate(time.Minute)
	schedule := fmt.Sprintf("%d %d * * *", tick.Minute(), tick.Hour())
	var env []string
	for _, job := range []string{"DEADLINES", "DUTIES", "FOLLOWUPS", "SUMMARY"} {
		env = append(env, "DUBAN_JOBS__"+job+"__SCHEDULE="+schedule, "DUBAN_JOBS__"+job+"__CATCH_UP=24h")
	}
	r := newRig(t, rigOptions{units: 4, env: env})

	// Stages are counted from the tick's day, the "today" of the catch-up run.
	day := time.Date(tick.Year(), tick.Month(), tick.Day(), 0, 0, 0, 0, shanghai)
	ledger := "编号,问题,责任领导,责任部门,完成时限,整改状态\n" +
		row("A", "u001", day.AddDate(0, 0, 1)) + // now remind-1d; ten days ago nothing
		row("B", "u002", day.AddDate(0, 0, -3)) + // now due; ten days ago remind-7d
		row("C", "u003", day.AddDate(0, 0, -20)) + // now overdue-2 to the unit and the leader; then overdue-1
		row("D", "u004", day.AddDate(0, 0, 5)) // now remind-7d; ten days ago nothing
	path := r.dir + "/ledger.csv"
	writeFile(t, path, ledger)
	r.mustCLI("import", path)

	// The last run before the daemon stopped, ten days ago.
	before := tick.AddDate(0, 0, -10)
	out := r.mustCLI("run", "deadlines", "--as-of", before.Format("2006-01-02T15:04"))
	t.Logf("ten days ago: %s", strings.TrimSpace(out))
	oldMessages := len(r.srv.Messages())
	oldRuns := r.count(`SELECT COUNT(*) FROM job_runs`)

	d := r.serve("daemon")
	waitStarted(t, d)
	eventually(t, time.Minute, "one finished run per job", func() bool {
		return r.count(`SELECT COUNT(*) FROM job_runs WHERE finished_at IS NOT NULL AND scheduled_for = $1`, tick) == 4
	})
	r.waitSettled(1, time.Minute)
	d.stop(t)

	if n := r.count(`SELECT COUNT(*) FROM job_runs`) - oldRuns; n != 4 {
		t.Errorf("%d runs after the start, want 4: one catch-up run per job", n)
	}
	for _, job := range []string{"deadlines", "duties", "followups", "summary"} {
		if n := r.count(`SELECT COUNT(*) FROM job_runs WHERE job = $1 AND scheduled_for = $2 AND outcome = 'ok'`, job, tick); n != 1 {
			t.Errorf("job %s: %d ok catch-up runs at %s, want 1", job, n, tick.Format(time.RFC3339))
		}
	}

	// The reminders of the catch-up run: the current stages only.
	var got []string
	for _, rem := range r.reminders("deadline") {
		got = append(got, rem.Subject+" "+rem.Stage+" "+strings.TrimSuffix(rem.Recipient, "@fault.example.net"))
	}
	sort.Strings(got)
	want := []string{
		"r1/A remind-1d u001",
		"r1/B due u002",
		"r1/B remind-7d u002", // ten days ago
		"r1/C overdue-1 u003", // ten days ago
		"r1/C overdue-2 l1",
		"r1/C overdue-2 u003",
		"r1/D remind-7d u004",
	}
	if !slices.Equal(got, want) {
		t.Errorf("deadline reminders:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// One message per recipient from the catch-up run of the deadline job.
	perRecipient := map[string]int{}
	for _, m := range r.srv.Messages()[oldMessages:] {
		if strings.HasPrefix(m.Header.Get("X-Duban-Key"), "deadlines/") {
			perRecipient[m.To[0]]++
		}
	}
	for _, rcpt := range []string{"u001", "u002", "u003", "u004", "l1"} {
		if n := perRecipient[rcpt+"@fault.example.net"]; n != 1 {
			t.Errorf("%s got %d deadline messages after the start, want 1", rcpt, n)
		}
	}
	if len(perRecipient) != 5 {
		t.Errorf("deadline messages after the start went to %v, want 5 recipients", perRecipient)
	}
	x := r.tally()
	if x.lost != 0 || x.duplicates != 0 {
		t.Errorf("want every dispatch delivered once: %s", x)
	}
	report(t, "ten-days-off", x, fmt.Sprintf("catch_up_runs=%d new_deadline_messages=%d missed_days=10",
		r.count(`SELECT COUNT(*) FROM job_runs`)-oldRuns, len(r.srv.Messages())-oldMessages))
}

func row(no, unit string, deadline time.Time) string {
	return fmt.Sprintf("%s,问题%s,甲领导,%s,%s,正在整改\n", no, no, unit, deadline.Format(time.DateOnly))
}

// A replica died in the middle of the day's deadline run: its run stays
// "running", and the rest of the day would pass without reminders. A
// daemon started later takes the run over (its start is long past) and
// sends the day's reminders, once.
func TestRunOfADeadProcessIsDoneAgain(t *testing.T) {
	tick := time.Now().In(shanghai).Add(-time.Hour).Truncate(time.Minute)
	schedule := fmt.Sprintf("%d %d * * *", tick.Minute(), tick.Hour())
	r := newRig(t, rigOptions{units: 2, env: []string{
		"DUBAN_JOBS__DEADLINES__SCHEDULE=" + schedule, "DUBAN_JOBS__DEADLINES__CATCH_UP=24h",
	}})
	day := time.Date(tick.Year(), tick.Month(), tick.Day(), 0, 0, 0, 0, shanghai)
	path := r.dir + "/ledger.csv"
	writeFile(t, path, "编号,问题,责任领导,责任部门,完成时限,整改状态\n"+
		row("A", "u001", day.AddDate(0, 0, 1))+ // remind-1d
		row("B", "u002", day.AddDate(0, 0, -3))) // due
	r.mustCLI("import", path)

	// What the dead replica left: its claim, started when the tick came.
	if _, err := r.db.Exec(`INSERT INTO job_runs (job, scheduled_for, started_at, owner, outcome)
		VALUES ('deadlines', $1, $1, 'dead-host:4242', 'running')`, tick); err != nil {
		t.Fatal(err)
	}

	d := r.serve("daemon")
	waitStarted(t, d)
	eventually(t, time.Minute, "the dead replica's run done again", func() bool {
		return r.count(`SELECT COUNT(*) FROM job_runs WHERE job = 'deadlines' AND scheduled_for = $1
			AND outcome = 'ok' AND attempts = 2 AND owner <> 'dead-host:4242'`, tick) == 1
	})
	r.waitSettled(2, time.Minute)
	d.stop(t)

	perRecipient := map[string]int{}
	for _, m := range r.srv.Messages() {
		if strings.HasPrefix(m.Header.Get("X-Duban-Key"), "deadlines/") {
			perRecipient[m.To[0]]++
		}
	}
	if perRecipient[unitMailbox(1)] != 1 || perRecipient[unitMailbox(2)] != 1 || len(perRecipient) != 2 {
		t.Errorf("deadline messages: %v, want one to each unit", perRecipient)
	}
	if n := r.count(`SELECT COUNT(*) FROM job_runs`); n != 1 {
		t.Errorf("%d runs, want the one taken over", n)
	}
	x := r.tally()
	if x.lost != 0 || x.duplicates != 0 {
		t.Errorf("want every dispatch delivered once: %s", x)
	}
}
