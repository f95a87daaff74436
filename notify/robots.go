package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"duban/ledger"
	"duban/store"
)

// Robots is the channel of the group-chat robots of 企业微信, 钉钉 and 飞书:
// a dispatch addressed to a robot ("wecom:unit/bgs") is one HTTPS POST of
// the platform's markdown message to the robot's webhook. The platforms
// answer HTTP 200 with an error code in the body (see verdict). At most
// PerMinute messages a minute go to one webhook; the rest wait, pending in
// the store, for the minute to pass.
type Robots struct {
	robots map[string]ledger.Robot // by address
	client *http.Client
	now    func() time.Time
	window *window
}

// RobotsConfig configures the robots channel.
type RobotsConfig struct {
	Robots []ledger.Robot   // every configured robot, by its address
	Client *http.Client     // nil: one with a 30s timeout
	Now    func() time.Time // the clock of the rate limit; time.Now when nil
	// PerMinute is the most messages a minute to one robot; 0: 20, what
	// each of the three platforms allows.
	PerMinute int
}

// NewRobots returns the channel for the robots of cfg.
func NewRobots(cfg RobotsConfig) *Robots {
	r := &Robots{robots: map[string]ledger.Robot{}, client: cfg.Client, now: cfg.Now,
		window: &window{n: cmpInt(cfg.PerMinute, 20), per: time.Minute, sends: map[string][]time.Time{}}}
	for _, robot := range cfg.Robots {
		r.robots[robot.Address] = robot
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: 30 * time.Second}
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

// Close lets the idle connections go.
func (r *Robots) Close() error {
	r.client.CloseIdleConnections()
	return nil
}

// Send posts the dispatch's subject and markdown body to its robot. A
// robot over its rate limit is not asked: the dispatch waits (Later).
func (r *Robots) Send(ctx context.Context, d store.Dispatch) (Receipt, error) {
	robot, ok := r.robots[d.Recipient]
	if !ok {
		return Receipt{}, Permanent(fmt.Errorf("notify: no robot %s in the config", d.Recipient))
	}
	p, ok := platforms[robot.Channel]
	if !ok {
		return Receipt{}, Permanent(fmt.Errorf("notify: robot %s: unknown platform %q", d.Recipient, robot.Channel))
	}
	now := r.now()
	if next, ok := r.window.take(robot.Webhook, now); !ok {
		return Receipt{}, Later(next)
	}
	target, payload, err := p.request(robot, d.Subject, d.BodyText, now)
	if err != nil {
		return Receipt{}, Permanent(fmt.Errorf("notify: %s robot %s: %w", p.label, d.Recipient, err))
	}
	status, body, err := r.post(ctx, target, payload)
	if err != nil {
		return Receipt{}, fmt.Errorf("notify: %s robot %s: %w", p.label, d.Recipient, err)
	}
	code, err := p.verdict(status, body)
	rc := Receipt{Reply: replyText(status, body), Code: code}
	if err != nil {
		return rc, fmt.Errorf("notify: %s robot %s: %w", p.label, d.Recipient, err)
	}
	return rc, nil
}

// maxReply bounds what is read of a platform's answer: a few hundred
// bytes of JSON, or an error page.
const maxReply = 64 << 10

// post sends the payload as JSON and returns the status and the body.
func (r *Robots) post(ctx context.Context, target string, payload any) (int, []byte, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, nil, Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(b))
	if err != nil {
		return 0, nil, Permanent(withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "duban")
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, withoutURL(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return 0, nil, withoutURL(err)
	}
	return resp.StatusCode, body, nil
}

// withoutURL keeps the cause of a url.Error: its URL holds the robot's
// key or token, which must not reach the log.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// replyText is the answer as the log keeps it: the body, on one line, with
// the status when it is not 200.
func replyText(status int, body []byte) string {
	text := strings.Join(strings.Fields(string(body)), " ")
	if len(text) > 500 {
		text = text[:500] + "…"
	}
	if status != http.StatusOK {
		text = strings.TrimSpace("HTTP " + strconv.Itoa(status) + " " + text)
	}
	return text
}

// platform is what differs between the three: the request, the shape of
// the answer, and which error codes are worth retrying.
type platform struct {
	label string // the platform's Chinese name, for messages
	// retryCodes are the error codes that a later attempt may get past:
	// the rate limits, a busy system. Every other non-zero code fails the
	// dispatch at once: a bad key, token or signature, a keyword or IP
	// rule, a malformed message; retrying would repeat it.
	retryCodes []int
	request    func(r ledger.Robot, title, text string, now time.Time) (target string, payload any, err error)
	answer     func(body []byte) (code int, msg string, ok bool)
}

var platforms = map[string]platform{
	ledger.ChannelWeCom:    {label: "企业微信", retryCodes: []int{-1, 45009}, request: wecomRequest, answer: errcodeAnswer},
	ledger.ChannelDingTalk: {label: "钉钉", retryCodes: []int{-1, 130101}, request: dingtalkRequest, answer: errcodeAnswer},
	ledger.ChannelFeishu:   {label: "飞书", retryCodes: []int{11232}, request: feishuRequest, answer: feishuAnswer},
}

// verdict reads the platform's answer: the code it carries (or the HTTP
// status when it carries none), and nil when the message was taken, a
// temporary error or a Permanent one.
func (p platform) verdict(status int, body []byte) (int, error) {
	code, msg, parsed := p.answer(body)
	switch {
	case parsed && code != 0:
		err := fmt.Errorf("error code %d: %s", code, msg)
		if slices.Contains(p.retryCodes, code) {
			return code, err
		}
		return code, Permanent(err)
	case parsed && status == http.StatusOK:
		return 0, nil
	case status >= 500 || status == http.StatusTooManyRequests:
		return status, fmt.Errorf("HTTP status %d", status)
	case status != http.StatusOK:
		// A wrong address: the webhook is not the robot's.
		return status, Permanent(fmt.Errorf("HTTP status %d", status))
	}
	// 200 without the platform's answer: a proxy or a captive portal spoke.
	return status, errors.New("HTTP 200 without the platform's answer")
}

// errcodeAnswer reads 企业微信's and 钉钉's {"errcode":0,"errmsg":"ok"}.
func errcodeAnswer(body []byte) (int, string, bool) {
	var a struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if json.Unmarshal(body, &a) != nil || a.ErrCode == nil {
		return 0, "", false
	}
	return *a.ErrCode, a.ErrMsg, true
}

// feishuAnswer reads 飞书's {"code":0,"msg":"success"}, or the older
// {"StatusCode":0,"StatusMessage":"success"}.
func feishuAnswer(body []byte) (int, string, bool) {
	var a struct {
		Code          *int   `json:"code"`
		Msg           string `json:"msg"`
		StatusCode    *int   `json:"StatusCode"`
		StatusMessage string `json:"StatusMessage"`
	}
	if json.Unmarshal(body, &a) != nil {
		return 0, "", false
	}
	switch {
	case a.Code != nil:
		return *a.Code, a.Msg, true
	case a.StatusCode != nil:
		return *a.StatusCode, a.StatusMessage, true
	}
	return 0, "", false
}

// wecomRequest is 企业微信's markdown message, its title in bold on top.
// Its markdown cannot mention by mobile (only its text messages can).
func wecomRequest(r ledger.Robot, title, text string, _ time.Time) (string, any, error) {
	type markdown struct {
		Content string `json:"content"`
	}
	return r.Webhook, struct {
		MsgType  string   `json:"msgtype"`
		Markdown markdown `json:"markdown"`
	}{"markdown", markdown{"**" + title + "**\n\n" + text}}, nil
}

// dingtalkRequest is 钉钉's markdown message: its title shows in the chat
// list, so the text repeats it as a heading. A leader's robot mentions the
// leader's mobile, which must appear in the text as well. With a secret
// (加签) the URL carries timestamp and sign.
func dingtalkRequest(r ledger.Robot, title, text string, now time.Time) (string, any, error) {
	u, err := url.Parse(r.Webhook)
	if err != nil {
		return "", nil, errors.New("webhook is not a URL")
	}
	if r.Secret != "" {
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		q := u.Query()
		q.Set("timestamp", ts)
		q.Set("sign", dingtalkSign(ts, r.Secret))
		u.RawQuery = q.Encode()
	}
	type markdown struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	type at struct {
		AtMobiles []string `json:"atMobiles"`
		IsAtAll   bool     `json:"isAtAll"`
	}
	body := "#### " + title + "\n\n" + text
	mentions := []string{}
	if r.Mobile != "" {
		mentions = append(mentions, r.Mobile)
		body += "\n\n@" + r.Mobile
	}
	return u.String(), struct {
		MsgType  string   `json:"msgtype"`
		Markdown markdown `json:"markdown"`
		At       at       `json:"at"`
	}{"markdown", markdown{title, body}, at{AtMobiles: mentions}}, nil
}

// dingtalkSign is 钉钉's 加签: base64 of the HMAC-SHA256, keyed with the
// secret, of "timestamp\nsecret" (timestamp in milliseconds).
func dingtalkSign(timestamp, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// feishuRequest is a 飞书 message card: the title in its header, the
// markdown in its body; with a secret (签名校验) the body carries timestamp
// and sign. A custom robot cannot mention by mobile.
func feishuRequest(r ledger.Robot, title, text string, now time.Time) (string, any, error) {
	type plainText struct {
		Tag     string `json:"tag"`
		Content string `json:"content"`
	}
	type element struct {
		Tag     string `json:"tag"`
		Content string `json:"content"`
	}
	type card struct {
		Header struct {
			Title plainText `json:"title"`
		} `json:"header"`
		Elements []element `json:"elements"`
	}
	msg := struct {
		Timestamp string `json:"timestamp,omitempty"`
		Sign      string `json:"sign,omitempty"`
		MsgType   string `json:"msg_type"`
		Card      card   `json:"card"`
	}{MsgType: "interactive"}
	msg.Card.Header.Title = plainText{"plain_text", title}
	msg.Card.Elements = []element{{"markdown", text}}
	if r.Secret != "" {
		msg.Timestamp = strconv.FormatInt(now.Unix(), 10)
		msg.Sign = feishuSign(msg.Timestamp, r.Secret)
	}
	return r.Webhook, msg, nil
}

// feishuSign is 飞书's signature: base64 of the HMAC-SHA256 of an empty
// message, keyed with "timestamp\nsecret" (timestamp in seconds).
func feishuSign(timestamp, secret string) string {
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// window lets at most n sends to one webhook into any span of per. It is
// held in memory: after a restart a robot may get up to n more within the
// minute, which the platform answers with its rate-limit code, retried
// like any temporary failure; nothing waiting is lost, since a waiting
// dispatch is pending in the store.
type window struct {
	n     int
	per   time.Duration
	mu    sync.Mutex
	sends map[string][]time.Time
}

// take records a send to key at now when the window has room; else it
// says when the earliest send of the window leaves it.
func (w *window) take(key string, now time.Time) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	recent := w.sends[key]
	for len(recent) > 0 && !recent[0].Add(w.per).After(now) {
		recent = recent[1:]
	}
	if len(recent) >= w.n {
		w.sends[key] = recent
		return recent[0].Add(w.per), false
	}
	w.sends[key] = append(recent, now)
	return now, true
}
