package notify

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/wneessen/go-mail"
)

// Transport hands a message to the world: an SMTP server or the outbox.
// Send returns the server's reply (or a note of where the message went).
type Transport interface {
	Send(ctx context.Context, m *mail.Msg) (reply string, err error)
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
//   - a message go-mail refuses to send (no sender, no recipient) or an error
//     wrapped with Permanent is permanent.
func Classify(err error) (temporary bool, reply string) {
	if err == nil {
		return false, ""
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return false, ""
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		reply = sendErrorReply(se)
		switch code := se.ErrorCode(); {
		case code >= 500:
			return false, reply
		case code >= 400:
			return true, reply
		}
		switch se.Reason {
		case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
			return false, reply
		}
		return true, reply
	}
	if code, text, ok := replyInText(err.Error()); ok {
		// Errors outside a SendError carry the reply in their text, e.g. a
		// failed AUTH ("SMTP AUTH failed: 535 5.7.8 …") while dialling. They
		// concern the server or our account, not this message: retry.
		return true, strings.TrimSpace(code + " " + text)
	}
	// Network errors, timeouts, EOF, resets, a cancelled wait, and whatever
	// else goes wrong on the way: retry, max_attempts bounds it.
	return true, ""
}

// sendErrorReply extracts the server's reply from a SendError, whose text
// reads "REASON: CODE \"TEXT\"[, affected …]".
func sendErrorReply(se *mail.SendError) string {
	if se.ErrorCode() == 0 {
		return ""
	}
	code, text, ok := replyInText(strings.TrimPrefix(se.Error(), se.Reason.String()+": "))
	if !ok {
		return ""
	}
	return code + " " + text
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
