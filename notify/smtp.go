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
	Timeout        time.Duration // each dial and each message; 0 = 30s
	HeloName       string        // EHLO name; "" = the host name
	TLSConfig      *tls.Config   // nil = system roots for Host; tests trust their own CA here
	// NoPipelining sends one command at a time even to a server that
	// offers PIPELINING, for a relay that mishandles it.
	NoPipelining bool
}

// defaultSMTPTimeout bounds a dial and each message when the config says nothing.
const defaultSMTPTimeout = 30 * time.Second

// SMTP is the transport that sends over SMTP with go-mail. It keeps up to
// MaxConnections connections open and reuses them from message to message:
// a digest run of fifty messages is one or two SMTP sessions, not fifty
// logins, which is what QQ and 163 rate-limit.
type SMTP struct {
	client  *mail.Client // holds the settings; dials connections, never sends on its own one
	timeout time.Duration
	idleMax time.Duration // an idle connection older than this is closed, not reused
	limiter *rateLimiter
	slots   chan struct{} // one token per connection that may be in use
	// pipelining sends a message's commands together to servers that
	// offer PIPELINING.
	pipelining bool

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
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultSMTPTimeout
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = 1
	}
	opts, err := clientOptions(cfg)
	if err != nil {
		return nil, err
	}
	client, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp: %w", err)
	}
	return &SMTP{
		client:  client,
		timeout: cfg.Timeout,
		// Servers drop idle sessions after a few minutes: a connection idle
		// that long is replaced rather than tried.
		idleMax:    2 * cfg.Timeout,
		limiter:    newRateLimiter(cfg.RatePerMinute),
		slots:      make(chan struct{}, cfg.MaxConnections),
		pipelining: !cfg.NoPipelining,
	}, nil
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
	// Each message is MAIL, RCPT, DATA and nothing more. go-mail would add
	// a NOOP before it and a RSET and another NOOP after it: three more
	// round trips a message, 30-150 ms over the Internet to QQ or 163, and a
	// tenth of the CPU of a send over loopback. The transaction ends with
	// the reply to DATA (RFC 5321 4.1.1.4), and a pooled connection the
	// server closed while idle fails at MAIL, before anything of the
	// message is sent (see isStaleConn).
	opts := []mail.Option{mail.WithTimeout(cfg.Timeout), mail.WithTLSConfig(tlsConfig),
		mail.WithoutNoop(), mail.WithoutRset()}
	port := cfg.Port
	switch strings.ToLower(cfg.TLS) {
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
		if strings.EqualFold(cfg.TLS, TLSNone) {
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

// Send sends m over a pooled connection, dialling one when none is idle.
// It waits for the rate limit and for a free connection as long as ctx
// allows. An idle connection the server closed meanwhile is replaced once,
// transparently: nothing of the message was sent on it.
func (s *SMTP) Send(ctx context.Context, m *Message) (string, error) {
	if err := s.limiter.wait(ctx); err != nil {
		return "", fmt.Errorf("notify: smtp: rate limit: %w", err)
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("notify: smtp: wait for a connection: %w", ctx.Err())
	}
	defer func() { <-s.slots }()

	conn := s.takeIdle()
	for {
		reused := conn != nil
		if conn == nil {
			c, err := s.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				return "", fmt.Errorf("notify: smtp: connect: %w", err)
			}
			conn = &pooledConn{c: c}
		}
		reply, keep, err := s.sendOn(ctx, conn, m)
		if keep {
			conn.lastUsed = time.Now()
			s.putIdle(conn)
		} else {
			s.discard(conn)
		}
		if err != nil && reused && isStaleConn(err) {
			conn = nil // the server closed it while idle: dial afresh
			continue
		}
		return reply, err
	}
}

// sendOn sends m on conn and tells whether conn is fit for the next message.
func (s *SMTP) sendOn(ctx context.Context, conn *pooledConn, m *Message) (reply string, keep bool, err error) {
	// Cancelling ctx aborts the exchange by closing the connection; the
	// worker passes a context that shutdown does not cancel.
	stop := context.AfterFunc(ctx, func() { _ = conn.c.Close() })
	reply, keep, err = s.transact(conn, m)
	if !stop() {
		keep = false // closed under us
	}
	return reply, keep, err
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

// discard drops a broken connection without the QUIT it cannot carry.
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

// rateLimiter spaces messages evenly: one every minute/perMinute, shared by
// all connections, without bursts.
type rateLimiter struct {
	interval time.Duration // 0: no limit
	mu       sync.Mutex
	next     time.Time // the earliest moment the next message may go
}

func newRateLimiter(perMinute int) *rateLimiter {
	if perMinute <= 0 {
		return &rateLimiter{}
	}
	return &rateLimiter{interval: time.Minute / time.Duration(perMinute)}
}

// wait reserves the next free moment and waits for it. When ctx's deadline
// comes before that moment it gives up at once, without taking the moment.
func (l *rateLimiter) wait(ctx context.Context) error {
	if l.interval == 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	if deadline, ok := ctx.Deadline(); ok && deadline.Before(at) {
		l.mu.Unlock()
		return fmt.Errorf("next slot in %s: %w", at.Sub(now).Round(time.Millisecond), context.DeadlineExceeded)
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
