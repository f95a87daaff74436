package notify_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"duban/notify"
	"duban/store"
)

const testFrom = "整改办 <zgb@zgh.example.org>"

func testDispatch(key, to string) store.Dispatch {
	return store.Dispatch{
		ID: 7, Key: key, Job: "deadlines", Recipient: to,
		Subject:   "【整改督办】2项已逾期、1项即将到期",
		BodyText:  "财务资产部:\n\n1. 【催办】一.3.(1) 固定资产管理不规范\n   完成时限:2025-05-31(已逾期16天)\n",
		BodyHTML:  "<p>财务资产部:</p><p>一.3.(1) 固定资产管理不规范 <b>已逾期16天</b></p>",
		CreatedAt: time.Date(2025, 6, 16, 1, 0, 0, 0, time.UTC),
	}
}

// render writes m as it would go on the wire and parses it back.
func render(t *testing.T, m *mail.Msg) (*netmail.Message, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	raw := buf.Bytes()
	parsed, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, raw)
	}
	return parsed, raw
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decode header %q: %v", v, err)
	}
	return s
}

func TestBuildMessageHeaders(t *testing.T) {
	t.Parallel()
	d := testDispatch("deadlines/20250616T010000Z/cwzcb@zgh.example.org", "cwzcb@zgh.example.org")
	m, id, err := notify.BuildMessage(testFrom, d)
	if err != nil {
		t.Fatalf("BuildMessage: %v", err)
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@zgh\.example\.org>$`).MatchString(id) {
		t.Errorf("message id = %q, want <32 hex@domain of from>", id)
	}
	msg, raw := render(t, m)
	h := msg.Header
	if got := h.Get("Message-Id"); got != id {
		t.Errorf("Message-ID header = %q, want %q", got, id)
	}
	checks := map[string]string{
		"Auto-Submitted":           "auto-generated",
		"X-Auto-Response-Suppress": "All",
		"X-Duban-Key":              d.Key,
	}
	for name, want := range checks {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := decodeHeader(t, h.Get("Subject")); got != d.Subject {
		t.Errorf("subject decodes to %q, want %q", got, d.Subject)
	}
	if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?") {
		t.Errorf("Chinese subject not RFC 2047 encoded: %q", raw)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "整改办" || from[0].Address != "zgb@zgh.example.org" {
		t.Errorf("From = %v (%v), want 整改办 <zgb@zgh.example.org>", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != d.Recipient {
		t.Errorf("To = %v (%v), want %s", to, err, d.Recipient)
	}
	date, err := h.Date()
	if err != nil || !date.Equal(d.CreatedAt) {
		t.Errorf("Date = %v (%v), want the dispatch's creation time %v", date, err, d.CreatedAt)
	}
	if n, crlf := bytes.Count(raw, []byte("\n")), bytes.Count(raw, []byte("\r\n")); n != crlf {
		t.Errorf("%d of %d lines are not CRLF terminated", n-crlf, n)
	}
}

func TestBuildMessageMultipartAlternative(t *testing.T) {
	t.Parallel()
	d := testDispatch("k1", "cwzcb@zgh.example.org")
	m, _, err := notify.BuildMessage(testFrom, d)
	if err != nil {
		t.Fatalf("BuildMessage: %v", err)
	}
	msg, _ := render(t, m)
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	var types, bodies []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		b, err := io.ReadAll(p) // NextPart decodes quoted-printable

		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		bodies = append(bodies, string(b))
	}
	if len(types) != 2 || types[0] != "text/plain" || types[1] != "text/html" {
		t.Fatalf("parts = %v, want text/plain then text/html", types)
	}
	if !strings.Contains(bodies[0], "已逾期16天") || !strings.Contains(bodies[1], "<b>已逾期16天</b>") {
		t.Errorf("bodies do not round-trip: %q / %q", bodies[0], bodies[1])
	}
}

func TestBuildMessageIDIsStablePerKey(t *testing.T) {
	t.Parallel()
	_, id1, err := notify.BuildMessage(testFrom, testDispatch("deadlines/20250616T010000Z/a@x.org", "a@x.org"))
	if err != nil {
		t.Fatal(err)
	}
	again := testDispatch("deadlines/20250616T010000Z/a@x.org", "a@x.org")
	again.Attempts, again.ID = 3, 99
	_, id2, err := notify.BuildMessage(testFrom, again)
	if err != nil {
		t.Fatal(err)
	}
	_, id3, err := notify.BuildMessage(testFrom, testDispatch("deadlines/20250617T010000Z/a@x.org", "a@x.org"))
	if err != nil {
		t.Fatal(err)
	}
	if id1 != id2 {
		t.Errorf("same key, different Message-IDs: %s, %s", id1, id2)
	}
	if id1 == id3 {
		t.Errorf("different keys, same Message-ID %s", id1)
	}
}

func TestBuildMessageTextOnly(t *testing.T) {
	t.Parallel()
	d := testDispatch("k", "a@example.org")
	d.BodyHTML = ""
	m, _, err := notify.BuildMessage("zgb@example.org", d)
	if err != nil {
		t.Fatalf("BuildMessage: %v", err)
	}
	msg, _ := render(t, m)
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
}

func TestBuildMessageRejectsHeaderInjection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		from string
		edit func(*store.Dispatch)
	}{
		{"subject CRLF", testFrom, func(d *store.Dispatch) { d.Subject = "督办\r\nBcc: evil@example.org" }},
		{"subject LF", testFrom, func(d *store.Dispatch) { d.Subject = "督办\nX: y" }},
		{"recipient", testFrom, func(d *store.Dispatch) { d.Recipient = "a@example.org\r\nBcc: evil@example.org" }},
		{"from", "zgb@example.org\nBcc: evil@example.org", func(*store.Dispatch) {}},
		{"bad recipient", testFrom, func(d *store.Dispatch) { d.Recipient = "not an address" }},
		{"sender without domain", "整改办 <zgb>", func(*store.Dispatch) {}},
		{"empty key", testFrom, func(d *store.Dispatch) { d.Key = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := testDispatch("k", "a@example.org")
			tt.edit(&d)
			if _, _, err := notify.BuildMessage(tt.from, d); err == nil {
				t.Errorf("BuildMessage accepted it")
			}
		})
	}
}
