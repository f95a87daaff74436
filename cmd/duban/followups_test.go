package main

import (
	"slices"
	"strings"
	"testing"

	"duban/internal/smtptest"
)

const followupLedger = "编号,问题,整改措施,责任领导,责任部门,完成时限,整改状态\n" +
	"F1,制度缺失,建立制度,乙领导,规划科,2025-05-31,正在整改\n" +
	"F2,台账不全,补全台账,甲领导,综合科,2025-05-31,正在整改\n"

// subjectsSince returns the subjects of the messages the SMTP server
// received after the first before ones, by recipient.
func subjectsSince(srv *smtptest.Server, before int) map[string][]string {
	out := map[string][]string{}
	for _, m := range srv.Messages()[before:] {
		for _, to := range m.To {
			out[to] = append(out[to], m.Subject())
		}
	}
	return out
}

// A done item is re-checked (回头看) 90 days after completion until the unit
// confirms; reopening puts it back under deadline supervision, and doing it
// again starts a new follow-up.
func TestFollowupsEndToEnd(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := newCLI(t, configWith(dbURL, smtpConfig(srv)))
		c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
		c.ok("import", c.write("ledger.csv", followupLedger))
		c.ok("item", "done", "F1", "--date", "2025-04-21", "--note", "制度已印发")
		c.ok("item", "done", "F2", "--date", "2025-04-21")

		// Day 88 (a Friday): nothing yet.
		out := c.ok("run", "followups", "--as-of", "2025-07-18T10:00")
		if !strings.Contains(out, "0 reminders") || len(srv.Messages()) != 0 {
			t.Fatalf("day 88: %s, %d messages", out, len(srv.Messages()))
		}
		// 综合科 reports F2's re-check on day 90, before the weekly run.
		c.ok("item", "confirm", "F2", "--date", "2025-07-20", "--note", "回头看无反弹")
		c.ok("run", "followups", "--as-of", "2025-07-21T10:00")
		got := subjectsSince(srv, 0)
		want := map[string][]string{"b1@jw.example.net": {"【回头看】1项需回头看"}, "b2@jw.example.net": {"【回头看】1项需回头看"}}
		if !mapsEqual(got, want) {
			t.Fatalf("followups on 07-21:\n got %v\nwant %v", got, want)
		}
		body := textBody(t, srv.Messages()[0])
		for _, want := range []string{"F1 制度缺失", "完成日期：2025年4月21日", "回头看"} {
			if !strings.Contains(body, want) {
				t.Errorf("follow-up body lacks %q:\n%s", want, body)
			}
		}
		// 规划科 confirms; the next weeks send nothing.
		c.ok("item", "confirm", "F1", "--date", "2025-07-23")
		if show := c.ok("item", "show", "F1"); !strings.Contains(show, "回头看(2025-07-23):回头看已确认") {
			t.Errorf("item show lacks the re-check:\n%s", show)
		}
		n := len(srv.Messages())
		c.ok("run", "followups", "--as-of", "2025-07-28T10:00")
		if len(srv.Messages()) != n {
			t.Errorf("followups after the confirmation sent %v", subjectsSince(srv, n))
		}

		// The problem comes back: reopened, F1 is overdue again (deadline
		// 2025-05-31): the unit, its leader (告诫) and the supervisors (约谈).
		c.ok("item", "reopen", "F1", "--date", "2025-08-01", "--note", "问题反弹")
		if r := c.run("item", "confirm", "F1"); r.code != 2 {
			t.Errorf("confirming an open item: exit %d, want 2", r.code)
		}
		n = len(srv.Messages())
		c.ok("run", "deadlines", "--as-of", "2025-08-04T09:00")
		var to []string
		for addr, subjects := range subjectsSince(srv, n) {
			to = append(to, addr)
			if len(subjects) != 1 || !strings.HasPrefix(subjects[0], "【整改督办】1项已逾期") {
				t.Errorf("deadline reminder to %s: %q", addr, subjects)
			}
		}
		slices.Sort(to)
		if want := []string{"b1@jw.example.net", "b2@jw.example.net", "l2@jw.example.net", "sup@jw.example.net"}; !slices.Equal(to, want) {
			t.Errorf("reopened item reminded %q, want %q", to, want)
		}
		var plan []struct{ To string }
		c.jsonOut(&plan, "plan", "--job", "followups", "--as-of", "2025-08-04T10:00")
		if len(plan) != 0 {
			t.Errorf("an open item is planned for follow-up: %+v", plan)
		}

		// Done again: a new 回头看 90 days after the new completion day.
		c.ok("item", "done", "F1", "--date", "2025-08-05")
		var planned []struct {
			To   string
			Refs []struct{ Ref, Stage string }
		}
		c.jsonOut(&planned, "plan", "--job", "followups", "--as-of", "2025-11-03T10:00")
		if len(planned) != 2 || planned[0].Refs[0].Ref != "r1/F1" || planned[0].Refs[0].Stage != "followup-90" {
			t.Errorf("follow-up of the second completion: %+v", planned)
		}

		// The weekly summary to the supervisors, once a week.
		n = len(srv.Messages())
		c.ok("run", "summary", "--as-of", "2025-08-04T08:00")
		c.ok("run", "summary", "--as-of", "2025-08-06T08:00")
		got = subjectsSince(srv, n)
		if len(got) != 1 || len(got["sup@jw.example.net"]) != 1 || !strings.HasPrefix(got["sup@jw.example.net"][0], "【定期调度】2025年第32周整改工作汇总") {
			t.Errorf("summary: %v", got)
		}
	})
}
