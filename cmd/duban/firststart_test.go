package main

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/internal/smtptest"
	"duban/internal/testlog"
	"duban/store"
	"duban/store/storetest"
)

// selfSupervised is a monthly duty that 综合科 both files and supervises.
const selfSupervised = `
[[duties]]
id = "xinxi"
name = "信息报送"
period = "monthly"
due_day = 5
units = ["ua", "ub"]
start = "2025-05"
supervisors = ["a@jw.example.net", "sup@jw.example.net"]
`

// bodiesTo are the text bodies of the messages to addr, sorted.
func bodiesTo(t *testing.T, msgs []smtptest.Message, addr string) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		if slices.Contains(m.To, addr) {
			out = append(out, textBody(t, m))
		}
	}
	slices.Sort(out)
	return out
}

// A unit that supervises a duty gets its own reminder and the roll of the
// others as two messages, and is never on a roll it receives: when only
// it is missing, it gets no roll at all.
func TestOwnRemindersAndRollsAreSeparate(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := newCLI(t, configWith(dbURL, selfSupervised+smtpConfig(srv)))
		c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
		cst := time.FixedZone("CST", 8*3600)

		// May was due Thursday June 5; on Friday the supervisors get the roll.
		c.okAt(time.Date(2025, 6, 6, 10, 0, 0, 0, cst), "run", "duties")
		toA := bodiesTo(t, srv.Messages(), "a@jw.example.net")
		if len(toA) != 2 {
			t.Fatalf("综合科 got %d messages, want its reminder and the roll apart:\n%s", len(toA), strings.Join(toA, "\n----\n"))
		}
		own, roll := toA[0], toA[1]
		if strings.Contains(own, "尚未报送") {
			own, roll = roll, own
		}
		if !strings.Contains(own, "报送单位：综合科") || strings.Contains(own, "尚未报送") {
			t.Errorf("综合科's own reminder:\n%s", own)
		}
		if !strings.Contains(roll, "尚未报送（1个）：规划科") || strings.Contains(roll, "综合科") {
			t.Errorf("综合科's roll, want 规划科 only:\n%s", roll)
		}
		if sup := bodiesTo(t, srv.Messages(), "sup@jw.example.net"); len(sup) != 1 || !strings.Contains(sup[0], "尚未报送（2个）：综合科、规划科") {
			t.Errorf("the office's roll:\n%s", strings.Join(sup, "\n----\n"))
		}

		// June: 规划科 files, 综合科 does not. June is due Monday July 7
		// (July 5 is a Saturday); on July 8 综合科 is reminded, not rolled.
		c.okAt(time.Date(2025, 7, 2, 10, 0, 0, 0, cst), "submit", "xinxi", "--unit", "ub", "--period", "2025-06")
		before := len(srv.Messages())
		c.okAt(time.Date(2025, 7, 8, 10, 0, 0, 0, cst), "run", "duties")
		july := srv.Messages()[before:]
		if toA := bodiesTo(t, july, "a@jw.example.net"); len(toA) != 1 || strings.Contains(toA[0], "尚未报送") {
			t.Errorf("综合科 alone missing: want its reminder only:\n%s", strings.Join(toA, "\n----\n"))
		}
		if sup := bodiesTo(t, july, "sup@jw.example.net"); len(sup) != 1 || !strings.Contains(sup[0], "尚未报送（1个）：综合科") {
			t.Errorf("the office's roll for June:\n%s", strings.Join(sup, "\n----\n"))
		}
	})
}

// The weekly summary lists the deliveries that failed since the previous
// summary was sent, whatever ran in between: a hand run minutes after five
// failures lists them, although a summary run that sent nothing came after
// them.
func TestSummaryCountsFailuresSinceTheLastOneSent(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := newCLI(t, configWith(dbURL, smtpConfig(srv)))
		c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
		cst := time.FixedZone("CST", 8*3600)
		monday := time.Date(2026, 6, 1, 8, 0, 0, 0, cst)
		c.okAt(monday, "import", c.write("ledger.csv", zoneLedger))
		if out := c.okAt(monday, "run", "summary"); !strings.Contains(out, "delivered 1") {
			t.Fatalf("first summary: %s", out)
		}

		// A week later 综合科's mailbox refuses mail: Z1's due-day reminder fails.
		srv.RejectRcpt("a@jw.example.net", 550, "no such mailbox")
		next := time.Date(2026, 6, 8, 9, 50, 0, 0, cst)
		if out := c.okAt(next, "run", "deadlines"); !strings.Contains(out, "failed 1") {
			t.Fatalf("deadlines: %s, want one failed delivery", out)
		}
		// A summary run that sends nothing (Sunday, not a workday) ...
		if out := c.okAt(next.Add(2*time.Minute), "run", "summary", "--as-of", "2026-06-07"); !strings.Contains(out, "non-workday") {
			t.Fatalf("Sunday's summary: %s", out)
		}
		// ... does not hide the failure from the hand run after it.
		before := len(srv.Messages())
		c.okAt(next.Add(5*time.Minute), "run", "summary")
		got := bodiesTo(t, srv.Messages()[before:], "sup@jw.example.net")
		if len(got) != 1 || !strings.Contains(got[0], "邮件投递失败情况（2026年6月1日 08:00以来）") || !strings.Contains(got[0], "发往 a@jw.example.net") {
			t.Errorf("hand-run summary, want the failure since the last summary sent:\n%s", strings.Join(got, "\n----\n"))
		}
	})
}

// overdueDays finds the duty periods a text says are overdue, with how many
// days: "报送截止2026年12月7日（已逾期3天）" in a digest or in the summary.
var overdueDays = regexp.MustCompile(`报送截止：?(\d{4}年\d{1,2}月\d{1,2}日)[^\n]*?已逾期(\d+)天`)

// The README's quick start, on any day: the example config on a new
// database with the example ledger, every job run that day. The example's
// duties have no start, so no duty period that fell due before the first
// start is reminded or summarised as overdue; nothing says a report is
// more than 30 days late.
func TestQuickStartOnAnyDaySendsNoStaleDutyReminders(t *testing.T) {
	t.Parallel()
	days := []time.Time{
		time.Date(2026, 12, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)), // a Wednesday
		time.Date(2027, 1, 6, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)),  // after the year's end
		time.Date(2027, 3, 15, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)), // a Monday: followups and summary too
		time.Date(2027, 7, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)), // after a half year
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dutyMessages := 0
			for _, now := range days {
				url := storetest.URL(t, dialect) // a new database each day
				c := exampleCLI(t, url)
				c.okAt(now, "import", "../../examples/ledger.csv")
				for _, job := range []string{"deadlines", "duties", "followups", "summary"} {
					c.okAt(now, "run", job)
				}
				st, err := store.Open(t.Context(), url)
				if err != nil {
					t.Fatal(err)
				}
				sent, err := st.ListDispatches(t.Context(), store.DispatchFilter{})
				st.Close()
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range sent {
					if d.Job == "duties" {
						dutyMessages++
					}
					for _, m := range overdueDays.FindAllStringSubmatch(d.BodyText, -1) {
						if n, _ := strconv.Atoi(m[2]); n > 30 {
							t.Errorf("first start on %s: %s message to %s says a report due %s is %s days late:\n%s",
								now.Format(time.DateOnly), d.Job, d.Recipient, m[1], m[2], d.BodyText)
						}
					}
				}
			}
			if dutyMessages == 0 {
				t.Error("no duty reminder on any of the days: the test shows nothing")
			}
		})
	}
}

// The README's quick start as it is, on any day: serve on the example
// config imports the example ledger into the new database, its dates moved
// to that day, and catches up the day's runs. No message says anything
// is more than 30 days overdue, and the open items are reminded.
func TestQuickStartServeOnAnyDaySendsNothingLongOverdue(t *testing.T) {
	t.Parallel()
	for _, now := range []time.Time{
		time.Date(2026, 12, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		time.Date(2027, 3, 17, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		time.Date(2029, 8, 22, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)),
	} {
		t.Run(now.Format(time.DateOnly), func(t *testing.T) {
			t.Parallel()
			url := "sqlite:" + t.TempDir() + "/duban.db"
			c := exampleCLI(t, url)
			c.env = append(c.env, "DUBAN_DATABASE__SEED_LEDGER=../../examples/ledger.csv", "DUBAN_ADMIN__LISTEN=127.0.0.1:0")
			log := testlog.New()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int, 1)
			go func() {
				done <- runWithClock(ctx, func() time.Time { return now }, []string{"--config", c.config, "serve"}, log, log, c.env)
			}()
			log.WaitFor(t, "job=duties", 60*time.Second)
			log.WaitFor(t, `msg=delivered`, 60*time.Second)
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("serve exited %d:\n%s", code, log.String())
			}
			st, err := store.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			sent, err := st.ListDispatches(t.Context(), store.DispatchFilter{})
			if err != nil {
				t.Fatal(err)
			}
			deadlineMessages := 0
			for _, d := range sent {
				if d.Job == "deadlines" {
					deadlineMessages++
				}
				for _, m := range anyOverdue.FindAllStringSubmatch(d.BodyText, -1) {
					if n, _ := strconv.Atoi(m[1]); n > 30 {
						t.Errorf("%s message to %s says something is %s days overdue:\n%s", d.Job, d.Recipient, m[1], d.BodyText)
					}
				}
			}
			if deadlineMessages == 0 {
				t.Errorf("the first start sent no deadline reminder:\n%s", log.String())
			}
		})
	}
}

var anyOverdue = regexp.MustCompile(`已逾期(\d+)天`)
