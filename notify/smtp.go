package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
	"golang.org/x/time/rate"
)

// TLS modes of [mail.smtp] tls.
const (
	TLSStartTLS = "starttls" // plain connect, then STARTTLS, which must succeed (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465: QQ, 163, Tencent exmail)
	TLSNone     = "none"     // no encryption (a relay on localhost)
)

// SMTPConfig configures the SMTP transport.
type SMTPConfig struct {
	Host           string
	Port           int    // 0: 587 for starttls, 465 for tls, 25 for none
	TLS            string // starttls (default) | tls | none
	Username       string // AUTH when set
	Password       string
	MaxConnections int           // connections kept open and used in parallel; 0 = 1
	RatePerMinute  int           // messages per minute over all connections; 0 = no limit
	Timeout        time.Duration // each dial and each command; 0 = 30s
	HeloName       string        // EHLO name; "" = the host name
	TLSConfig      *tls.Config   // nil = system roots for Host; tests trust their own CA here
}

// defaultSMTPTimeout bounds a dial and each command when the config says nothing.
const defaultSMTPTimeout = 30 * time.Second

// SMTP is the transport that sends with go-mail over a small pool of
// connections, reused from message to message: a run of fifty digests is
// one or two SMTP sessions, not fifty logins, which is what QQ and 163
// rate-limit.
type SMTP struct {
	client  *mail.Client  // the settings; it dials the pooled connections and sends on them
	limiter *rate.Limiter // nil: no limit
	slots   chan struct{} // one token per connection that may be in use
	idleMax time.Duration // an idle connection older than this is closed, not reused

	mu     sync.Mutex
	idle   []*pooledConn
	closed bool
}

type pooledConn struct {
	c        *smtp.Client
	lastUsed time.Time
}

// NewSMTP checks cfg and prepares the transport; it connects lazily, on the
// first Send.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("notify: smtp: empty host")
	}
	cfg.TLS = strings.ToLower(cmpOr(cfg.TLS, TLSStartTLS))
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultSMTPTimeout
	}
	opts, err := clientOptions(cfg)
	if err != nil {
		return nil, err
	}
	client, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp: %w", err)
	}
	s := &SMTP{
		client: client,
		slots:  make(chan struct{}, max(cfg.MaxConnections, 1)),
		// Servers drop idle sessions after a few minutes: a connection idle
		// that long is replaced rather than tried.
		idleMax: 2 * cfg.Timeout,
	}
	if cfg.RatePerMinute > 0 {
		// Evenly spaced, without bursts: what a mailbox provider's limit expects.
		s.limiter = rate.NewLimiter(rate.Every(time.Minute/time.Duration(cfg.RatePerMinute)), 1)
	}
	return s, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// clientOptions maps the config onto go-mail options. go-mail's default TLS
// policy is mandatory STARTTLS, so every mode sets it explicitly.
func clientOptions(cfg SMTPConfig) ([]mail.Option, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	opts := []mail.Option{mail.WithTimeout(cfg.Timeout), mail.WithTLSConfig(tlsConfig)}
	port := cfg.Port
	switch cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		port = orDefault(port, 587)
	case TLSImplicit:
		opts = append(opts, mail.WithSSL(), mail.WithTLSPolicy(mail.TLSMandatory))
		port = orDefault(port, 465)
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		port = orDefault(port, 25)
	default:
		return nil, fmt.Errorf("notify: smtp: tls %q: want starttls, tls or none", cfg.TLS)
	}
	opts = append(opts, mail.WithPort(port))
	if cfg.HeloName != "" {
		opts = append(opts, mail.WithHELO(cfg.HeloName))
	}
	if cfg.Username != "" {
		opts = append(opts, mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
		if cfg.TLS == TLSNone {
			// Without TLS go-mail's auto-discovery refuses PLAIN and LOGIN; the
			// operator chose a plain relay, so allow them explicitly.
			opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc))
		} else {
			// The strongest mechanism the server offers; PLAIN or LOGIN at QQ and 163.
			opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover))
		}
	}
	return opts, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Send sends m with go-mail on a pooled connection, dialling one when none
// is idle. It waits for the rate limit and for a free connection as long
// as ctx allows. A pooled connection the server closed while idle fails
// go-mail's check before anything of the message is sent: it is replaced
// once, transparently.
func (s *SMTP) Send(ctx context.Context, m *mail.Msg) (string, error) {
	if s.limiter != nil {
		if err := s.limiter.Wait(ctx); err != nil {
			return "", fmt.Errorf("notify: smtp: rate limit: %w", err)
		}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("notify: smtp: wait for a connection: %w", ctx.Err())
	}
	defer func() { <-s.slots }()

	conn := s.takeIdle()
	reused := conn != nil
	for {
		if conn == nil {
			c, err := s.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				return "", fmt.Errorf("notify: smtp: connect: %w", err)
			}
			conn = &pooledConn{c: c}
		}
		err := s.client.SendWithSMTPClient(conn.c, m)
		if err == nil || fitForNext(err) {
			s.putIdle(conn)
		} else {
			s.discard(conn)
		}
		if err == nil || m.IsDelivered() {
			// The server took the message (what failed, if anything, came
			// after it); the reply to the message's end is a 250.
			return "250 " + m.ServerResponse(), nil
		}
		if reused && failedConnCheck(err) {
			conn, reused = nil, false
			continue
		}
		return "", fmt.Errorf("notify: smtp: %w", err)
	}
}

// fitForNext tells whether a session goes on after err: the server
// refused the sender or a recipient (go-mail has reset the transaction) or
// the message itself (its reply ends the transaction), without 421, which
// announces that it closes the session.
func fitForNext(err error) bool {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPDataClose:
		code := se.ErrorCode()
		return code >= 400 && code != 421
	}
	return false
}

// failedConnCheck tells whether go-mail found the connection dead before
// it started the message.
func failedConnCheck(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && se.Reason == mail.ErrConnCheck
}

func (s *SMTP) takeIdle() *pooledConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.idle) > 0 {
		last := len(s.idle) - 1
		conn := s.idle[last]
		s.idle = s.idle[:last]
		if time.Since(conn.lastUsed) <= s.idleMax {
			return conn
		}
		go s.quit(conn)
	}
	return nil
}

func (s *SMTP) putIdle(conn *pooledConn) {
	conn.lastUsed = time.Now()
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.idle = append(s.idle, conn)
	}
	s.mu.Unlock()
	if closed {
		s.quit(conn)
	}
}

// discard drops a connection after a failure: whatever state the session
// is in, the next message starts on a fresh one.
func (s *SMTP) discard(conn *pooledConn) { _ = conn.c.Close() }

// quit ends a healthy connection politely, then closes it.
func (s *SMTP) quit(conn *pooledConn) {
	if err := s.client.CloseWithSMTPClient(conn.c); err != nil {
		_ = conn.c.Close()
	}
}

// Close ends the idle connections; connections in use are ended when their
// message is done.
func (s *SMTP) Close() error {
	s.mu.Lock()
	idle := s.idle
	s.idle, s.closed = nil, true
	s.mu.Unlock()
	for _, conn := range idle {
		s.quit(conn)
	}
	return nil
}
