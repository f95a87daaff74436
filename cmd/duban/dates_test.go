package main

import (
	"bytes"
	"context"
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
