package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"duban/ledger"
	"duban/notify"
	"duban/store"
	"duban/store/storetest"
)

// robotServer is a fake 企业微信, 钉钉 or 飞书: it checks each request as the
// platform would (the signature with the robot's secret, within the hour
// of the platform's clock), records it and answers with the next scripted
// reply, or success.
type robotServer struct {
	t        *testing.T
	platform string
	secret   string
	clock    *clock
	srv      *httptest.Server

	mu       sync.Mutex
	requests []robotRequest
	replies  []robotReply
}

type robotRequest struct {
	query url.Values
	body  map[string]any
}

type robotReply struct {
	status int
	body   string
}

func newRobotServer(t *testing.T, platform, secret string, c *clock) *robotServer {
	rs := &robotServer{t: t, platform: platform, secret: secret, clock: c}
	rs.srv = httptest.NewServer(http.HandlerFunc(rs.handle))
	t.Cleanup(rs.srv.Close)
	return rs
}

// webhook is the robot's address as the platform hands it out.
func (rs *robotServer) webhook() string {
	switch rs.platform {
	case ledger.ChannelWeCom:
		return rs.srv.URL + "/cgi-bin/webhook/send?key=k-1"
	case ledger.ChannelDingTalk:
		return rs.srv.URL + "/robot/send?access_token=t-1"
	}
	return rs.srv.URL + "/open-apis/bot/v2/hook/h-1"
}

func (rs *robotServer) answer(replies ...robotReply) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.replies = append(rs.replies, replies...)
}

func (rs *robotServer) got() []robotRequest {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.requests)
}

func (rs *robotServer) handle(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil || r.Method != http.MethodPost ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		rs.t.Errorf("%s: %s %q %s: not a JSON POST", rs.platform, r.Method, r.Header.Get("Content-Type"), b)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if !rs.tokenOK(r.URL.Query()) {
		rs.reply(w, robotReply{200, rs.badToken()})
		return
	}
	if msg := rs.signatureProblem(r.URL.Query(), body); msg != "" {
		rs.t.Errorf("%s: %s", rs.platform, msg)
		rs.reply(w, robotReply{200, rs.badSignature()})
		return
	}
	rs.mu.Lock()
	rs.requests = append(rs.requests, robotRequest{query: r.URL.Query(), body: body})
	reply := robotReply{200, rs.ok()}
	if len(rs.replies) > 0 {
		reply, rs.replies = rs.replies[0], rs.replies[1:]
	}
	rs.mu.Unlock()
	rs.reply(w, reply)
}

func (rs *robotServer) reply(w http.ResponseWriter, r robotReply) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	io.WriteString(w, r.body)
}

func (rs *robotServer) tokenOK(q url.Values) bool {
	switch rs.platform {
	case ledger.ChannelWeCom:
		return q.Get("key") == "k-1"
	case ledger.ChannelDingTalk:
		return q.Get("access_token") == "t-1"
	}
	return true
}

func (rs *robotServer) ok() string {
	if rs.platform == ledger.ChannelFeishu {
		return `{"code":0,"data":{},"msg":"success"}`
	}
	return `{"errcode":0,"errmsg":"ok"}`
}

func (rs *robotServer) badToken() string {
	if rs.platform == ledger.ChannelWeCom {
		return `{"errcode":93000,"errmsg":"invalid webhook url"}`
	}
	return `{"errcode":300001,"errmsg":"token is not exist"}`
}

func (rs *robotServer) badSignature() string {
	if rs.platform == ledger.ChannelFeishu {
		return `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`
	}
	return `{"errcode":310000,"errmsg":"sign not match"}`
}

func hmacBase64(key, msg string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signatureProblem checks the signature as the platform documents it:
// 钉钉 keys the HMAC with the secret over "timestamp\nsecret" (milliseconds)
// and takes timestamp and sign in the query; 飞书 keys it with
// "timestamp\nsecret" (seconds) over nothing, in the body.
func (rs *robotServer) signatureProblem(q url.Values, body map[string]any) string {
	if rs.secret == "" {
		return ""
	}
	now := rs.clock.Now()
	switch rs.platform {
	case ledger.ChannelDingTalk:
		ts, sign := q.Get("timestamp"), q.Get("sign")
		ms, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || now.Sub(time.UnixMilli(ms)).Abs() > time.Hour {
			return fmt.Sprintf("timestamp %q is not now (%d ms)", ts, now.UnixMilli())
		}
		if want := hmacBase64(rs.secret, ts+"\n"+rs.secret); sign != want {
			return fmt.Sprintf("sign %q, want %q", sign, want)
		}
	case ledger.ChannelFeishu:
		ts, _ := body["timestamp"].(string)
		sign, _ := body["sign"].(string)
		s, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || now.Sub(time.Unix(s, 0)).Abs() > time.Hour {
			return fmt.Sprintf("timestamp %q is not now (%d s)", ts, now.Unix())
		}
		if want := hmacBase64(ts+"\n"+rs.secret, ""); sign != want {
			return fmt.Sprintf("sign %q, want %q", sign, want)
		}
	}
	return ""
}

// queueRobot commits n dispatches to one address, as n runs would.
func queueRobot(t *testing.T, st *store.Store, now time.Time, to string, n int, subject, text string) {
	t.Helper()
	var digests []store.Digest
	for i := range n {
		digests = append(digests, store.Digest{Recipient: to, Key: fmt.Sprintf("deadlines/%d/%s", i, to),
			Reminders: []store.Reminder{{Rule: "deadline", Subject: fmt.Sprintf("2024-7/一.%d", i), Stage: "due"}}})
	}
	build := func(store.Digest, []store.Reminder) (store.Message, error) {
		return store.Message{Subject: subject, Text: text, Refs: "[]"}, nil
	}
	if _, got, err := st.CommitDigests(t.Context(), "deadlines", 0, digests, build, now); err != nil || got != n {
		t.Fatalf("CommitDigests: %d, %v; want %d", got, err, n)
	}
}

func robotWorker(t *testing.T, st *store.Store, c *clock, robots ...ledger.Robot) *notify.Worker {
	ch := notify.NewRobots(notify.RobotsConfig{Robots: robots, Now: c.Now})
	return &notify.Worker{
		Store: st, Owner: "worker-1", Lease: 5 * time.Minute, MaxAttempts: 8, PollEvery: 30 * time.Second,
		Concurrency: 2, Batch: 4, Now: c.Now, Logger: testLogger(t),
		Backoff:  func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute },
		Channels: map[string]notify.Channel{ledger.ChannelWeCom: ch, ledger.ChannelDingTalk: ch, ledger.ChannelFeishu: ch},
	}
}

func str(v any, path ...string) string {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func TestRobotPayloadsAndSignatures(t *testing.T) {
	t.Parallel()
	const subject, text = "【整改督办】1项已逾期", "**办公室**：\n1. **【催办】一.3.(1)** 逾期3天\n> 固定资产管理不规范"
	tests := []struct {
		platform, secret, mobile string
		check                    func(t *testing.T, r robotRequest)
	}{
		{ledger.ChannelWeCom, "", "13800001111", func(t *testing.T, r robotRequest) {
			if str(r.body, "msgtype") != "markdown" || str(r.body, "markdown", "content") != "**"+subject+"**\n\n"+text {
				t.Errorf("企业微信 payload %v", r.body)
			}
		}},
		{ledger.ChannelDingTalk, "SECdingtalk-secret", "13800001111", func(t *testing.T, r robotRequest) {
			if str(r.body, "msgtype") != "markdown" || str(r.body, "markdown", "title") != subject ||
				str(r.body, "markdown", "text") != "#### "+subject+"\n\n"+text+"\n\n@13800001111" {
				t.Errorf("钉钉 payload %v", r.body)
			}
			at, _ := r.body["at"].(map[string]any)
			if m, _ := at["atMobiles"].([]any); len(m) != 1 || m[0] != "13800001111" || at["isAtAll"] != false {
				t.Errorf("钉钉 mentions %v, want the leader's mobile", at)
			}
			if r.query.Get("access_token") != "t-1" {
				t.Errorf("钉钉 query %v lost the token", r.query)
			}
		}},
		{ledger.ChannelDingTalk, "", "", func(t *testing.T, r robotRequest) {
			if r.query.Has("sign") || r.query.Has("timestamp") {
				t.Errorf("钉钉 without a secret: query %v carries a signature", r.query)
			}
			if at, _ := r.body["at"].(map[string]any); len(at["atMobiles"].([]any)) != 0 {
				t.Errorf("钉钉 mentions %v, want none", at)
			}
		}},
		{ledger.ChannelFeishu, "feishu-secret", "13800001111", func(t *testing.T, r robotRequest) {
			card, _ := r.body["card"].(map[string]any)
			elements, _ := card["elements"].([]any)
			if str(r.body, "msg_type") != "interactive" || str(card, "header", "title", "content") != subject ||
				str(card, "header", "title", "tag") != "plain_text" || len(elements) != 1 ||
				str(elements[0], "tag") != "markdown" || str(elements[0], "content") != text {
				t.Errorf("飞书 payload %v", r.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.platform+"/secret="+strconv.FormatBool(tt.secret != ""), func(t *testing.T) {
			t.Parallel()
			st := storetest.Open(t, "sqlite")
			c := newClock()
			rs := newRobotServer(t, tt.platform, tt.secret, c)
			to := tt.platform + ":leader/wang"
			queueRobot(t, st, c.Now(), to, 1, subject, text)
			w := robotWorker(t, st, c, ledger.Robot{Address: to, Channel: tt.platform, Webhook: rs.webhook(), Secret: tt.secret, Mobile: tt.mobile})
			stats, err := w.DeliverDue(t.Context(), false)
			if err != nil || stats != (notify.Stats{Sent: 1}) {
				t.Fatalf("DeliverDue = %+v, %v; want one sent", stats, err)
			}
			got := rs.got()
			if len(got) != 1 {
				t.Fatalf("server got %d requests, want 1", len(got))
			}
			tt.check(t, got[0])
			d := dispatchesTo(t, st)[to]
			if d.State != store.StateSent || d.Channel != tt.platform || d.SMTPReply != rs.ok() {
				t.Errorf("dispatch %s channel %s reply %q, want sent with the server's answer", d.State, d.Channel, d.SMTPReply)
			}
		})
	}
}

// Each platform answers HTTP 200 with an error code: a rate limit (or a
// busy system) is retried, a bad key, token, signature or keyword fails at
// once with the answer kept; HTTP 5xx retries, a wrong address fails.
func TestRobotAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform string
		reply    robotReply
		want     string // store.StatePending (retried) or store.StateFailed
	}{
		{ledger.ChannelWeCom, robotReply{200, `{"errcode":45009,"errmsg":"api freq out of limit"}`}, store.StatePending},
		{ledger.ChannelWeCom, robotReply{200, `{"errcode":-1,"errmsg":"system busy"}`}, store.StatePending},
		{ledger.ChannelWeCom, robotReply{200, `{"errcode":93000,"errmsg":"invalid webhook url"}`}, store.StateFailed},
		{ledger.ChannelWeCom, robotReply{200, `{"errcode":40058,"errmsg":"markdown.content exceed max length 4096"}`}, store.StateFailed},
		{ledger.ChannelDingTalk, robotReply{200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`}, store.StatePending},
		{ledger.ChannelDingTalk, robotReply{200, `{"errcode":310000,"errmsg":"keywords not in content"}`}, store.StateFailed},
		{ledger.ChannelDingTalk, robotReply{200, `{"errcode":300001,"errmsg":"token is not exist"}`}, store.StateFailed},
		{ledger.ChannelFeishu, robotReply{200, `{"code":11232,"data":{},"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}`}, store.StatePending},
		{ledger.ChannelFeishu, robotReply{200, `{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}`}, store.StateFailed},
		{ledger.ChannelFeishu, robotReply{200, `{"code":19024,"data":{},"msg":"Key Words Not Found"}`}, store.StateFailed},
		{ledger.ChannelFeishu, robotReply{400, `{"code":9499,"msg":"Bad Request"}`}, store.StateFailed},
		{ledger.ChannelWeCom, robotReply{502, `<html>Bad Gateway</html>`}, store.StatePending},
		{ledger.ChannelDingTalk, robotReply{429, ``}, store.StatePending},
		{ledger.ChannelFeishu, robotReply{404, `404 page not found`}, store.StateFailed},
		{ledger.ChannelWeCom, robotReply{200, `<html>portal</html>`}, store.StatePending},
	}
	for _, tt := range tests {
		t.Run(tt.platform+"/"+strconv.Itoa(tt.reply.status)+"/"+tt.reply.body, func(t *testing.T) {
			t.Parallel()
			st := storetest.Open(t, "sqlite")
			c := newClock()
			rs := newRobotServer(t, tt.platform, "s", c)
			rs.answer(tt.reply)
			to := tt.platform + ":unit/bgs"
			queueRobot(t, st, c.Now(), to, 1, "【整改督办】1项已逾期", "正文")
			w := robotWorker(t, st, c, ledger.Robot{Address: to, Channel: tt.platform, Webhook: rs.webhook(), Secret: "s"})
			var failures []notify.Stats
			w.OnFailure = func(s notify.Stats, _ error) { failures = append(failures, s) }
			if _, err := w.DeliverDue(t.Context(), false); err != nil {
				t.Fatal(err)
			}
			d := dispatchesTo(t, st)[to]
			if d.State != tt.want {
				t.Fatalf("state %s, want %s (reply %q, error %q)", d.State, tt.want, d.SMTPReply, d.LastError)
			}
			if body := strings.TrimSpace(tt.reply.body); body != "" && !strings.Contains(d.SMTPReply, body) {
				t.Errorf("reply kept %q, want the server's %q", d.SMTPReply, body)
			}
			if strings.Contains(d.LastError, "k-1") || strings.Contains(d.LastError, "t-1") {
				t.Errorf("the error %q shows the robot's key", d.LastError)
			}
			if loud := len(failures) == 1 && failures[0].Failed == 1; loud != (tt.want == store.StateFailed) {
				t.Errorf("OnFailure calls %+v after a %s dispatch", failures, d.State)
			}
			if tt.want == store.StateFailed {
				return
			}
			// The retry, once its backoff has passed, gets through.
			c.Advance(time.Minute)
			if stats, err := w.DeliverDue(t.Context(), false); err != nil || stats != (notify.Stats{Sent: 1}) {
				t.Fatalf("retry: %+v, %v; want sent", stats, err)
			}
			if d := dispatchesTo(t, st)[to]; d.State != store.StateSent || d.Attempts != 2 {
				t.Errorf("after the retry: %s after %d attempts", d.State, d.Attempts)
			}
		})
	}
}

func TestRobotUnreachableIsRetriedWithoutItsKey(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, "sqlite")
	c := newClock()
	rs := newRobotServer(t, ledger.ChannelWeCom, "", c)
	webhook := rs.webhook()
	rs.srv.Close()
	queueRobot(t, st, c.Now(), "wecom:unit/bgs", 1, "s", "t")
	w := robotWorker(t, st, c, ledger.Robot{Address: "wecom:unit/bgs", Channel: ledger.ChannelWeCom, Webhook: webhook})
	if stats, err := w.DeliverDue(t.Context(), false); err != nil || stats != (notify.Stats{Retried: 1}) {
		t.Fatalf("DeliverDue = %+v, %v; want a retry", stats, err)
	}
	d := dispatchesTo(t, st)["wecom:unit/bgs"]
	if d.State != store.StatePending || d.LastError == "" || strings.Contains(d.LastError, "k-1") {
		t.Errorf("dispatch %s, error %q: want pending, the error without the key", d.State, d.LastError)
	}
}

func TestRobotNotInTheConfigFails(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, "sqlite")
	c := newClock()
	queueRobot(t, st, c.Now(), "feishu:unit/gone", 1, "s", "t")
	queueRobot(t, st, c.Now(), "bgs@zgh.example.org", 1, "s", "t")
	w := robotWorker(t, st, c)
	if stats, err := w.DeliverDue(t.Context(), false); err != nil || stats != (notify.Stats{Failed: 2}) {
		t.Fatalf("DeliverDue = %+v, %v; want both failed", stats, err)
	}
	byTo := dispatchesTo(t, st)
	if e := byTo["feishu:unit/gone"].LastError; !strings.Contains(e, "no robot feishu:unit/gone") {
		t.Errorf("unknown robot: error %q", e)
	}
	if e := byTo["bgs@zgh.example.org"].LastError; !strings.Contains(e, "no email channel") {
		t.Errorf("email without an email channel: error %q", e)
	}
}

// 25 messages to one robot: 20 go at once, the 5 others wait, pending in
// the store with their attempt not counted, and go when the minute has
// passed; none is lost or sent twice, even by a pass that ignores backoff.
func TestRobotRateLimitQueuesNotDrops(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		c := newClock()
		start := c.Now()
		rs := newRobotServer(t, ledger.ChannelDingTalk, "SECx", c)
		to := "dingtalk:unit/bgs"
		queueRobot(t, st, c.Now(), to, 25, "【整改督办】1项已逾期", "正文")
		w := robotWorker(t, st, c, ledger.Robot{Address: to, Channel: ledger.ChannelDingTalk, Webhook: rs.webhook(), Secret: "SECx"})

		stats, err := w.DeliverDue(t.Context(), true)
		if err != nil || stats.Sent != 20 || stats.Waiting != 5 || stats.Failed+stats.Retried != 0 {
			t.Fatalf("first pass = %+v, %v; want 20 sent, 5 waiting", stats, err)
		}
		c.Advance(59 * time.Second)
		if stats, err := w.DeliverDue(t.Context(), false); err != nil || stats != (notify.Stats{}) {
			t.Fatalf("within the minute: %+v, %v; want nothing due", stats, err)
		}
		c.Advance(time.Second)
		if stats, err := w.DeliverDue(t.Context(), false); err != nil || stats != (notify.Stats{Sent: 5}) {
			t.Fatalf("after the minute: %+v, %v; want the 5 sent", stats, err)
		}

		if got := len(rs.got()); got != 25 {
			t.Errorf("the robot got %d messages, want 25", got)
		}
		ds, err := st.ListDispatches(t.Context(), store.DispatchFilter{})
		if err != nil {
			t.Fatal(err)
		}
		sentAt := map[time.Duration]int{}
		for _, d := range ds {
			if d.State != store.StateSent || d.Attempts != 1 {
				t.Errorf("dispatch %s: %s after %d attempts", d.Key, d.State, d.Attempts)
			}
			sentAt[d.SentAt.Sub(start)]++
		}
		if want := map[time.Duration]int{0: 20, time.Minute: 5}; !mapsEqual(sentAt, want) {
			t.Errorf("sent at (after start) %v, want %v: at most 20 in any minute", sentAt, want)
		}
	})
}

func mapsEqual(a, b map[time.Duration]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A digest too long for a chat arrives cut to its most urgent entries,
// with how many were left out, within 企业微信's 4096 bytes.
func TestLongDigestArrivesShortened(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	var entries []notify.Entry
	for i := range 80 {
		e := deadlineEntry(fmt.Sprintf("一.%d", i+1), -80+i, "2025-05-01")
		e.Problem = strings.Repeat("固定资产管理不规范，账实不符。", 3)
		entries = append(entries, e)
	}
	d := notify.DigestData{To: "wecom:unit/bgs", ToName: "办公室", Role: ledger.RoleUnit, AsOf: "2025-06-16", Entries: entries, Office: "整改办"}
	subject, text, err := tm.RenderDigestMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) > notify.RobotTextLimit {
		t.Fatalf("markdown is %d bytes, over %d", len(text), notify.RobotTextLimit)
	}
	shown := strings.Count(text, "**【催办】")
	if shown == 0 || shown == 80 || !strings.Contains(text, fmt.Sprintf("另有%d项未列出", 80-shown)) {
		t.Fatalf("%d entries shown; text:\n%s", shown, text)
	}
	if !strings.Contains(text, "**【催办】一.1**") || strings.Contains(text, "**【催办】一.80**") {
		t.Errorf("the shown entries are not the most urgent:\n%s", text)
	}
	// With a link, the rest is a click away.
	d.Link = "https://duban.example.org/u/bgs?sig=x"
	if _, linked, _ := tm.RenderDigestMarkdown(d); !strings.Contains(linked, "，[点此查看全部](https://duban.example.org/u/bgs?sig=x)") {
		t.Errorf("no link to the rest:\n%s", linked)
	}

	st := storetest.Open(t, "sqlite")
	c := newClock()
	rs := newRobotServer(t, ledger.ChannelWeCom, "", c)
	queueRobot(t, st, c.Now(), "wecom:unit/bgs", 1, subject, text)
	w := robotWorker(t, st, c, ledger.Robot{Address: "wecom:unit/bgs", Channel: ledger.ChannelWeCom, Webhook: rs.webhook()})
	if stats, err := w.DeliverDue(t.Context(), false); err != nil || stats.Sent != 1 {
		t.Fatalf("DeliverDue = %+v, %v", stats, err)
	}
	content := str(rs.got()[0].body, "markdown", "content")
	if len(content) > 4096 || !strings.Contains(content, "另有") {
		t.Errorf("企业微信 got %d bytes (max 4096):\n%s", len(content), content)
	}
}

func TestShortDigestIsWhole(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	d := notify.DigestData{ToName: "办公室", Role: ledger.RoleUnit, AsOf: "2025-06-16",
		Entries: []notify.Entry{deadlineEntry("一.1", -3, "2025-06-13"), deadlineEntry("一.2", 2, "2025-06-18")}}
	subject, text, err := tm.RenderDigestMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**办公室**：", "1. **【催办】一.1** 已逾期3天", "> 固定资产管理不规范",
		"> 完成时限：2025年6月13日", "> 责任部门：财务资产部、办公室", "2. **【催办】一.2**"} {
		if !strings.Contains(text, want) {
			t.Errorf("markdown lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "另有") || subject != "【整改督办】1项已逾期、1项即将到期" {
		t.Errorf("subject %q, text:\n%s", subject, text)
	}
}

func TestLongSummaryArrivesShortened(t *testing.T) {
	t.Parallel()
	tm := loadTemplates(t, "")
	d := notify.SummaryData{Week: "2026-W48", WeekLabel: "2026年第48周", AsOf: "2026-11-23", Office: "整改办", Total: 300}
	for i := range 150 {
		d.Red = append(d.Red, notify.SummaryItem{No: fmt.Sprintf("一.%d", i+1), Problem: "固定资产管理不规范，账实不符",
			Deadline: "2026-10-01", DaysLeft: -50 + i/3, UnitNames: []string{"财务资产部"}})
	}
	d.Yellow = d.Red[:3]
	_, text, err := tm.RenderSummaryMarkdown(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(text) > notify.RobotTextLimit || !strings.Contains(text, "**红灯事项（已逾期，150项）**") ||
		!strings.Contains(text, "1. 一.1 ") || !strings.Contains(text, "另有") {
		t.Errorf("summary markdown (%d bytes):\n%s", len(text), text)
	}
	if !strings.Contains(text, "**黄灯事项（即将到期，3项）**") || !strings.Contains(text, "3. 一.3 ") {
		t.Errorf("the short yellow list was cut:\n%s", text)
	}
}

func TestWorkerObservesTheChannel(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, "sqlite")
	c := newClock()
	rs := newRobotServer(t, ledger.ChannelFeishu, "", c)
	rs.answer(robotReply{200, `{"code":19024,"msg":"Key Words Not Found"}`})
	queueRobot(t, st, c.Now(), "feishu:supervisors", 1, "s", "t")
	w := robotWorker(t, st, c, ledger.Robot{Address: "feishu:supervisors", Channel: ledger.ChannelFeishu, Webhook: rs.webhook()})
	var seen []string
	w.Observe = func(channel, outcome string, code int, _ time.Duration) {
		seen = append(seen, fmt.Sprintf("%s %s %d", channel, outcome, code))
	}
	if _, err := w.DeliverDue(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []string{"feishu failed 19024"}) {
		t.Errorf("observed %q", seen)
	}
}
