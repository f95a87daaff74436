package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"duban/config"
	"duban/ledger"
	"duban/store"
)

// readyTimeout bounds the database check of /readyz, so that a probe
// gets an answer while the database hangs.
const readyTimeout = 2 * time.Second

// healthz answers as long as the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	plain(w, http.StatusOK, "ok\n")
}

// readyz answers 200 when this replica can serve, that is when its
// database answers; else 503 with the reason. A stale job is no reason:
// every replica shares it, and taking them all out of a load balancer at
// once would hide the console that shows it (the overview and the metrics
// do).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.st.Ping(ctx); err != nil {
		plain(w, http.StatusServiceUnavailable, "not ready:\ndatabase unreachable: "+err.Error()+"\n")
		return
	}
	plain(w, http.StatusOK, "ready\n")
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// jobHealth is how punctual a job is: its last successful run, and whether
// it is overdue for the next.
type jobHealth struct {
	Job        string
	LastOK     store.Run // zero when it never succeeded
	Since      time.Time // when punctuality is measured from (see since)
	ExpectedBy time.Time // a successful run is due by then
	Stale      bool
}

// jobsHealth tells, for every configured job, whether it has run
// successfully within two of its intervals.
func (s *Server) jobsHealth(ctx context.Context) ([]jobHealth, error) {
	last, err := s.st.LastSuccesses(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().In(s.cfg.Location)
	var out []jobHealth
	for _, job := range ledger.JobNames {
		spec, ok := s.cfg.Jobs[job]
		if !ok {
			continue
		}
		sched, err := config.ParseSchedule(spec.Schedule)
		if err != nil {
			continue // Load refused it: a config built by hand
		}
		h := jobHealth{Job: job, LastOK: last[job]}
		h.Since = s.since(h.LastOK.ScheduledFor)
		h.ExpectedBy, h.Stale = staleAfter(sched, h.Since, now)
		out = append(out, h)
	}
	return out, nil
}

// since is when a job's punctuality is measured from: its last successful
// run, or the daemon's start when that is later (a daemon that was down
// gets its two intervals, and a fresh install with no runs too).
func (s *Server) since(lastOK time.Time) time.Time {
	if lastOK.After(s.started) {
		return lastOK.In(s.cfg.Location)
	}
	return s.started.In(s.cfg.Location)
}

// nexter is what staleAfter needs of a cron schedule.
type nexter interface{ Next(time.Time) time.Time }

// staleAfter reports whether a job last known good at since is overdue at
// now: more than twice its interval has passed. The interval is the
// longer of the two gaps between since and the next two ticks, so a
// weekday schedule is not stale over a weekend. It returns the deadline.
func staleAfter(sched nexter, since, now time.Time) (time.Time, bool) {
	t1 := sched.Next(since)
	if t1.IsZero() {
		return time.Time{}, false // never fires again: nothing to expect
	}
	t2 := sched.Next(t1)
	interval := t1.Sub(since)
	if !t2.IsZero() {
		interval = max(interval, t2.Sub(t1))
	}
	deadline := since.Add(2 * interval)
	return deadline, now.After(deadline)
}
