package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"duban/internal/smtptest"
)

// A second daemon on one SQLite file is refused (exit 1, with the first
// one's pid); the CLI keeps working beside the daemon; once the first
// daemon is gone, even killed, the lock is free again.
func TestSecondDaemonOnSQLiteIsRefused(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "duban.db")
	c := sqliteCLI(t, db, "")
	first := c.serve()
	first.log.WaitFor(t, "job scheduled", 30*time.Second)

	r := c.run("serve")
	want := fmt.Sprintf("duban: another duban serve (pid %d) is already running on the SQLite database %s (lock %s.lock): "+
		"SQLite allows one daemon; stop it first, or use PostgreSQL to run several replicas\n", os.Getpid(), db, db)
	if r.code != 1 || !strings.HasSuffix(r.stderr, want) {
		t.Fatalf("second serve: exit %d, stderr:\n%s\nwant exit 1 ending with:\n%s", r.code, r.stderr, want)
	}
	c.ok("logs")
	c.ok("items")

	if code := first.stop(); code != 0 {
		t.Fatalf("first serve exited %d:\n%s", code, first.log)
	}
	second := c.serve()
	second.log.WaitFor(t, "job scheduled", 30*time.Second)
	second.stop()
}

// sqliteCLI is the test organisation on an SQLite file, its outbox in the
// test's directory.
func sqliteCLI(t *testing.T, db, extra string) *cli {
	t.Helper()
	c := newCLI(t, configWith("sqlite:"+db, extra))
	c.env = append(c.env, "DUBAN_MAIL__OUTBOX_DIR="+filepath.Join(c.dir, "outbox"))
	return c
}

// heartbeatServer counts the pings it gets on a channel.
func heartbeatServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, chan string) {
	t.Helper()
	pings := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pings <- r.Method + " " + r.URL.Path
		if handler != nil {
			handler(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, pings
}

func TestHeartbeatAfterSuccessfulRun(t *testing.T) {
	t.Parallel()
	srv, pings := heartbeatServer(t, nil)
	c := sqliteCLI(t, filepath.Join(t.TempDir(), "duban.db"), "\n[heartbeat]\nurl = \""+srv.URL+"/ping/abc\"\n")
	c.ok("import", c.write("ledger.csv", testLedger))
	c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00")
	select {
	case got := <-pings:
		if got != "GET /ping/abc" {
			t.Errorf("heartbeat request %q, want GET /ping/abc", got)
		}
	default:
		t.Fatal("duban run exited without pinging the heartbeat URL")
	}
	// A run that did not happen (already ran) pings nothing.
	c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00")
	if len(pings) != 0 {
		t.Errorf("a run that was not performed pinged the heartbeat")
	}
}

// A heartbeat server that fails or hangs delays and fails no job.
func TestFailingHeartbeatNeverBlocksJobs(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	srv, pings := heartbeatServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	c := sqliteCLI(t, filepath.Join(t.TempDir(), "duban.db"), "\n[heartbeat]\nurl = \""+srv.URL+"/hang\"\ntimeout = \"300ms\"\n")
	c.env = append(c.env, "DUBAN_POLICY__WORKDAYS_ONLY=false")

	start := time.Now()
	r := c.run("run", "deadlines", "--as-of", "2025-06-16T09:00")
	if r.code != 0 || !strings.Contains(r.stderr, "heartbeat failed") || !strings.Contains(r.stderr, "context deadline exceeded") {
		t.Fatalf("run with a hanging heartbeat: exit %d\n%s", r.code, r.stderr)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("run took %s with a hanging heartbeat", took)
	}

	// The daemon's ticks go on while every ping hangs until its timeout.
	c.env = append(c.env, "DUBAN_JOBS__DEADLINES__SCHEDULE=@every 1s", "DUBAN_JOBS__DEADLINES__CATCH_UP=0s")
	p := c.serve()
	p.log.WaitFor(t, "job scheduled", 30*time.Second)
	deadline := time.After(30 * time.Second)
	for strings.Count(p.log.String(), `msg="job run finished" job=deadlines`) < 3 || strings.Count(p.log.String(), "heartbeat failed") < 2 {
		select {
		case <-pings:
		case <-deadline:
			t.Fatalf("the daemon's runs stalled behind a hanging heartbeat:\n%s", p.log)
		}
	}
	if code := p.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, p.log)
	}
}

// The SMTP password can come from password_file: AUTH succeeds with it.
func TestSMTPPasswordFromFile(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t, smtptest.WithAuth("dcs", "file-Pw-4Tz8"))
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "smtp.password")
	if err := os.WriteFile(pwFile, []byte("file-Pw-4Tz8\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	smtp := strings.Replace(smtpConfig(srv), "[mail.smtp]\n",
		fmt.Sprintf("[mail.smtp]\nusername = \"dcs\"\npassword_file = %q\n", pwFile), 1)
	c := newCLI(t, configWith("sqlite:"+filepath.Join(dir, "duban.db"), smtp))
	c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
	c.ok("import", c.write("ledger.csv", testLedger))
	out := c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00")
	if !strings.Contains(out, "failed 0") {
		t.Fatalf("run: %s", out)
	}
	msgs := srv.Messages()
	if len(msgs) == 0 {
		t.Fatal("nothing delivered")
	}
	for _, m := range msgs {
		if m.User != "dcs" {
			t.Errorf("message to %q came without AUTH as dcs (user %q)", m.To, m.User)
		}
	}
}

// A config file others may read is used, with a warning, when it holds a
// secret; the secret itself is not in the warning.
func TestWarnsAboutReadableSecrets(t *testing.T) {
	t.Parallel()
	c := sqliteCLI(t, filepath.Join(t.TempDir(), "duban.db"), "\n[admin]\npassword = \"cfg-Pw-6Rv2\"\n")
	if err := os.Chmod(c.config, 0o644); err != nil {
		t.Fatal(err)
	}
	r := c.run("check-config")
	if r.code != 0 || !strings.Contains(r.stderr, "level=WARN") ||
		!strings.Contains(r.stderr, "is readable by group or others (mode 0644) and holds secrets (admin.password)") {
		t.Fatalf("check-config: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, "cfg-Pw-6Rv2") {
		t.Fatalf("the password is shown:\n%s%s", r.stdout, r.stderr)
	}
	if err := os.Chmod(c.config, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := c.run("check-config"); r.code != 0 || strings.Contains(r.stderr, "WARN") {
		t.Fatalf("check-config of a private file: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
