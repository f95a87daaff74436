package bench

import (
	"bufio"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// envSink makes this test binary the SMTP sink instead of running tests.
const envSink = "DUBAN_BENCH_SINK"

// serveSink runs an SMTP server on loopback that accepts every message and
// keeps nothing: the fastest server there is, so that what the delivery
// case measures is the client. It prints its port, then serves until its
// standard input is closed.
func serveSink() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := smtp.NewServer(sinkBackend{})
	srv.Domain = "sink.local"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(ln) }()
	os.Stdout.WriteString(strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "\n")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it, or dies
	srv.Close()
}

type sinkBackend struct{}

func (sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession{}, nil }

type sinkSession struct{}

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }
func (sinkSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// startSink runs the sink as a process of its own, as a real server would
// be: it shares neither the Go scheduler nor the collector with the client
// under test. It returns the sink's port; the sink stops with the benchmark.
func startSink(b *testing.B) int {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envSink+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("smtp sink: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		b.Fatalf("smtp sink said %q", line)
	}
	return port
}
