// Package smtptest runs an in-process SMTP server on loopback for tests
// that must talk real SMTP: STARTTLS, implicit TLS, AUTH PLAIN and LOGIN,
// and switches that make it answer 4xx or 5xx, drop the connection after
// the body, hold a message in flight, or go down and come back on the same
// port. Every switch may be flipped at any time from any goroutine.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted (or dropped after DATA).
type Message struct {
	Conn   int      // the connection it came on, numbered from 1 in accept order
	From   string   // envelope sender
	To     []string // envelope recipients
	Data   []byte   // the raw message as received
	Header mail.Header
	User   string // the authenticated user, "" without AUTH
	TLS    bool   // whether the connection was encrypted when the message came
}

// Subject returns the Subject header decoded from RFC 2047 encoded words.
func (m Message) Subject() string {
	return DecodeHeader(m.Header.Get("Subject"))
}

// MessageID returns the Message-ID header.
func (m Message) MessageID() string { return m.Header.Get("Message-Id") }

// TextBody returns the decoded text/plain part of a multipart message, or
// the decoded body of a plain one.
func (m Message) TextBody() (string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return "", fmt.Errorf("parse message: %w", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return "", fmt.Errorf("content type: %w", err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		return readDecoded(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return "", fmt.Errorf("no text/plain part: %w", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			// multipart.Reader already undoes quoted-printable.
			return readDecoded(p, p.Header.Get("Content-Transfer-Encoding"))
		}
	}
}

func readDecoded(r io.Reader, encoding string) (string, error) {
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	return string(b), err
}

// DecodeHeader decodes RFC 2047 encoded words; undecodable text is returned as is.
func DecodeHeader(v string) string {
	dec := new(mime.WordDecoder)
	s, err := dec.DecodeHeader(v)
	if err != nil {
		return v
	}
	return s
}

// Option configures a Server.
type Option func(*options)

type options struct {
	user, pass  string
	mechs       []string
	startTLS    bool
	implicitTLS bool
}

// WithAuth requires AUTH with this user and password before MAIL.
func WithAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithAuthMechanisms limits the advertised AUTH mechanisms (default PLAIN LOGIN).
func WithAuthMechanisms(mechs ...string) Option {
	return func(o *options) { o.mechs = mechs }
}

// WithSTARTTLS advertises STARTTLS with the server's self-signed certificate.
func WithSTARTTLS() Option {
	return func(o *options) { o.startTLS = true }
}

// WithImplicitTLS makes the listener speak TLS from the first byte (port 465 style).
func WithImplicitTLS() Option {
	return func(o *options) { o.implicitTLS = true }
}

// Server is an SMTP server on 127.0.0.1 with a fixed port for its lifetime.
type Server struct {
	opts      options
	pool      *x509.CertPool
	addr      string
	tlsConfig *tls.Config

	mu         sync.Mutex
	srv        *smtp.Server
	listener   net.Listener
	serveDone  chan struct{}
	conns      int
	messages   []Message
	dropped    []Message
	rejects    map[string]*smtp.SMTPError
	failLeft   int // messages still to fail at MAIL; <0: until TempFail(0, …)
	failErr    *smtp.SMTPError
	dropLeft   int // messages still to drop after DATA; <0: until DropAfterData(0)
	refuseLeft int // message bodies still to refuse; <0: until RefuseData(0, …)
	refuseErr  *smtp.SMTPError
	hold       chan struct{} // non-nil: DATA waits until it is closed
	holding    int           // messages waiting in DATA right now
	changed    chan struct{} // closed and replaced on every recorded event
}

// New starts a server on 127.0.0.1:0 and stops it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		addr:    "127.0.0.1:0",
		rejects: map[string]*smtp.SMTPError{},
		changed: make(chan struct{}),
	}
	for _, o := range opts {
		o(&s.opts)
	}
	if s.opts.user != "" && len(s.opts.mechs) == 0 {
		s.opts.mechs = []string{sasl.Plain, sasl.Login}
	}
	cert, pool, err := selfSignedCert()
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	s.pool = pool
	s.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if err := s.Start(); err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Addr is "127.0.0.1:PORT"; it stays the same across Stop and Start.
func (s *Server) Addr() string { return s.addr }

// Host is the server's host, 127.0.0.1.
func (s *Server) Host() string {
	h, _, _ := net.SplitHostPort(s.addr)
	return h
}

// Port is the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// ClientTLSConfig is a client configuration that trusts the server's
// certificate (valid for 127.0.0.1, ::1 and localhost).
func (s *Server) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.pool, MinVersion: tls.VersionTLS12}
}

// Start (re)opens the listener on the server's address; a no-op when running.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtptest: listen %s: %w", s.addr, err)
	}
	s.addr = ln.Addr().String()
	var l net.Listener = &countingListener{Listener: ln, s: s}
	if s.opts.implicitTLS {
		l = tls.NewListener(l, s.tlsConfig)
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "smtptest.local"
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = !s.opts.startTLS && !s.opts.implicitTLS
	if s.opts.startTLS {
		srv.TLSConfig = s.tlsConfig
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	s.srv, s.listener, s.serveDone = srv, l, done
	return nil
}

// Stop closes the listener and every open connection: the server is "down"
// until Start. Messages held in DATA are released first.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, l, done := s.srv, s.listener, s.serveDone
	s.srv, s.listener, s.serveDone = nil, nil, nil
	s.releaseLocked()
	s.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	// Serve registers its listener only once running: close it here too, or
	// a Stop right after Start would leave it accepting.
	_ = l.Close()
	<-done
}

// Close stops the server; New registers it with t.Cleanup.
func (s *Server) Close() { s.Stop() }

// RejectRcpt makes RCPT TO addr fail with code and text (e.g. 550); code 0
// accepts addr again.
func (s *Server) RejectRcpt(addr string, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(addr)
	if code == 0 {
		delete(s.rejects, key)
		return
	}
	s.rejects[key] = smtpError(code, text)
}

// TempFail answers MAIL FROM with code and text (e.g. 421, 451) for the next
// n messages; n < 0 keeps failing until TempFail(0, 0, "") turns it off.
func (s *Server) TempFail(n, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failErr = n, smtpError(code, text)
}

// DropAfterData closes the connection after receiving the body of the next n
// messages, before replying; n < 0 keeps dropping until DropAfterData(0).
func (s *Server) DropAfterData(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLeft = n
}

// RefuseData answers the next n message bodies with code and text once
// they are received, as a content filter does (554 spam, 452 over quota);
// n < 0 keeps refusing until RefuseData(0, 0, "").
func (s *Server) RefuseData(n, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseLeft, s.refuseErr = n, smtpError(code, text)
}

// Hold makes every message wait after its body was received, before the
// reply, until Release: a message in flight for as long as a test needs.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
}

// Release lets held messages through and stops holding.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked()
}

func (s *Server) releaseLocked() {
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// Holding counts messages waiting in DATA because of Hold.
func (s *Server) Holding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holding
}

// Sessions counts the connections accepted so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Messages returns the accepted messages in arrival order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Dropped returns the messages whose connection was dropped after DATA.
func (s *Server) Dropped() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.dropped...)
}

// MessagesTo returns the accepted messages with rcpt among their recipients.
func (s *Server) MessagesTo(rcpt string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, rcpt) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// WaitForMessages waits until at least n messages were accepted and returns
// them; it fails the test when timeout passes first.
func (s *Server) WaitForMessages(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	s.WaitUntil(t, timeout, fmt.Sprintf("%d messages", n), func() bool { return len(s.Messages()) >= n })
	return s.Messages()
}

// WaitUntil waits until cond holds, re-checking it whenever the server
// records something (a connection, a message, a held message); it fails the
// test when timeout passes first.
func (s *Server) WaitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("smtptest: timed out after %s waiting for %s (sessions %d, messages %d, dropped %d)",
				timeout, what, s.Sessions(), len(s.Messages()), len(s.Dropped()))
		}
	}
}

// notifyLocked wakes the waiters; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func smtpError(code int, text string) *smtp.SMTPError {
	class := code / 100
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{class, 0, 0}, Message: text}
}

// countingListener numbers accepted connections, so sessions and messages
// can be told apart by connection.
type countingListener struct {
	net.Listener
	s *Server
}

type countedConn struct {
	net.Conn
	id int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.mu.Lock()
	l.s.conns++
	id := l.s.conns
	l.s.notifyLocked()
	l.s.mu.Unlock()
	return &countedConn{Conn: c, id: id}, nil
}

// connID finds the number of the connection under a possible TLS layer.
func connID(c net.Conn) int {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if cc, ok := c.(*countedConn); ok {
		return cc.id
	}
	return 0
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &session{s: b.s, c: c, conn: connID(c.Conn()), tls: isTLS}, nil
}

// session is one SMTP session; STARTTLS starts a new one on the same connection.
type session struct {
	s    *Server
	c    *smtp.Conn
	conn int
	tls  bool
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string { return ss.s.opts.mechs }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != ss.s.opts.user || pass != ss.s.opts.pass {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft != 0 {
		if s.failLeft > 0 {
			s.failLeft--
		}
		return s.failErr
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s := ss.s
	s.mu.Lock()
	rej := s.rejects[strings.ToLower(to)]
	s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := Message{Conn: ss.conn, From: ss.from, To: append([]string(nil), ss.to...), Data: data, User: ss.user, TLS: ss.tls}
	if parsed, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		msg.Header = parsed.Header
	}
	if ss.dropNow() {
		s := ss.s
		s.mu.Lock()
		s.dropped = append(s.dropped, msg)
		s.notifyLocked()
		s.mu.Unlock()
		_ = ss.c.Conn().Close()
		return errors.New("smtptest: connection dropped after DATA")
	}
	ss.waitIfHeld()
	if err := ss.refusal(); err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	s.messages = append(s.messages, msg)
	s.notifyLocked()
	s.mu.Unlock()
	return nil
}

func (ss *session) dropNow() bool {
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropLeft == 0 {
		return false
	}
	if s.dropLeft > 0 {
		s.dropLeft--
	}
	return true
}

// refusal is the reply to this body when the server refuses it, else nil.
func (ss *session) refusal() error {
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuseLeft == 0 {
		return nil
	}
	if s.refuseLeft > 0 {
		s.refuseLeft--
	}
	return s.refuseErr
}

func (ss *session) waitIfHeld() {
	s := ss.s
	s.mu.Lock()
	hold := s.hold
	if hold == nil {
		s.mu.Unlock()
		return
	}
	s.holding++
	s.notifyLocked()
	s.mu.Unlock()
	<-hold
	s.mu.Lock()
	s.holding--
	s.notifyLocked()
	s.mu.Unlock()
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl does not provide.
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step = 1
		if len(response) == 0 {
			return []byte("Username:"), false, nil
		}
		fallthrough // an initial response carries the user name
	case 1:
		l.user = string(response)
		l.step = 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}
