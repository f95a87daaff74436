package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wneessen/go-mail"

	"duban/internal/atomicfile"
)

// Outbox is the transport that writes every message as an RFC 5322 .eml file
// into a directory, for a mail client to open or a relay to pick up. It is
// the default: duban works before anyone has configured SMTP.
type Outbox struct {
	dir string
}

// NewOutbox creates dir if needed and returns an outbox writing into it.
func NewOutbox(dir string) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("notify: outbox: empty directory")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("notify: outbox: %w", err)
	}
	return &Outbox{dir: dir}, nil
}

// Send writes m to a file named after its dispatch key (the X-Duban-Key
// header) and Message-ID, atomically, so a reader never sees half a message
// and a retry replaces the same file.
func (o *Outbox) Send(ctx context.Context, m *mail.Msg) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	key, err := dispatchKey(m)
	if err != nil {
		return "", Permanent(fmt.Errorf("notify: outbox: %w", err))
	}
	name := outboxFileName(key)
	path := filepath.Join(o.dir, name)
	var eml bytes.Buffer
	if _, err := m.WriteTo(&eml); err != nil {
		return "", fmt.Errorf("notify: outbox: write %s: %w", name, err)
	}
	if err := atomicfile.WriteFile(path, eml.Bytes(), 0o640); err != nil {
		return "", fmt.Errorf("notify: outbox: write %s: %w", name, err)
	}
	return "written to " + path, nil
}

// dispatchKey reads the dispatch key back from the message's header, where
// go-mail keeps it encoded.
func dispatchKey(m *mail.Msg) (string, error) {
	values := m.GetGenHeader(HeaderKey)
	if len(values) == 0 || values[0] == "" {
		return "", errors.New("message has no dispatch key")
	}
	key, err := new(mime.WordDecoder).DecodeHeader(values[0])
	if err != nil {
		return "", fmt.Errorf("dispatch key %q: %w", values[0], err)
	}
	return key, nil
}

// Close does nothing: the outbox holds no resources.
func (o *Outbox) Close() error { return nil }

// maxKeyBytes bounds the readable part of an outbox file name: with the
// hash and extension it stays well below the 255 bytes file systems allow.
const maxKeyBytes = 120

// outboxFileName is "<sanitised key>-<Message-ID hash>.eml": readable,
// stable across retries, and unique because the hash is of the whole key.
func outboxFileName(key string) string {
	return sanitizeFileName(key) + "-" + messageIDHash(key) + ".eml"
}

// sanitizeFileName keeps letters, digits, '.', '-' and '@' (Chinese names
// stay readable) and turns runs of anything else into one '_'.
func sanitizeFileName(s string) string {
	var b strings.Builder
	lastUnderscore := false
	for _, r := range s {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '@' || r == '.'
		if !ok {
			if lastUnderscore {
				continue
			}
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > maxKeyBytes {
			break
		}
		lastUnderscore = r == '_'
		b.WriteRune(r)
	}
	return strings.Trim(b.String(), "_.")
}
