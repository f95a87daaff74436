package faulttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// readyz asks a daemon's /readyz; reachable is false when nothing answers
// (a build without the console's HTTP server).
func readyz(d *daemon) (status int, body string, reachable bool) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + d.admin + "/readyz")
	if err != nil {
		return 0, err.Error(), false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), true
}

// PostgreSQL restarted while the daemon runs: the daemon stays up, reports
// the outage (log, /readyz), and once the database is back the next tick
// succeeds and nothing is lost.
func TestPostgresRestart(t *testing.T) {
	pg := startPrivatePostgres(t)
	const units = 20
	r := newRig(t, rigOptions{units: units, dbURL: pg.url})
	d := r.serve("daemon")
	waitStarted(t, d)
	deadline := today().AddDate(0, 0, 3)
	items := r.importBatch("P1", 1, deadline)
	r.waitReminders(len(items), time.Minute)

	// /readyz, when this build serves it, must say ready before the outage.
	_, _, hasReadyz := readyz(d)
	if hasReadyz {
		eventually(t, 30*time.Second, "/readyz 200 before the outage", func() bool {
			status, _, _ := readyz(d)
			return status == http.StatusOK
		})
	}

	pg.stop()
	stoppedAt := time.Now()
	// Down for a few ticks: each one fails and is logged, the daemon stays.
	eventually(t, 30*time.Second, "three failed ticks in the log", func() bool {
		return strings.Count(d.log.String(), "job run failed") >= 3
	})
	if hasReadyz {
		eventually(t, 30*time.Second, "/readyz 503 naming the database", func() bool {
			status, body, _ := readyz(d)
			return status == http.StatusServiceUnavailable && strings.Contains(body, "database unreachable")
		})
	}
	if !d.running() {
		t.Fatalf("the daemon exited while PostgreSQL was down: %v", d.err)
	}
	pg.start()
	outage := time.Since(stoppedAt)
	restartedAt := time.Now()

	items = append(items, r.importBatch("P2", 1, deadline)...)
	r.waitReminders(len(items), time.Minute)
	if hasReadyz {
		eventually(t, 30*time.Second, "/readyz 200 after the restart", func() bool {
			status, _, _ := readyz(d)
			return status == http.StatusOK
		})
	}
	okAfter := r.count(`SELECT COUNT(*) FROM job_runs WHERE job = 'deadlines' AND outcome = 'ok' AND started_at > $1`, restartedAt)
	if okAfter == 0 {
		t.Errorf("no successful deadline run after the restart")
	}
	if !d.running() {
		t.Fatalf("the daemon exited: %v", d.err)
	}
	d.stop(t)

	x := r.tally()
	r.checkItems(items, "remind-3d")
	if x.lost != 0 || x.duplicates != 0 || x.sent != x.dispatches {
		t.Errorf("want every dispatch sent once: %s", x)
	}
	failedLogged := strings.Count(d.log.String(), "job run failed")
	readyzNote := "readyz=checked"
	if !hasReadyz {
		readyzNote = "readyz=absent(log checked)"
		t.Log("this build serves no /readyz; the outage was checked in the daemon's log")
	}
	report(t, "postgres-restart", x, fmt.Sprintf("outage=%s failed_ticks_logged=%d ok_runs_after=%d %s",
		outage.Round(100*time.Millisecond), failedLogged, okAfter, readyzNote))
}

// The SMTP server down for several retry intervals, then up: every message
// is delivered once, the attempts and replies are in the dispatch log, and
// an address the server rejects with 5xx fails alone.
func TestSMTPDownThenUp(t *testing.T) {
	const units, rejected = 20, 7
	r := newRig(t, rigOptions{units: units, env: []string{"DUBAN_MAIL__RETRY_BASE=1s"}})
	r.srv.RejectRcpt(unitMailbox(rejected), 550, "5.1.1 mailbox unavailable")
	r.srv.Stop()
	downAt := time.Now()
	d := r.serve("daemon")
	waitStarted(t, d)
	items := r.importBatch("S", 1, today().AddDate(0, 0, 3))

	const downAttempts = 3
	eventually(t, time.Minute, fmt.Sprintf("every dispatch tried %d times", downAttempts), func() bool {
		var n, least int
		err := r.db.QueryRow(`SELECT COUNT(*), COALESCE(MIN(attempts), 0) FROM dispatches WHERE state = 'pending'`).Scan(&n, &least)
		return err == nil && n == units && least >= downAttempts
	})
	if err := r.srv.Start(); err != nil {
		t.Fatal(err)
	}
	down := time.Since(downAt)
	r.waitSettled(units, time.Minute)
	d.stop(t)

	x := r.tally()
	if x.lost != 0 || x.duplicates != 0 || x.sent != units-1 || x.failed != 1 || x.received != units-1 {
		t.Errorf("want %d sent once and 1 failed: %s", units-1, x)
	}
	var delivered []item
	for _, it := range items {
		if it.mailbox != unitMailbox(rejected) {
			delivered = append(delivered, it)
		}
	}
	r.checkItems(delivered, "remind-3d")

	// The dispatch log, as an operator reads it.
	var logs []struct {
		To        string `json:"to"`
		Status    string `json:"status"`
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
		SMTPReply string `json:"smtp_reply"`
	}
	if err := json.Unmarshal([]byte(r.mustCLI("logs", "--format", "json")), &logs); err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		switch {
		case l.Attempts < downAttempts+1 && l.To != unitMailbox(rejected):
			t.Errorf("%s: %d attempts logged, want more than %d", l.To, l.Attempts, downAttempts)
		case l.LastError == "":
			t.Errorf("%s: no last error in the log: %+v", l.To, l)
		case l.To == unitMailbox(rejected) && (l.Status != "failed" || !strings.HasPrefix(l.SMTPReply, "550")):
			t.Errorf("rejected address: %+v, want failed with the 550 reply", l)
		case l.To != unitMailbox(rejected) && (l.Status != "sent" || !strings.HasPrefix(l.SMTPReply, "250")):
			t.Errorf("%s: %+v, want sent with a 250 reply", l.To, l)
		}
	}
	out := d.log.String()
	retries := strings.Count(out, "dispatch will be retried")
	for _, want := range []string{"dispatch will be retried", "connection refused", "dispatch failed", "550"} {
		if !strings.Contains(out, want) {
			t.Errorf("daemon log lacks %q", want)
		}
	}
	report(t, "smtp-down", x, fmt.Sprintf("down_for=%s retries_logged=%d rejected_5xx=1",
		down.Round(100*time.Millisecond), retries))
}
