package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"duban/config"
	"duban/ledger"
)

// readyTimeout bounds the database checks of /readyz, so that a probe
// gets an answer while the database hangs.
const readyTimeout = 2 * time.Second

// runHistory is how many recent runs of a job /readyz looks through for
// its last successful one.
const runHistory = 50

// healthz answers as long as the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	plain(w, http.StatusOK, "ok\n")
}

// readyz answers 200 when the database answers and every job has run
// successfully recently enough, else 503 with the reasons, one a line.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if reasons := s.notReady(ctx); len(reasons) > 0 {
		plain(w, http.StatusServiceUnavailable, "not ready:\n"+strings.Join(reasons, "\n")+"\n")
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

func (s *Server) notReady(ctx context.Context) []string {
	if err := s.st.Ping(ctx); err != nil {
		return []string{"database unreachable: " + err.Error()}
	}
	now := s.now()
	var reasons []string
	for _, job := range ledger.JobNames {
		spec, ok := s.cfg.Jobs[job]
		if !ok {
			continue
		}
		sched, err := config.ParseSchedule(spec.Schedule)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("job %s: %v", job, err))
			continue
		}
		lastOK, err := s.lastSuccess(ctx, job)
		if err != nil {
			return append(reasons, "database unreachable: "+err.Error())
		}
		if deadline, stale := staleAfter(sched, s.since(lastOK), now.In(s.cfg.Location)); stale {
			reasons = append(reasons, fmt.Sprintf("job %s: no successful run since %s (expected by %s)",
				job, s.fmtTime(s.since(lastOK)), s.fmtTime(deadline)))
		}
	}
	return reasons
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

// lastSuccess is the scheduled time of the job's latest ok run among its
// recent ones; zero when there is none.
func (s *Server) lastSuccess(ctx context.Context, job string) (time.Time, error) {
	runs, err := s.st.ListRuns(ctx, job, runHistory)
	if err != nil {
		return time.Time{}, err
	}
	for _, r := range runs {
		if r.Outcome == "ok" {
			return r.ScheduledFor, nil
		}
	}
	return time.Time{}, nil
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
