package heartbeat

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log destination safe for the ping goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newPinger(url string, timeout time.Duration) (*Pinger, *syncBuffer) {
	logs := &syncBuffer{}
	return &Pinger{URL: url, Timeout: timeout,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, logs
}

func TestPingRequestsTheURL(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
	}))
	defer srv.Close()
	p, logs := newPinger(srv.URL+"/ping/abc?rid=1", time.Second)
	p.Ping("deadlines")
	r := <-got
	if r.Method != http.MethodGet || r.URL.Path != "/ping/abc" || r.UserAgent() != "duban heartbeat" {
		t.Errorf("request %s %s (agent %q)", r.Method, r.URL, r.UserAgent())
	}
	p.Wait(context.Background())
	if !strings.Contains(logs.String(), "heartbeat sent") {
		t.Errorf("log lacks the ping:\n%s", logs)
	}
}

func TestFailedPingIsLogged(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	p, logs := newPinger("http://monitor:hb-token@"+strings.TrimPrefix(srv.URL, "http://")+"/x", time.Second)
	p.Ping("duties")
	p.Wait(context.Background())
	out := logs.String()
	if !strings.Contains(out, "heartbeat failed") || !strings.Contains(out, "410 Gone") {
		t.Errorf("log lacks the failure:\n%s", out)
	}
	if strings.Contains(out, "hb-token") {
		t.Errorf("log shows the URL's password:\n%s", out)
	}
}

// A monitor that never answers must neither hold the caller up nor keep a
// goroutine past the timeout.
func TestHangingMonitorDoesNotBlock(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	p, logs := newPinger(srv.URL, 200*time.Millisecond)
	returned := make(chan struct{})
	go func() {
		p.Ping("summary")
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("Ping blocked on a hanging monitor")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.Wait(ctx)
	if ctx.Err() != nil {
		t.Fatal("the ping outlived its timeout")
	}
	if !strings.Contains(logs.String(), "context deadline exceeded") {
		t.Errorf("log lacks the timeout:\n%s", logs)
	}
}

func TestUnreachableMonitorIsLogged(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	p, logs := newPinger(url, time.Second)
	p.Ping("followups")
	p.Wait(context.Background())
	if !strings.Contains(logs.String(), "heartbeat failed") || !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("log lacks the failure:\n%s", logs)
	}
}

// A failure goes to URL + "/fail" (Healthchecks' convention), the query
// kept; the pings arrive in the order they were asked for, so that the
// monitor ends on the latest news.
func TestFailAndOrder(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.URL.Path+"?"+r.URL.RawQuery)
	}))
	defer srv.Close()
	p, logs := newPinger(srv.URL+"/ping/abc/?rid=1", time.Second)
	p.Fail("delivery")
	p.Ping("deadlines")
	p.Fail("summary")
	p.Wait(context.Background())
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/ping/abc/fail?rid=1", "/ping/abc/?rid=1", "/ping/abc/fail?rid=1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("requests %q, want %q", got, want)
	}
	if !strings.Contains(logs.String(), "about=delivery fail=true") {
		t.Errorf("log lacks the failure report:\n%s", logs)
	}
}
