package config_test

import (
	"bytes"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"duban/config"
	"duban/notify"
	"duban/store"
)

// FuzzAddress puts arbitrary text where the config takes a mailbox. What
// Load accepts must be one bare address that the mailer turns into a
// message to exactly that one recipient: no header injection, no second
// recipient smuggled in.
func FuzzAddress(f *testing.F) {
	for _, seed := range []string{
		"bgs@zgh.example.org",
		"BGS@ZGH.EXAMPLE.ORG",
		"办公室@政府.中国",
		"\"quoted local\"@zgh.example.org",
		"a@[127.0.0.1]",
		"a@b.org\r\nBcc: spy@evil.example",
		"a@b.org\nSubject: x",
		"a@b.org, spy@evil.example",
		"办公室 <bgs@zgh.example.org>",
		"<bgs@zgh.example.org>",
		"a(comment)@b.org",
		"a@b.org\x00",
		"=?utf-8?q?a?=@b.org",
		"",
		"@",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		doc, err := toml.Marshal(map[string]any{
			"supervisors": []string{addr},
			"mail":        map[string]any{"from": "整改办 <zgb@zgh.example.org>"},
		})
		if err != nil {
			return // not representable in TOML: nothing to load
		}
		path := filepath.Join(t.TempDir(), "duban.toml")
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := config.Load(path, nil)
		if err != nil {
			if !strings.Contains(err.Error(), "supervisors[0]") {
				t.Fatalf("rejected for another reason than the address: %v", err)
			}
			return
		}
		got := c.Supervisors[0]
		if strings.ContainsAny(got, "\r\n") {
			t.Fatalf("accepted a line break: %q", got)
		}
		m, _, err := notify.BuildMessage(c.Mail.From, store.Dispatch{ID: 1, Key: "k", Recipient: got, Subject: "督办", BodyText: "正文"})
		if err != nil {
			t.Fatalf("accepted %q, which no message can be built for: %v", got, err)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatalf("write message to %q: %v", got, err)
		}
		msg, err := mail.ReadMessage(&buf)
		if err != nil {
			t.Fatalf("message to %q does not parse: %v", got, err)
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || !strings.EqualFold(to[0].Address, got) {
			t.Fatalf("accepted %q, but the message is to %v (%v)", got, to, err)
		}
		for _, h := range []string{"Cc", "Bcc"} {
			if v := msg.Header.Get(h); v != "" {
				t.Fatalf("accepted %q, and the message has %s: %s", got, h, v)
			}
		}
	})
}
