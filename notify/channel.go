package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"duban/store"
)

// Channel delivers the dispatches of one channel (a store.Dispatch's
// Channel): email through a Transport, or the group-chat robots.
type Channel interface {
	// Send hands one dispatch over and says what the server answered. An
	// error is temporary unless it is Permanent (see Classify); Later means
	// the dispatch was not sent and waits.
	Send(ctx context.Context, d store.Dispatch) (Receipt, error)
	Close() error
}

// Receipt is what a hand-over left: the Message-ID the dispatch travelled
// under (email only), the server's reply as it came, and its code for the
// metrics (an SMTP reply code or a platform's error code; 0: none).
type Receipt struct {
	MessageID string
	Reply     string
	Code      int
}

// laterError says that a dispatch was not sent, because sending it now
// would break a limit; it waits until at, its attempt not counted.
type laterError struct{ at time.Time }

func (e *laterError) Error() string {
	return "rate limit: waits until " + e.at.Format(time.RFC3339)
}

// Later is the error of a channel that must not send a dispatch before at.
func Later(at time.Time) error { return &laterError{at: at} }

// waitsUntil tells whether err is Later's, and until when.
func waitsUntil(err error) (time.Time, bool) {
	var l *laterError
	if errors.As(err, &l) {
		return l.at, true
	}
	return time.Time{}, false
}

// Email is the email channel: each dispatch built into a message from one
// sender and handed to a Transport (SMTP or the outbox).
type Email struct {
	from      string
	transport Transport
}

// NewEmail checks the sender and returns the channel. A bad sender would
// fail every message for good: it is refused here, at start-up.
func NewEmail(from string, t Transport) (*Email, error) {
	if t == nil {
		return nil, errors.New("notify: email needs a transport")
	}
	if _, err := senderDomain(from); err != nil {
		return nil, err
	}
	return &Email{from: from, transport: t}, nil
}

// Send builds the dispatch's message and hands it to the transport. A
// message that cannot be built never will be: that is permanent.
func (e *Email) Send(ctx context.Context, d store.Dispatch) (Receipt, error) {
	m, id, err := BuildMessage(e.from, d)
	if err != nil {
		return Receipt{}, Permanent(err)
	}
	reply, err := e.transport.Send(ctx, m)
	if err != nil {
		_, reply = Classify(err)
	}
	return Receipt{MessageID: id, Reply: reply, Code: replyCode(reply)}, err
}

// Close closes the transport.
func (e *Email) Close() error { return e.transport.Close() }

// CloseChannels closes each channel once: one value may serve several
// channels (the robots serve all three platforms).
func CloseChannels(chs map[string]Channel) error {
	var errs []error
	closed := map[Channel]bool{}
	for name, ch := range chs {
		if ch == nil || closed[ch] {
			continue
		}
		closed[ch] = true
		if err := ch.Close(); err != nil {
			errs = append(errs, fmt.Errorf("notify: close %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
