package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"syscall"
	"testing"

	"duban/notify"
)

// Replies within a mail transaction are covered by the SMTP tests; these
// are the failures outside one.
func TestClassifyOutsideATransaction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		temporary bool
		reply     string
	}{
		{"nil", nil, false, ""},
		{"EOF", fmt.Errorf("notify: smtp: send: %w", io.EOF), true, ""},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true, ""},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true, ""},
		{"timeout", context.DeadlineExceeded, true, ""},
		{"auth failed while connecting", fmt.Errorf("notify: smtp: connect: SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "5.7.8 Authentication failed"}), true, "535 5.7.8 Authentication failed"},
		{"greeting refused", fmt.Errorf("notify: smtp: connect: %w", &textproto.Error{Code: 554, Msg: "no service"}), true, "554 no service"},
		{"reply while connecting", fmt.Errorf("notify: smtp: connect: %w", &textproto.Error{Code: 554, Msg: "5.7.1 no service"}), true, "554 5.7.1 no service"},
		{"permanent", notify.Permanent(errors.New("no key")), false, ""},
		{"wrapped permanent", fmt.Errorf("outbox: %w", notify.Permanent(errors.New("no key"))), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			temporary, reply := notify.Classify(tt.err)
			if temporary != tt.temporary || reply != tt.reply {
				t.Errorf("Classify(%v) = %v %q, want %v %q", tt.err, temporary, reply, tt.temporary, tt.reply)
			}
		})
	}
}
