package main

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"duban/internal/smtptest"
)

// testLedger exercises the stages at 2025-06-16 (a Monday, a workday):
//
//	X1 deadline in 7 days                  → remind-7d to 综合科
//	X2 deadline today                      → due to both mailboxes of 规划科
//	X3 17 days overdue, leader 甲领导       → overdue-2 to 监督科 and the leader (告诫 from 14 days)
//	X4 46 days overdue, two units          → overdue-6 to 综合科, 监督科, the leader and the supervisor (from 30 days)
//	X5 done, X6 long-term, X7 far away     → nothing
const testLedger = "编号,问题,整改措施,责任领导,责任部门,完成时限,整改状态\n" +
	"X1,台账更新不及时,每周更新台账,甲领导,综合科,2025-06-23,正在整改\n" +
	"X2,规划编制滞后,完成规划编制,乙领导,规划科,2025/06/16,未完成\n" +
	"X3,监督检查不到位,开展专项检查,甲领导,监督科,2025年5月30日,整改中\n" +
	"X4,制度执行不严,修订制度并培训,甲领导,综合科、监督科,2025.05.01,未完成(正在整改)\n" +
	"X5,已整改问题,已完成整改,乙领导,规划科,2025-05-01,已完成\n" +
	"X6,作风建设,长期坚持,乙领导,规划科,长期坚持,长期坚持\n" +
	"X7,远期问题,按期推进,乙领导,综合科,2025年12月底,正在整改\n"

func deadlineCLI(t *testing.T, dbURL string, srv *smtptest.Server) *cli {
	t.Helper()
	c := newCLI(t, configWith(dbURL, smtpConfig(srv)))
	c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
	c.ok("import", c.write("ledger.csv", testLedger))
	return c
}

// received maps each recipient to the item numbers its messages listed.
func received(t *testing.T, msgs []smtptest.Message) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range msgs {
		body := textBody(t, m)
		var nos []string
		for _, no := range []string{"X1", "X2", "X3", "X4", "X5", "X6", "X7"} {
			if strings.Contains(body, no+" ") {
				nos = append(nos, no)
			}
		}
		for _, to := range m.To {
			out[to] = append(out[to], nos...)
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

func TestDeadlinesEndToEnd(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := deadlineCLI(t, dbURL, srv)

		var plan []struct {
			To   string `json:"to"`
			Refs []struct {
				Ref   string `json:"ref"`
				Stage string `json:"stage"`
			} `json:"refs"`
		}
		c.jsonOut(&plan, "plan", "--job", "deadlines", "--as-of", "2025-06-16T09:00")
		stages := map[string]string{}
		for _, p := range plan {
			for _, r := range p.Refs {
				stages[p.To+" "+r.Ref] = r.Stage
			}
		}
		wantStages := map[string]string{
			"a@jw.example.net r1/X1":   "remind-7d",
			"a@jw.example.net r1/X4":   "overdue-6",
			"b1@jw.example.net r1/X2":  "due",
			"b2@jw.example.net r1/X2":  "due",
			"c@jw.example.net r1/X3":   "overdue-2",
			"c@jw.example.net r1/X4":   "overdue-6",
			"l1@jw.example.net r1/X3":  "overdue-2",
			"l1@jw.example.net r1/X4":  "overdue-6",
			"sup@jw.example.net r1/X4": "overdue-6",
		}
		if !mapsEqual(stages, wantStages) {
			t.Fatalf("plan stages:\n got %v\nwant %v", stages, wantStages)
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("plan sent something")
		}

		out := c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00")
		if !strings.Contains(out, "delivered 6") {
			t.Fatalf("run output: %q, want 6 delivered", out)
		}
		got := received(t, srv.Messages())
		want := map[string][]string{
			"a@jw.example.net":   {"X1", "X4"},
			"b1@jw.example.net":  {"X2"},
			"b2@jw.example.net":  {"X2"},
			"c@jw.example.net":   {"X3", "X4"},
			"l1@jw.example.net":  {"X3", "X4"},
			"sup@jw.example.net": {"X4"},
		}
		if len(srv.Messages()) != 6 || !mapsEqual(got, want) {
			t.Fatalf("received %d messages:\n got %v\nwant %v", len(srv.Messages()), got, want)
		}
		for _, m := range srv.Messages() {
			if m.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("message to %v lacks Auto-Submitted", m.To)
			}
			if !strings.HasPrefix(m.Subject(), "【整改督办】") {
				t.Errorf("subject %q", m.Subject())
			}
		}
		leaderCopy := textBody(t, srv.MessagesTo("l1@jw.example.net")[0])
		if !strings.Contains(leaderCopy, "监督科") || !strings.Contains(leaderCopy, "综合科") {
			t.Errorf("the leader's copy does not say which units it concerns:\n%s", leaderCopy)
		}

		// Reruns at the same or a later time of the same stages send nothing.
		c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00")
		c.ok("run", "deadlines", "--as-of", "2025-06-17T09:00")
		if n := len(srv.Messages()); n != 6 {
			t.Fatalf("reruns sent %d more messages", n-6)
		}

		// On 06-20 X1 is three days off (remind-3d to 综合科), X3 reached
		// overdue-3 today and X4 overdue-7 yesterday (06-19, D+49).
		c.ok("run", "deadlines", "--as-of", "2025-06-20T09:00")
		got = received(t, srv.Messages()[6:])
		want = map[string][]string{
			"a@jw.example.net":   {"X1", "X4"},
			"c@jw.example.net":   {"X3", "X4"},
			"l1@jw.example.net":  {"X3", "X4"},
			"sup@jw.example.net": {"X4"},
		}
		if len(srv.Messages()) != 10 || !mapsEqual(got, want) {
			t.Fatalf("06-20 run: %d messages in all\n got %v\nwant %v", len(srv.Messages()), got, want)
		}

		// A Saturday run sends nothing (workdays only).
		c.ok("run", "deadlines", "--as-of", "2025-06-21T09:00")
		if n := len(srv.Messages()); n != 10 {
			t.Fatalf("a Saturday run sent %d messages", n-10)
		}

		var logs []dispatchJSON
		c.jsonOut(&logs, "logs")
		if len(logs) != 10 {
			t.Fatalf("logs list %d dispatches, want 10", len(logs))
		}
		for _, d := range logs {
			if d.Status != "sent" || d.SentAt == nil || d.MessageID == "" || d.Attempts != 1 {
				t.Errorf("dispatch %d: status %s attempts %d sent_at %v message_id %q", d.ID, d.Status, d.Attempts, d.SentAt, d.MessageID)
			}
		}
		var toSup []dispatchJSON
		c.jsonOut(&toSup, "logs", "--to", "sup@jw.example.net", "--job", "deadlines")
		if len(toSup) != 2 {
			t.Fatalf("logs --to sup: %d, want 2", len(toSup))
		}
	})
}

func TestSMTPDownThenUpDeliversOnce(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := deadlineCLI(t, dbURL, srv)
		srv.Stop()

		r := c.run("run", "deadlines", "--as-of", "2025-06-16T09:00")
		if r.code != 0 || !strings.Contains(r.stdout, "retrying 6") {
			t.Fatalf("run with SMTP down: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		var pending []dispatchJSON
		c.jsonOut(&pending, "logs", "--status", "pending")
		if len(pending) != 6 {
			t.Fatalf("%d pending, want 6", len(pending))
		}
		for _, d := range pending {
			if d.LastError == "" {
				t.Errorf("pending dispatch %d has no error recorded", d.ID)
			}
		}
		// Backoff holds them back from a plain deliver.
		if out := c.ok("deliver"); !strings.Contains(out, "delivered 0") {
			t.Fatalf("deliver before the backoff: %q", out)
		}

		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		srv.RejectRcpt("b2@jw.example.net", 550, "5.1.1 mailbox unavailable")
		out := c.ok("deliver", "--all")
		if !strings.Contains(out, "delivered 5") || !strings.Contains(out, "failed 1") {
			t.Fatalf("deliver --all: %q", out)
		}
		c.ok("deliver", "--all")
		msgs := srv.Messages()
		if len(msgs) != 5 {
			t.Fatalf("server received %d messages, want 5", len(msgs))
		}
		var logs []dispatchJSON
		c.jsonOut(&logs, "logs")
		ids := map[string]string{}
		for _, d := range logs {
			ids[d.To] = d.MessageID
			switch d.To {
			case "b2@jw.example.net":
				if d.Status != "failed" || !strings.Contains(d.SMTPReply+d.LastError, "mailbox unavailable") {
					t.Errorf("b2: status %s reply %q error %q", d.Status, d.SMTPReply, d.LastError)
				}
			default:
				if d.Status != "sent" || d.Attempts != 2 {
					t.Errorf("%s: status %s attempts %d, want sent after 2", d.To, d.Status, d.Attempts)
				}
			}
		}
		for _, m := range msgs {
			if ids[m.To[0]] != m.MessageID() {
				t.Errorf("%s: Message-ID %s received, %s logged", m.To[0], m.MessageID(), ids[m.To[0]])
			}
		}
	})
}

func TestServeCatchesUpAndDrains(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := deadlineCLI(t, dbURL, srv)
		// Whatever weekday the test runs on, the catch-up run must send.
		c.env = append(c.env, "DUBAN_POLICY__WORKDAYS_ONLY=false", "DUBAN_ADMIN__LISTEN=127.0.0.1:0")

		p := c.serve()
		// Every open item is long overdue today: all six unit and leader
		// mailboxes and the supervisor hear of it.
		srv.WaitForMessages(t, 7, 30*time.Second)
		p.log.WaitFor(t, "job scheduled", 30*time.Second)
		if code := p.stop(); code != 0 {
			t.Fatalf("serve exited %d\n%s", code, p.log)
		}
		for _, want := range []string{"catch-up run", "next_run="} {
			if !strings.Contains(p.log.String(), want) {
				t.Errorf("serve log lacks %q:\n%s", want, p.log)
			}
		}
		var sent []dispatchJSON
		c.jsonOut(&sent, "logs", "--status", "sent")
		if len(sent) != len(srv.Messages()) {
			t.Fatalf("%d dispatches sent, server has %d messages", len(sent), len(srv.Messages()))
		}

		// A restart within the catch-up window finds the run done: nothing again.
		p = c.serve()
		p.log.WaitFor(t, "job scheduled", 30*time.Second)
		if code := p.stop(); code != 0 {
			t.Fatalf("second serve exited %d\n%s", code, p.log)
		}
		if strings.Contains(p.log.String(), "job run finished") {
			t.Errorf("the restart ran a job again:\n%s", p.log)
		}
		if n := len(srv.Messages()); n != len(sent) {
			t.Fatalf("restart sent %d more messages", n-len(sent))
		}
	})
}

func mapsEqual[V any](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !equalValues(v, w) {
			return false
		}
	}
	return true
}

func equalValues(a, b any) bool {
	switch x := a.(type) {
	case []string:
		return slices.Equal(x, b.([]string))
	case string:
		return x == b.(string)
	}
	return false
}
