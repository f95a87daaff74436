package notify

import (
	"context"
	"errors"
	"net/textproto"
	"strconv"
	"strings"
)

// Transport hands a message to the world: an SMTP server or the outbox.
// Send returns the server's reply (or a note of where the message went).
type Transport interface {
	Send(ctx context.Context, m *Message) (reply string, err error)
	Close() error
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that Classify reports it as permanent.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// Classify tells a temporary failure (retry later) from a permanent one
// (give up now) and extracts the SMTP reply when there is one.
//
//   - an SMTP reply 4xx is temporary, 5xx permanent; reply is the server's text
//     ("550 5.1.1 no such user");
//   - a failure without a reply (network errors, timeouts, EOF, a connection
//     reset or lost after DATA, a cancelled wait) is temporary: at least once
//     beats at most once, and the Message-ID lets the client fold duplicates;
//   - an error wrapped with Permanent is permanent.
func Classify(err error) (temporary bool, reply string) {
	if err == nil {
		return false, ""
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return false, ""
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		// Not te.Error(): it quotes the text.
		reply = strings.TrimSpace(strconv.Itoa(te.Code) + " " + te.Msg)
		var step *stepError
		if errors.As(err, &step) {
			return te.Code < 500, reply
		}
		// A reply outside a mail transaction, such as a refused greeting or
		// AUTH while connecting, concerns the server or our account, not
		// this message: retry.
		return true, reply
	}
	if code, text, ok := replyInText(err.Error()); ok {
		// Some errors carry the reply only in their text ("SMTP AUTH failed:
		// 535 5.7.8 …"): retry, as above.
		return true, strings.TrimSpace(code + " " + text)
	}
	// Network errors, timeouts, EOF, resets, a cancelled wait, and whatever
	// else goes wrong on the way: retry, max_attempts bounds it.
	return true, ""
}

// replyInText finds an SMTP reply inside an error message: "550 TEXT", or
// "550 \"TEXT\"" as net/textproto quotes it. An unquoted text ends at
// ", affected", where go-mail appends its own notes.
func replyInText(s string) (code, text string, ok bool) {
	for i := 0; i+4 <= len(s); i++ {
		if (i == 0 || s[i-1] == ' ') && (s[i] == '4' || s[i] == '5') &&
			isDigit(s[i+1]) && isDigit(s[i+2]) && s[i+3] == ' ' {
			code, rest := s[i:i+3], s[i+4:]
			if quoted, err := strconv.QuotedPrefix(rest); err == nil {
				if text, err := strconv.Unquote(quoted); err == nil {
					return code, strings.TrimSpace(text), true
				}
			}
			if j := strings.Index(rest, ", affected "); j >= 0 {
				rest = rest[:j]
			}
			return code, strings.TrimSpace(rest), true
		}
	}
	return "", "", false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
