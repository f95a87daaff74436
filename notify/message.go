package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/wneessen/go-mail"

	"duban/store"
)

// Headers duban sets beside the standard ones.
const (
	// HeaderKey carries the dispatch key, so a message (or a bounce quoting its
	// headers) can be traced back to its dispatch; the outbox names files by it.
	HeaderKey           = "X-Duban-Key"
	headerAutoSubmitted = "Auto-Submitted"
)

// MessageID derives the Message-ID of a dispatch from its key, so that every
// attempt of one dispatch is the same message to the recipient's client.
func MessageID(key, domain string) string {
	return "<" + messageIDHash(key) + "@" + domain + ">"
}

func messageIDHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:32]
}

// BuildMessage turns a dispatch into a go-mail message: one recipient, the
// rendered subject and bodies (multipart/alternative when there is HTML), a
// Message-ID derived from the key and the headers that keep auto-responders
// quiet. It returns the Message-ID with its angle brackets.
func BuildMessage(from string, d store.Dispatch) (*mail.Msg, string, error) {
	// Header injection: none of these may carry a line break.
	for _, f := range []struct{ name, value string }{
		{"from", from}, {"recipient", d.Recipient}, {"subject", d.Subject}, {"key", d.Key},
	} {
		if strings.ContainsAny(f.value, "\r\n") {
			return nil, "", fmt.Errorf("notify: build message %d: %s contains a line break", d.ID, f.name)
		}
	}
	if d.Key == "" {
		return nil, "", fmt.Errorf("notify: build message %d: empty dispatch key", d.ID)
	}
	sender, err := parseSender(from)
	if err != nil {
		return nil, "", fmt.Errorf("notify: build message %d: %w", d.ID, err)
	}
	domain, err := addressDomain(sender.Address)
	if err != nil {
		return nil, "", fmt.Errorf("notify: build message %d: %w", d.ID, err)
	}
	rcpt, err := netmail.ParseAddress(d.Recipient)
	if err != nil {
		return nil, "", fmt.Errorf("notify: build message %d: recipient %q: %w", d.ID, d.Recipient, err)
	}

	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	m.FromMailAddress(sender)
	m.ToMailAddress(rcpt)
	m.Subject(d.Subject)
	id := MessageID(d.Key, domain)
	m.SetMessageIDWithValue(strings.Trim(id, "<>"))
	if !d.CreatedAt.IsZero() {
		// The date the digest was made, not of this attempt: a retry is the
		// same message.
		m.SetDateWithValue(d.CreatedAt)
	}
	m.SetGenHeader(headerAutoSubmitted, "auto-generated")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetGenHeader(HeaderKey, d.Key)
	m.SetUserAgent("duban")
	m.SetBodyString(mail.TypeTextPlain, d.BodyText)
	if d.BodyHTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, d.BodyHTML)
	}
	return m, id, nil
}

func parseSender(from string) (*netmail.Address, error) {
	sender, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", from, err)
	}
	return sender, nil
}

// senderDomain checks a From setting and returns its domain, which names
// the Message-IDs.
func senderDomain(from string) (string, error) {
	if strings.ContainsAny(from, "\r\n") {
		return "", errors.New("notify: sender contains a line break")
	}
	sender, err := parseSender(from)
	if err != nil {
		return "", fmt.Errorf("notify: %w", err)
	}
	domain, err := addressDomain(sender.Address)
	if err != nil {
		return "", fmt.Errorf("notify: sender: %w", err)
	}
	return domain, nil
}

func addressDomain(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return "", fmt.Errorf("address %q has no domain", addr)
	}
	return strings.ToLower(addr[at+1:]), nil
}
