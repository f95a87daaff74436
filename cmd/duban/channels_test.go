package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"duban/internal/smtptest"
)

// fakeRobot is a group-chat robot's webhook that answers every message
// with reply and keeps what it got.
type fakeRobot struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []map[string]any
}

func newFakeRobot(t *testing.T, reply string) *fakeRobot {
	t.Helper()
	r := &fakeRobot{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("robot got %q: %v", b, err)
		}
		r.mu.Lock()
		r.posts = append(r.posts, body)
		r.mu.Unlock()
		io.WriteString(w, reply)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *fakeRobot) got() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posts)
}

const robotOK = `{"errcode":0,"errmsg":"ok"}`

// robotCLI is the test organisation with 综合科 on SMTP, a 企业微信 group
// that works and a 钉钉 group whose token is wrong.
func robotCLI(t *testing.T, dbURL string, srv *smtptest.Server, wecom, dingtalk *fakeRobot) *cli {
	t.Helper()
	org := strings.Replace(configWith(dbURL, smtpConfig(srv)), `emails = ["a@jw.example.net"]`,
		`emails = ["a@jw.example.net"]
wecom_webhook = "`+wecom.srv.URL+`/cgi-bin/webhook/send?key=k"
dingtalk_webhook = "`+dingtalk.srv.URL+`/robot/send?access_token=t"
dingtalk_secret = "SECx"`, 1)
	c := newCLI(t, org)
	c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
	return c
}

func TestTestSend(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	wecom, dingtalk := newFakeRobot(t, robotOK), newFakeRobot(t, `{"errcode":300001,"errmsg":"token is not exist"}`)
	c := robotCLI(t, "sqlite:"+t.TempDir()+"/duban.db", srv, wecom, dingtalk)

	r := c.run("test-send", "--unit", "综合科")
	if r.code != 1 {
		t.Fatalf("test-send to a unit with a broken robot: exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 {
		t.Fatalf("test-send printed %d lines, want a header and 3 answers:\n%s", len(lines), r.stdout)
	}
	for i, want := range [][]string{
		{"a@jw.example.net", "email", "ok", "250 "},
		{"wecom:unit/ua", "wecom", "ok", robotOK},
		{"dingtalk:unit/ua", "dingtalk", "failed", `{"errcode":300001`},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("answer line %q lacks %q", lines[i+1], w)
			}
		}
	}
	if !strings.Contains(r.stderr, "1 of 3 messages were not taken") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if got := srv.MessagesTo("a@jw.example.net"); len(got) != 1 || got[0].Subject() != "【督办测试】测试消息" {
		t.Errorf("the mailbox got %d test messages", len(got))
	}
	if wecom.got() != 1 || dingtalk.got() != 1 {
		t.Errorf("robots got %d and %d test messages, want 1 each", wecom.got(), dingtalk.got())
	}

	if out := c.ok("test-send", "--to", "wecom:unit/ua"); !strings.Contains(out, robotOK) {
		t.Errorf("test-send --to a robot: %s", out)
	}
	var logs []dispatchJSON
	if c.jsonOut(&logs, "logs"); len(logs) != 0 {
		t.Errorf("test-send recorded %d dispatches, want none", len(logs))
	}
	for _, args := range [][]string{
		{"test-send"},
		{"test-send", "--to", "a@jw.example.net", "--unit", "ua"},
		{"test-send", "--unit", "nosuch"},
		{"test-send", "--to", "feishu:unit/ua"},
		{"test-send", "--to", "not an address"},
	} {
		if r := c.run(args...); r.code != 2 {
			t.Errorf("duban %s: exit %d, want 2\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

// A run reaches the robots too; the log shows each message's channel in
// every format, and filters by it.
func TestLogsShowTheChannel(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		wecom, dingtalk := newFakeRobot(t, robotOK), newFakeRobot(t, `{"errcode":310000,"errmsg":"sign not match"}`)
		c := robotCLI(t, dbURL, srv, wecom, dingtalk)
		c.ok("import", c.write("ledger.csv", testLedger))
		out := c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00")
		if !strings.Contains(out, "delivered 7") || !strings.Contains(out, "failed 1") {
			t.Fatalf("run: %s", out)
		}
		if wecom.got() != 1 || dingtalk.got() != 1 {
			t.Fatalf("robots got %d and %d messages, want one each", wecom.got(), dingtalk.got())
		}
		var logs []dispatchJSON
		c.jsonOut(&logs, "logs")
		channels := map[string]string{}
		for _, d := range logs {
			channels[d.To] = d.Channel
		}
		if channels["wecom:unit/ua"] != "wecom" || channels["dingtalk:unit/ua"] != "dingtalk" || channels["a@jw.example.net"] != "email" {
			t.Errorf("channels in the JSON log: %v", channels)
		}
		var failed []dispatchJSON
		c.jsonOut(&failed, "logs", "--channel", "dingtalk")
		if len(failed) != 1 || failed[0].Status != "failed" || !strings.Contains(failed[0].SMTPReply, "310000") {
			t.Errorf("logs --channel dingtalk: %+v", failed)
		}
		table := c.ok("logs", "--channel", "wecom")
		if !strings.Contains(table, "CHANNEL") || !strings.Contains(table, "wecom:unit/ua") || strings.Contains(table, "a@jw.example.net") {
			t.Errorf("logs table:\n%s", table)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.ok("logs", "--format", "csv"), "\ufeff"))).ReadAll()
		if err != nil || records[0][3] != "CHANNEL" || len(records) != len(logs)+1 {
			t.Errorf("logs CSV header %q, %d rows: %v", records[0], len(records), err)
		}
		var unit []dispatchJSON
		c.jsonOut(&unit, "logs", "--to", "综合科")
		if len(unit) != 3 {
			t.Errorf("logs --to 综合科: %d messages, want its mailbox's and its two robots'", len(unit))
		}
		if r := c.run("logs", "--channel", "sms"); r.code != 2 {
			t.Errorf("logs --channel sms: exit %d, want 2", r.code)
		}
	})
}

// A delivery that fails for good is loud: after the run's success ping,
// the heartbeat hears /fail.
func TestHeartbeatFailsAfterA550(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		srv.RejectRcpt("b2@jw.example.net", 550, "5.1.1 mailbox unavailable")
		hb, pings := heartbeatServer(t, nil)
		c := newCLI(t, configWith(dbURL, smtpConfig(srv)+"\n[heartbeat]\nurl = \""+hb.URL+"/ping/abc\"\n"))
		c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
		c.ok("import", c.write("ledger.csv", testLedger))
		if out := c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00"); !strings.Contains(out, "failed 1") {
			t.Fatalf("run: %s", out)
		}
		var got []string
		for len(pings) > 0 {
			got = append(got, <-pings)
		}
		if strings.Join(got, ", ") != "GET /ping/abc, GET /ping/abc/fail" {
			t.Errorf("heartbeat heard %q, want the run's ping, then /fail", got)
		}
		// A delivery without failures says nothing.
		c.ok("deliver", "--all")
		if len(pings) != 0 {
			t.Errorf("a delivery without failures pinged the heartbeat: %q", <-pings)
		}
	})
}

// After an SMTP outage every message has failed; once the server is back,
// deliver --retry-failed queues them again and delivers each once.
func TestSMTPOutageThenRetryFailedDeliversOnce(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := deadlineCLI(t, dbURL, srv)
		c.env = append(c.env, "DUBAN_MAIL__MAX_ATTEMPTS=1")
		srv.Stop()
		if out := c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00"); !strings.Contains(out, "failed 6") {
			t.Fatalf("run with SMTP down: %s", out)
		}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		if r := c.run("deliver", "--since", "2025-06-16"); r.code != 2 {
			t.Errorf("--since without --retry-failed: exit %d, want 2", r.code)
		}
		if out := c.ok("deliver", "--retry-failed", "--since", "2099-01-01"); !strings.Contains(out, "0 failed dispatches queued again") {
			t.Errorf("retry of failures created since 2099: %s", out)
		}
		out := c.ok("deliver", "--retry-failed")
		if !strings.Contains(out, "6 failed dispatches queued again") || !strings.Contains(out, "delivered 6, retrying 0, failed 0") {
			t.Fatalf("deliver --retry-failed: %s", out)
		}
		if out := c.ok("deliver", "--retry-failed"); !strings.Contains(out, "0 failed dispatches queued again") || !strings.Contains(out, "delivered 0") {
			t.Errorf("second deliver --retry-failed: %s", out)
		}
		perRecipient := map[string]int{}
		for _, m := range srv.Messages() {
			for _, to := range m.To {
				perRecipient[to]++
			}
		}
		if len(perRecipient) != 6 {
			t.Errorf("recipients %v, want 6", perRecipient)
		}
		for to, n := range perRecipient {
			if n != 1 {
				t.Errorf("%s got %d messages, want 1", to, n)
			}
		}
		var logs []dispatchJSON
		c.jsonOut(&logs, "logs")
		for _, d := range logs {
			if d.Status != "sent" || d.Attempts != 1 {
				t.Errorf("dispatch to %s: %s after %d attempts", d.To, d.Status, d.Attempts)
			}
		}
	})
}

func TestCheckConfigWarnsOfASenderQQRefuses(t *testing.T) {
	t.Parallel()
	c := newCLI(t, configWith("sqlite:duban.db",
		"\n[mail.smtp]\nhost = \"smtp.qq.com\"\ntls = \"tls\"\nusername = \"12345@qq.com\"\n"))
	c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
	r := c.run("check-config")
	if r.code != 0 || !strings.Contains(r.stderr, "mail.from dcs@jw.example.net is not mail.smtp.username 12345@qq.com") ||
		!strings.Contains(r.stderr, "501") {
		t.Errorf("check-config: exit %d\n%s", r.code, r.stderr)
	}
}
