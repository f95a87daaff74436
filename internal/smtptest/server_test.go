package smtptest_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"duban/internal/smtptest"
)

const waitTimeout = 10 * time.Second

const rawMessage = "From: a@example.org\r\nTo: b@example.org\r\nSubject: =?UTF-8?q?=E7=9D=A3=E5=8A=9E?=\r\n" +
	"Message-ID: <1@example.org>\r\n\r\nhello\r\n"

// send delivers one message on c and returns the SMTP error, if any.
func send(c *smtp.Client, to string) error {
	return c.SendMail("a@example.org", []string{to}, strings.NewReader(rawMessage))
}

func dial(t *testing.T, s *smtptest.Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestRecordsMessagesAndSessions(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	c1 := dial(t, s)
	for range 2 {
		if err := send(c1, "b@example.org"); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	c2 := dial(t, s)
	if err := send(c2, "c@example.org"); err != nil {
		t.Fatalf("send: %v", err)
	}
	msgs := s.WaitForMessages(t, 3, waitTimeout)
	if got := s.Sessions(); got != 2 {
		t.Errorf("sessions = %d, want 2", got)
	}
	if msgs[0].Conn != 1 || msgs[1].Conn != 1 || msgs[2].Conn != 2 {
		t.Errorf("connections = %d %d %d, want 1 1 2", msgs[0].Conn, msgs[1].Conn, msgs[2].Conn)
	}
	m := msgs[0]
	if m.From != "a@example.org" || len(m.To) != 1 || m.To[0] != "b@example.org" {
		t.Errorf("envelope = %q → %q", m.From, m.To)
	}
	if m.Subject() != "督办" || m.MessageID() != "<1@example.org>" {
		t.Errorf("subject %q, message-id %q", m.Subject(), m.MessageID())
	}
	if !strings.Contains(string(m.Data), "hello") {
		t.Errorf("data = %q", m.Data)
	}
	if got := len(s.MessagesTo("c@example.org")); got != 1 {
		t.Errorf("messages to c = %d, want 1", got)
	}
}

func TestTLSAndAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []smtptest.Option
		dial  func(s *smtptest.Server) (*smtp.Client, error)
		auth  sasl.Client
		isTLS bool
	}{
		{
			name: "starttls plain",
			opts: []smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth("u", "p")},
			dial: func(s *smtptest.Server) (*smtp.Client, error) {
				cfg := s.ClientTLSConfig()
				cfg.ServerName = "localhost"
				return smtp.DialStartTLS(s.Addr(), cfg)
			},
			auth:  sasl.NewPlainClient("", "u", "p"),
			isTLS: true,
		},
		{
			name: "implicit tls login",
			opts: []smtptest.Option{smtptest.WithImplicitTLS(), smtptest.WithAuth("u", "p"), smtptest.WithAuthMechanisms(sasl.Login)},
			dial: func(s *smtptest.Server) (*smtp.Client, error) {
				cfg := s.ClientTLSConfig()
				cfg.ServerName = "127.0.0.1"
				return smtp.DialTLS(s.Addr(), cfg)
			},
			auth:  sasl.NewLoginClient("u", "p"),
			isTLS: true,
		},
		{
			name: "plain text auth",
			opts: []smtptest.Option{smtptest.WithAuth("u", "p")},
			dial: func(s *smtptest.Server) (*smtp.Client, error) { return smtp.Dial(s.Addr()) },
			auth: sasl.NewPlainClient("", "u", "p"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := smtptest.New(t, tt.opts...)
			c, err := tt.dial(s)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer c.Close()
			if err := send(c, "b@example.org"); smtpCode(err) != 502 {
				t.Fatalf("send before AUTH: %v, want 502 please authenticate", err)
			}
			if err := c.Auth(tt.auth); err != nil {
				t.Fatalf("auth: %v", err)
			}
			if err := send(c, "b@example.org"); err != nil {
				t.Fatalf("send: %v", err)
			}
			m := s.WaitForMessages(t, 1, waitTimeout)[0]
			if m.User != "u" || m.TLS != tt.isTLS {
				t.Errorf("user %q tls %v, want u %v", m.User, m.TLS, tt.isTLS)
			}
		})
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t, smtptest.WithAuth("u", "p"))
	c := dial(t, s)
	if err := c.Auth(sasl.NewPlainClient("", "u", "wrong")); smtpCode(err) != 535 {
		t.Fatalf("auth with a wrong password: %v, want 535", err)
	}
}

func TestRejectRcpt(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	s.RejectRcpt("Bad@example.org", 550, "no such user")
	c := dial(t, s)
	err := send(c, "bad@example.org")
	if smtpCode(err) != 550 || !strings.Contains(err.Error(), "no such user") {
		t.Fatalf("send to a rejected address: %v, want 550 no such user", err)
	}
	if err := send(c, "good@example.org"); err != nil {
		t.Fatalf("send to another address: %v", err)
	}
	s.RejectRcpt("bad@example.org", 0, "")
	if err := send(c, "bad@example.org"); err != nil {
		t.Fatalf("send after lifting the rejection: %v", err)
	}
}

func TestTempFail(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	c := dial(t, s)
	s.TempFail(2, 451, "try later")
	for i := range 2 {
		if err := send(c, "b@example.org"); smtpCode(err) != 451 {
			t.Fatalf("message %d: %v, want 451", i, err)
		}
	}
	if err := send(c, "b@example.org"); err != nil {
		t.Fatalf("third message: %v", err)
	}
	s.TempFail(-1, 421, "closing")
	for i := range 3 {
		if err := send(c, "b@example.org"); smtpCode(err) != 421 {
			t.Fatalf("failing until off, message %d: %v, want 421", i, err)
		}
	}
	s.TempFail(0, 0, "")
	if err := send(c, "b@example.org"); err != nil {
		t.Fatalf("after turning failures off: %v", err)
	}
	if got := len(s.Messages()); got != 2 {
		t.Errorf("accepted %d messages, want 2", got)
	}
}

func TestDropAfterData(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	s.DropAfterData(1)
	c := dial(t, s)
	if err := send(c, "b@example.org"); err == nil {
		t.Fatal("send on a dropped connection succeeded")
	}
	if got := len(s.Dropped()); got != 1 {
		t.Fatalf("dropped = %d, want 1", got)
	}
	if got := len(s.Messages()); got != 0 {
		t.Fatalf("accepted = %d, want 0", got)
	}
	if err := send(dial(t, s), "b@example.org"); err != nil {
		t.Fatalf("next message: %v", err)
	}
}

func TestStopAndStartKeepTheAddress(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	addr := s.Addr()
	s.Stop()
	if c, err := net.DialTimeout("tcp", addr, waitTimeout); err == nil {
		c.Close()
		t.Fatal("dial while stopped succeeded")
	}
	if err := s.Start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	if s.Addr() != addr {
		t.Fatalf("address changed from %s to %s", addr, s.Addr())
	}
	if err := send(dial(t, s), "b@example.org"); err != nil {
		t.Fatalf("send after restart: %v", err)
	}
}

func TestHoldAndRelease(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	s.Hold()
	done := make(chan error, 1)
	go func() {
		c, err := smtp.Dial(s.Addr())
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		done <- send(c, "b@example.org")
	}()
	s.WaitUntil(t, waitTimeout, "a held message", func() bool { return s.Holding() == 1 })
	if got := len(s.Messages()); got != 0 {
		t.Fatalf("a held message was recorded as accepted")
	}
	s.Release()
	if err := <-done; err != nil {
		t.Fatalf("send: %v", err)
	}
	s.WaitForMessages(t, 1, waitTimeout)
}
