// Package heartbeat pings a URL after every successful job run, so that an
// external monitor (healthchecks.io, Uptime Kuma, a cron monitor) notices a
// daemon that stopped running its jobs. A ping never blocks a job: it runs
// in its own goroutine with a timeout, and a failure is only logged.
package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// DefaultTimeout bounds a ping when Pinger.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Pinger requests URL (GET) on Ping. The zero Client is http.DefaultClient's
// transport with Timeout applied per request.
type Pinger struct {
	URL     string
	Timeout time.Duration
	Client  *http.Client
	Logger  *slog.Logger

	wg sync.WaitGroup
}

// Ping requests the URL in the background and returns at once; job names
// the run that succeeded, for the log.
func (p *Pinger) Ping(job string) {
	p.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), p.timeout())
		defer cancel()
		start := time.Now()
		if err := p.request(ctx); err != nil {
			p.logger().Warn("heartbeat failed", "job", job, "url", redact(p.URL), "error", err)
			return
		}
		p.logger().Debug("heartbeat sent", "job", job, "url", redact(p.URL), "took", time.Since(start))
	})
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

func (p *Pinger) request(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
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
