package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/wneessen/go-mail"

	"duban/internal/smtptest"
	"duban/notify"
)

const waitTimeout = 20 * time.Second

// newSMTP returns a transport to s, trusting its certificate, closed at the
// end of the test.
func newSMTP(t *testing.T, s *smtptest.Server, tlsMode string, edit func(*notify.SMTPConfig)) *notify.SMTP {
	t.Helper()
	cfg := notify.SMTPConfig{
		Host: s.Host(), Port: s.Port(), TLS: tlsMode, MaxConnections: 1,
		Timeout: waitTimeout, HeloName: "duban.test", TLSConfig: s.ClientTLSConfig(),
	}
	if edit != nil {
		edit(&cfg)
	}
	tr, err := notify.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// plainServer returns a server without TLS or AUTH and a transport to it.
func plainServer(t *testing.T) (*smtptest.Server, *notify.SMTP) {
	t.Helper()
	s := smtptest.New(t)
	return s, newSMTP(t, s, notify.TLSNone, nil)
}

func message(t *testing.T, n int, to string) (*mail.Msg, string) {
	t.Helper()
	m, id, err := notify.BuildMessage(testFrom, testDispatch(fmt.Sprintf("deadlines/20250616T010000Z/%d/%s", n, to), to))
	if err != nil {
		t.Fatalf("BuildMessage: %v", err)
	}
	return m, id
}

func sendOne(t *testing.T, tr notify.Transport, n int, to string) (string, error) {
	t.Helper()
	m, _ := message(t, n, to)
	return tr.Send(context.Background(), m)
}

func TestSMTPModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []smtptest.Option
		tls      string
		user     string
		wantTLS  bool
		wantUser string
	}{
		{name: "starttls", opts: []smtptest.Option{smtptest.WithSTARTTLS()}, tls: notify.TLSStartTLS, wantTLS: true},
		{name: "starttls auth plain", opts: []smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth("zgb", "s3cret")},
			tls: notify.TLSStartTLS, user: "zgb", wantTLS: true, wantUser: "zgb"},
		{name: "starttls auth login", opts: []smtptest.Option{smtptest.WithSTARTTLS(), smtptest.WithAuth("zgb", "s3cret"), smtptest.WithAuthMechanisms(sasl.Login)},
			tls: notify.TLSStartTLS, user: "zgb", wantTLS: true, wantUser: "zgb"},
		{name: "implicit tls", opts: []smtptest.Option{smtptest.WithImplicitTLS()}, tls: notify.TLSImplicit, wantTLS: true},
		{name: "implicit tls auth", opts: []smtptest.Option{smtptest.WithImplicitTLS(), smtptest.WithAuth("zgb", "s3cret")},
			tls: notify.TLSImplicit, user: "zgb", wantTLS: true, wantUser: "zgb"},
		{name: "none", tls: notify.TLSNone},
		{name: "none auth", opts: []smtptest.Option{smtptest.WithAuth("zgb", "s3cret")}, tls: notify.TLSNone, user: "zgb", wantUser: "zgb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := smtptest.New(t, tt.opts...)
			tr := newSMTP(t, s, tt.tls, func(c *notify.SMTPConfig) { c.Username, c.Password = tt.user, "s3cret" })
			m, id := message(t, 1, "cwzcb@zgh.example.org")
			reply, err := tr.Send(context.Background(), m)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if !strings.HasPrefix(reply, "250") {
				t.Errorf("reply = %q, want 250 …", reply)
			}
			got := s.WaitForMessages(t, 1, waitTimeout)[0]
			if got.TLS != tt.wantTLS || got.User != tt.wantUser {
				t.Errorf("server saw tls=%v user=%q, want tls=%v user=%q", got.TLS, got.User, tt.wantTLS, tt.wantUser)
			}
			if got.From != "zgb@zgh.example.org" || len(got.To) != 1 || got.To[0] != "cwzcb@zgh.example.org" {
				t.Errorf("envelope %s → %v", got.From, got.To)
			}
			if got.MessageID() != id || got.Subject() != "【整改督办】2项已逾期、1项即将到期" {
				t.Errorf("message-id %q subject %q", got.MessageID(), got.Subject())
			}
		})
	}
}

func TestSMTPStartTLSRequired(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t) // no STARTTLS on offer
	tr := newSMTP(t, s, notify.TLSStartTLS, nil)
	if _, err := sendOne(t, tr, 1, "a@example.org"); err == nil {
		t.Fatal("starttls mode sent in clear text to a server without STARTTLS")
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("server accepted %d messages", n)
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("zgb", "s3cret"))
	tr := newSMTP(t, s, notify.TLSStartTLS, func(c *notify.SMTPConfig) { c.Username, c.Password = "zgb", "wrong" })
	_, err := sendOne(t, tr, 1, "a@example.org")
	if err == nil {
		t.Fatal("Send with a wrong password succeeded")
	}
	if temporary, reply := notify.Classify(err); !temporary || !strings.HasPrefix(reply, "535") {
		t.Errorf("Classify = %v %q: a login failure is the account's problem, not the message's: retry", temporary, reply)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error text leaks the password: %v", err)
	}
}

func TestSMTPReusesOneConnection(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("zgb", "s3cret"))
	tr := newSMTP(t, s, notify.TLSStartTLS, func(c *notify.SMTPConfig) { c.Username, c.Password = "zgb", "s3cret" })
	for i := range 20 {
		if _, err := sendOne(t, tr, i, "a@example.org"); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	msgs := s.WaitForMessages(t, 20, waitTimeout)
	if got := s.Sessions(); got != 1 {
		t.Errorf("20 messages took %d SMTP sessions, want 1", got)
	}
	for _, m := range msgs {
		if m.Conn != 1 {
			t.Errorf("message %s came on connection %d", m.MessageID(), m.Conn)
		}
	}
}

func TestSMTPPoolOfFour(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	tr := newSMTP(t, s, notify.TLSNone, func(c *notify.SMTPConfig) { c.MaxConnections = 4 })
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		m, _ := message(t, i, "a@example.org")
		wg.Go(func() {
			if _, err := tr.Send(context.Background(), m); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Send: %v", err)
	}
	s.WaitForMessages(t, 20, waitTimeout)
	if got := s.Sessions(); got < 1 || got > 4 {
		t.Errorf("20 concurrent messages took %d sessions, want 1 to 4", got)
	}
}

// TestSMTPRefusals covers the server's refusals at each step: whether the
// failure is temporary, the reply code recorded, and whether the session
// goes on for the next message (all but 421, which announces its end).
func TestSMTPRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		refuse    func(*smtptest.Server)
		to        string
		temporary bool
		reply     string
		sessions  int
	}{
		{"421 at MAIL", func(s *smtptest.Server) { s.TempFail(1, 421, "try again later") },
			"a@zgh.example.org", true, "421 4.0.0", 2},
		{"451 at MAIL", func(s *smtptest.Server) { s.TempFail(1, 451, "try again later") },
			"a@zgh.example.org", true, "451 4.0.0", 1},
		{"550 at RCPT", func(s *smtptest.Server) { s.RejectRcpt("nobody@zgh.example.org", 550, "mailbox unavailable") },
			"nobody@zgh.example.org", false, "550 5.0.0", 1},
		// A content filter: this message never passes.
		{"554 after the message", func(s *smtptest.Server) { s.RefuseData(1, 554, "refused") },
			"a@zgh.example.org", false, "554 5.0.0", 1},
		// A full mailbox: it may later.
		{"452 after the message", func(s *smtptest.Server) { s.RefuseData(1, 452, "refused") },
			"a@zgh.example.org", true, "452 4.0.0", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, tr := plainServer(t)
			tt.refuse(s)
			_, err := sendOne(t, tr, 1, tt.to)
			temporary, reply := notify.Classify(err)
			if err == nil || temporary != tt.temporary {
				t.Fatalf("Send = %v, temporary %v; want an error, temporary %v", err, temporary, tt.temporary)
			}
			if reply != tt.reply {
				t.Errorf("reply = %q, want %q", reply, tt.reply)
			}
			if _, err := sendOne(t, tr, 2, "a@zgh.example.org"); err != nil {
				t.Fatalf("next message: %v", err)
			}
			if got := s.Sessions(); got != tt.sessions {
				t.Errorf("sessions = %d, want %d", got, tt.sessions)
			}
		})
	}
}

// A line of a lone dot would end the message early unless it is
// dot-stuffed on the wire.
func TestSMTPSendsALoneDotLine(t *testing.T) {
	t.Parallel()
	s, tr := plainServer(t)
	d := testDispatch("deadlines/20250616T010000Z/a@example.org", "a@example.org")
	d.BodyText = "第一行\n.\n..\n最后一行\n"
	m, _, err := notify.BuildMessage(testFrom, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got, err := s.WaitForMessages(t, 1, waitTimeout)[0].TextBody()
	if err != nil {
		t.Fatal(err)
	}
	if strings.ReplaceAll(got, "\r\n", "\n") != d.BodyText {
		t.Errorf("server received text %q, want %q", got, d.BodyText)
	}
}

func TestSMTPConnectionLostAfterData(t *testing.T) {
	t.Parallel()
	s, tr := plainServer(t)
	s.DropAfterData(1)
	_, err := sendOne(t, tr, 1, "a@example.org")
	if temporary, _ := notify.Classify(err); err == nil || !temporary {
		t.Fatalf("Send = %v, temporary %v; want a temporary error", err, temporary)
	}
	if len(s.Dropped()) != 1 {
		t.Fatalf("server dropped %d messages, want 1", len(s.Dropped()))
	}
	if _, err := sendOne(t, tr, 1, "a@example.org"); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got, dropped := s.WaitForMessages(t, 1, waitTimeout)[0], s.Dropped()[0]; got.MessageID() != dropped.MessageID() {
		t.Errorf("retry has Message-ID %s, the lost one %s", got.MessageID(), dropped.MessageID())
	}
}

func TestSMTPServerDownAndBack(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t, smtptest.WithImplicitTLS())
	tr := newSMTP(t, s, notify.TLSImplicit, nil)
	if _, err := sendOne(t, tr, 1, "a@example.org"); err != nil {
		t.Fatalf("first message: %v", err)
	}
	s.Stop() // closes the pooled connection too
	_, err := sendOne(t, tr, 2, "a@example.org")
	if temporary, _ := notify.Classify(err); err == nil || !temporary {
		t.Fatalf("Send while down = %v, temporary %v; want a temporary error", err, temporary)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := sendOne(t, tr, 2, "a@example.org"); err != nil {
		t.Fatalf("Send after the server came back: %v", err)
	}
	if got := len(s.WaitForMessages(t, 2, waitTimeout)); got != 2 {
		t.Errorf("messages = %d, want 2", got)
	}
}

func TestSMTPReplacesAConnectionClosedWhileIdle(t *testing.T) {
	t.Parallel()
	s, tr := plainServer(t)
	if _, err := sendOne(t, tr, 1, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	// A restart closes the idle pooled connection behind the transport's back.
	s.Stop()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := sendOne(t, tr, 2, "a@example.org"); err != nil {
		t.Fatalf("Send on a stale pooled connection: %v", err)
	}
	if got := s.Sessions(); got != 2 {
		t.Errorf("sessions = %d, want 2", got)
	}
}

func TestSMTPRateLimit(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	tr := newSMTP(t, s, notify.TLSNone, func(c *notify.SMTPConfig) { c.RatePerMinute = 1; c.MaxConnections = 4 })
	// One message a minute: of three sent at once with a short deadline,
	// exactly one gets through; the others give up without sending.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	results := make(chan error, 3)
	for i := range 3 {
		m, _ := message(t, i, "a@example.org")
		wg.Go(func() {
			_, err := tr.Send(ctx, m)
			results <- err
		})
	}
	wg.Wait()
	close(results)
	var sent, limited int
	for err := range results {
		switch {
		case err == nil:
			sent++
		case strings.Contains(err.Error(), "rate limit"):
			limited++
			if temporary, _ := notify.Classify(err); !temporary {
				t.Errorf("a rate-limited message classified as permanent: %v", err)
			}
		default:
			t.Errorf("Send: %v", err)
		}
	}
	if sent != 1 || limited != 2 {
		t.Errorf("sent %d, rate limited %d; want 1 and 2", sent, limited)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("server received %d messages, want 1", got)
	}
}

func TestSMTPSendHonoursContextWhileWaitingForAConnection(t *testing.T) {
	t.Parallel()
	s := smtptest.New(t)
	tr := newSMTP(t, s, notify.TLSNone, nil) // one connection
	s.Hold()
	first := make(chan error, 1)
	go func() {
		_, err := sendOne(t, tr, 1, "a@example.org")
		first <- err
	}()
	s.WaitUntil(t, waitTimeout, "the first message in flight", func() bool { return s.Holding() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	m, _ := message(t, 2, "a@example.org")
	if _, err := tr.Send(ctx, m); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "wait for a connection") {
		t.Errorf("Send while the only connection is busy = %v, want to give up waiting at the deadline", err)
	}
	s.Release()
	if err := <-first; err != nil {
		t.Fatalf("first message: %v", err)
	}
}

func TestNewSMTPRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []notify.SMTPConfig{
		{Host: "", TLS: notify.TLSNone},
		{Host: "smtp.example.org", TLS: "ssl"},
		{Host: "smtp.example.org", Port: 70000},
	} {
		if _, err := notify.NewSMTP(cfg); err == nil {
			t.Errorf("NewSMTP(%+v) accepted it", cfg)
		}
	}
}
