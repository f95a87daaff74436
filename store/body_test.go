package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
)

func TestPackBodiesRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, html string }{
		{"", ""},
		{"您好:\n以下2项事项需要关注", ""},
		{"", "<p>只有HTML</p>"},
		{strings.Repeat("整改措施:全面清查固定资产\n", 500), strings.Repeat(`<td style="color:#666666;">问题</td>`, 800)},
		{"a\x00b\xff", "<b>\x00</b>"},
	} {
		packed := PackBodies(c.text, c.html)
		text, html, err := unpackBodies(packed)
		if err != nil || text != c.text || html != c.html {
			t.Fatalf("round trip of %q/%q: %q, %q, %v", c.text, c.html, text, html, err)
		}
		if len(c.text)+len(c.html) > 10000 && len(packed) > (len(c.text)+len(c.html))/4 {
			t.Errorf("%d bytes packed into %d: the styles should compress", len(c.text)+len(c.html), len(packed))
		}
	}
}

func TestUnpackBodiesRefusesGarbage(t *testing.T) {
	t.Parallel()
	good := PackBodies("正文", "<p>正文</p>")
	for name, packed := range map[string][]byte{
		"not snappy":    []byte("plain text"),
		"truncated":     good[:len(good)-2],
		"length beyond": snappy.Encode(nil, []byte{0xff, 0x01, 'x'}), // 255 bytes of text announced, 1 there
	} {
		if _, _, err := unpackBodies(packed); !errors.Is(err, errBadBody) {
			t.Errorf("%s: err = %v, want errBadBody", name, err)
		}
	}
}

// A message written before migration 00010 (bodies in body_text and
// body_html, body NULL) reads as it was written; one whose packed body is
// damaged is an error, not an empty message.
func TestDispatchBodiesOfEitherVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTempSQLite(t)
	const insert = `INSERT INTO dispatch_messages (id, key, recipient, subject, body_text, body_html, body,
		created_at) VALUES (?, ?, 'a@example.org', '主题', ?, ?, ?, ?)`
	const insertState = `INSERT INTO dispatch_states (id, next_attempt_at, updated_at) VALUES (?, ?, ?)`
	for _, row := range []struct {
		id         int64
		text, html string
		body       []byte
	}{
		{1, "旧正文", "<p>旧正文</p>", nil},
		{2, "", "", PackBodies("新正文", "<p>新正文</p>")},
		{3, "", "", []byte("damaged")},
	} {
		at := ts(time.Date(2025, 6, 16, 1, 0, 0, 0, time.UTC))
		if _, err := s.db.ExecContext(ctx, insert, row.id, fmt.Sprint("k", row.id), row.text, row.html, row.body, at); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, insertState, row.id, at, at); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[int64]string{1: "旧正文", 2: "新正文"} {
		d, err := s.GetDispatch(ctx, id)
		if err != nil || d.BodyText != want || d.BodyHTML != "<p>"+want+"</p>" {
			t.Errorf("dispatch %d: %q, %q, %v", id, d.BodyText, d.BodyHTML, err)
		}
	}
	if _, err := s.GetDispatch(ctx, 3); !errors.Is(err, errBadBody) {
		t.Errorf("damaged body: err = %v, want errBadBody", err)
	}
	if _, err := s.ListDispatches(ctx, DispatchFilter{}); !errors.Is(err, errBadBody) {
		t.Errorf("list with a damaged body: err = %v, want errBadBody", err)
	}
}
