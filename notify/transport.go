package notify

import (
	"context"
	"errors"
	"net/textproto"
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
// (give up now), and gives the server's reply code when it answered
// ("550 5.1.1"), from go-mail's *mail.SendError:
//
//   - a 5xx reply is permanent, a 4xx reply temporary;
//   - a message go-mail cannot address is permanent;
//   - a failure without a reply (a connection refused, reset or lost, even
//     after DATA) is temporary: at least once beats at most once, and the
//     Message-ID lets the client fold duplicates;
//   - a refused greeting or login is temporary, with its reply: it is the
//     server's or the account's problem, not the message's;
//   - an error wrapped with Permanent is permanent.
func Classify(err error) (temporary bool, reply string) {
	if err == nil {
		return false, ""
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return false, ""
	}
	var se *mail.SendError
	if !errors.As(err, &se) {
		var te *textproto.Error
		if errors.As(err, &te) {
			// A reply outside a mail transaction, such as a refused greeting
			// or login, concerns the server or our account, not this
			// message: retry.
			return true, strings.TrimSpace(strconv.Itoa(te.Code) + " " + te.Msg)
		}
		return true, ""
	}
	code := se.ErrorCode()
	if code != 0 {
		reply = strings.TrimSpace(strconv.Itoa(code) + " " + se.EnhancedStatusCode())
	}
	switch {
	case code >= 500:
		return false, reply
	case code >= 400:
		return true, reply
	case se.Reason == mail.ErrGetSender, se.Reason == mail.ErrGetRcpts, se.Reason == mail.ErrNoUnencoded:
		return false, ""
	}
	return true, reply
}

// replyCode is the code at the start of a reply, 0 when there is none.
func replyCode(reply string) int {
	if len(reply) < 3 {
		return 0
	}
	code, err := strconv.Atoi(reply[:3])
	if err != nil {
		return 0
	}
	return code
}
