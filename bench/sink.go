package bench

import (
	"errors"
	"io"
	"log"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Sink is an SMTP server on loopback that accepts every message and keeps
// nothing but a count: the fastest server there is, so that what the
// delivery benchmark measures is the client.
type Sink struct {
	srv      *smtp.Server
	ln       net.Listener
	done     chan struct{}
	messages atomic.Int64
}

// StartSink listens on 127.0.0.1 on a free port.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{ln: ln, done: make(chan struct{})}
	srv := smtp.NewServer(sinkBackend{s})
	srv.Domain = "sink.local"
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.MaxMessageBytes = 10 << 20
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv = srv
	go func() {
		defer close(s.done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			log.Printf("sink: %v", err)
		}
	}()
	return s, nil
}

// Addr is "127.0.0.1:PORT".
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Port is the port the sink listens on.
func (s *Sink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Messages counts the messages accepted so far.
func (s *Sink) Messages() int64 { return s.messages.Load() }

// Close stops the sink and its connections.
func (s *Sink) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

type sinkBackend struct{ s *Sink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: b.s}, nil }

type sinkSession struct{ s *Sink }

func (*sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (*sinkSession) Reset()                               {}
func (*sinkSession) Logout() error                        { return nil }

func (ss *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.messages.Add(1)
	return nil
}
