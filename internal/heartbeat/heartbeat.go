// Package heartbeat pings a URL after every successful job run, so that an
// external monitor (healthchecks.io, Uptime Kuma, a cron monitor) notices a
// daemon that stopped running its jobs, and the URL + "/fail" after a run
// or a delivery that failed (Healthchecks' convention), so that failures
// are loud. A ping never blocks a job: the pings go out in the background,
// one after the other in the order they were asked for (a success after a
// failure means the later news), each with a timeout; a failed ping is only
// logged.
package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds a ping when Pinger.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Pinger requests URL (GET) on Ping, URL/fail on Fail. The zero Client is
// http.DefaultClient's transport with Timeout applied per request.
type Pinger struct {
	URL     string
	Timeout time.Duration
	Client  *http.Client
	Logger  *slog.Logger

	wg      sync.WaitGroup
	mu      sync.Mutex
	queue   []ping
	sending bool // a goroutine is sending the queue
}

// ping is one request waiting to go: what it reports on, and whether it
// reports a failure.
type ping struct {
	what string
	fail bool
}

// maxQueued bounds the pings waiting behind a monitor that hangs: beyond
// it a ping is dropped (and logged) rather than held in memory.
const maxQueued = 16

// Ping requests the URL in the background and returns at once; job names
// the run that succeeded, for the log.
func (p *Pinger) Ping(job string) { p.enqueue(ping{what: job}) }

// Fail requests the URL + "/fail" in the background and returns at once:
// what names what failed (a job, the delivery), for the log.
func (p *Pinger) Fail(what string) { p.enqueue(ping{what: what, fail: true}) }

func (p *Pinger) enqueue(pg ping) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.queue) >= maxQueued {
		p.logger().Warn("heartbeat dropped: the monitor is not answering", "about", pg.what, "fail", pg.fail)
		return
	}
	p.queue = append(p.queue, pg)
	p.wg.Add(1)
	if !p.sending {
		p.sending = true
		go p.drain()
	}
}

// drain sends the queued pings in order until none is left.
func (p *Pinger) drain() {
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.sending = false
			p.mu.Unlock()
			return
		}
		pg := p.queue[0]
		p.queue = p.queue[1:]
		p.mu.Unlock()
		p.send(pg)
		p.wg.Done()
	}
}

func (p *Pinger) send(pg ping) {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout())
	defer cancel()
	target := p.URL
	if pg.fail {
		target = failURL(p.URL)
	}
	start := time.Now()
	if err := p.request(ctx, target); err != nil {
		p.logger().Warn("heartbeat failed", "about", pg.what, "fail", pg.fail, "url", redact(target), "error", err)
		return
	}
	p.logger().Debug("heartbeat sent", "about", pg.what, "fail", pg.fail, "url", redact(target), "took", time.Since(start))
}

// failURL is the URL that reports a failure: the path + "/fail", the query
// kept, as Healthchecks (and monitors that copy it) expect.
func failURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // request reports the bad URL
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/fail"
	u.RawPath = ""
	return u.String()
}

// Wait blocks until the pings in flight are done (each is bounded by the
// timeout) or ctx ends: a command that exits after one run lets its ping
// finish first.
func (p *Pinger) Wait(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (p *Pinger) request(ctx context.Context, target string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("heartbeat: build request: %w", cause(err))
	}
	req.Header.Set("User-Agent", "duban heartbeat")
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// url.Error repeats the URL, which may carry a token: keep the cause.
		return fmt.Errorf("heartbeat: %w", cause(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("heartbeat: HTTP status %s", resp.Status)
	}
	return nil
}

func (p *Pinger) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

func (p *Pinger) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact keeps the scheme, host and path of u: user info and query may hold
// credentials.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}
