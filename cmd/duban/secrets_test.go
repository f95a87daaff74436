package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"duban/internal/smtptest"
	"duban/store/storetest"
)

// Distinctive secrets, to be searched for in everything duban shows.
const (
	secretSMTP  = "smtp-Pw-7Qx9zz"
	secretAdmin = "admin-Pw-3Kd2zz"
	secretDB    = "db-Pw-8Lm4zz"
	secretWrong = "wrong-Pw-5Hn1zz"
)

// freePort returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Passwords never appear in check-config, errors, logs (the daemon's and
// the dispatch log), the console or the database tables an operator reads.
func TestSecretsStayHidden(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(storetest.URL(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), secretDB) // the test server trusts loopback
	dbURL := u.String()

	srv := smtptest.New(t, smtptest.WithAuth("dcs", secretSMTP))
	smtp := strings.Replace(smtpConfig(srv), "[mail.smtp]\n", "[mail.smtp]\nusername = \"dcs\"\n", 1)
	admin := freeAddr(t)
	c := newCLI(t, configWith("sqlite:unused.db", smtp))
	c.env = append(c.env, "DUBAN_DATABASE_URL="+dbURL, "DUBAN_SMTP_PASSWORD="+secretSMTP,
		"DUBAN_ADMIN_PASSWORD="+secretAdmin, "DUBAN_MAIL__TRANSPORT=smtp", "DUBAN_ADMIN__LISTEN="+admin)

	var seen strings.Builder
	record := func(what string, r result) result {
		fmt.Fprintf(&seen, "== %s (exit %d)\n%s\n%s\n", what, r.code, r.stdout, r.stderr)
		return r
	}
	if r := record("check-config", c.run("check-config")); r.code != 0 || !strings.Contains(r.stdout, "******") {
		t.Fatalf("check-config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := c.write("bad.csv", "编号,问题,责任部门,完成时限,整改状态\nY1,问题,综合科,2025-13-01,未完成\n")
	if r := record("import bad", c.run("import", bad)); r.code != 2 {
		t.Fatalf("import of a bad ledger: exit %d", r.code)
	}
	record("import", c.run("import", c.write("ledger.csv", testLedger)))
	if r := record("run", c.run("run", "deadlines", "--as-of", "2025-06-16T09:00")); r.code != 0 || len(srv.Messages()) == 0 {
		t.Fatalf("run: exit %d, %d messages\n%s", r.code, len(srv.Messages()), r.stderr)
	}

	// A wrong SMTP password: the failure is recorded, the password is not.
	wrong := *c
	wrong.env = append(append([]string(nil), c.env...), "DUBAN_SMTP_PASSWORD="+secretWrong)
	record("run, wrong smtp password", wrong.run("run", "deadlines", "--as-of", "2025-06-23T09:00"))

	// The daemon's log, and the console's pages when this build serves them.
	p := c.serve()
	p.log.WaitFor(t, "job scheduled", 30*time.Second)
	fmt.Fprintf(&seen, "== console\n%s\n", fetchConsole(t, admin))
	if code := p.stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, p.log)
	}
	fmt.Fprintf(&seen, "== serve log\n%s\n", p.log)

	for _, f := range []string{"table", "json", "csv"} {
		record("logs "+f, c.run("logs", "--format", f))
	}
	record("jobs", c.run("jobs"))

	// Errors that involve the secrets' settings.
	down := *c
	down.env = append(append([]string(nil), c.env...),
		"DUBAN_DATABASE_URL=postgres://duban:"+secretDB+"@"+freeAddr(t)+"/duban?sslmode=disable&connect_timeout=5")
	if r := record("database down", down.run("logs")); r.code != 1 {
		t.Errorf("logs with the database down: exit %d", r.code)
	}
	badURL := *c
	badURL.env = append(append([]string(nil), c.env...), "DUBAN_DATABASE_URL=postgres://duban:"+secretDB+"@db:port/duban")
	if r := record("bad database url", badURL.run("check-config")); r.code != 2 {
		t.Errorf("check-config with a bad database URL: exit %d", r.code)
	}
	badKey := *c
	badKey.env = append(append([]string(nil), c.env...), "DUBAN_ADMIN__PASSWORD_HASH="+secretAdmin)
	record("password hash", badKey.run("check-config"))

	// What the database keeps.
	fmt.Fprintf(&seen, "== tables\n%s\n", dumpTables(t, dbURL, "dispatches", "job_runs", "reminders", "item_events"))

	all := seen.String()
	for _, secret := range []string{secretSMTP, secretAdmin, secretDB, secretWrong} {
		if i := strings.Index(all, secret); i >= 0 {
			lo, hi := max(i-300, 0), min(i+100, len(all))
			t.Errorf("secret %q shown:\n…%s…", secret, all[lo:hi])
		}
	}
	// The wrong password did fail, so that its error path was taken.
	if !strings.Contains(all, "535") {
		t.Errorf("the run with the wrong SMTP password did not record the server's refusal")
	}
}

// fetchConsole gets the console's public pages and a failed login; "" when
// the daemon serves no console in this build.
func fetchConsole(t *testing.T, addr string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	var b strings.Builder
	get := func(req *http.Request) {
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintf(&b, "%s %s: %v\n", req.Method, req.URL.Path, err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(&b, "%s %s: %s\n%s\n%s\n", req.Method, req.URL.Path, resp.Status, resp.Header, body)
	}
	if _, err := client.Get("http://" + addr + "/healthz"); err != nil {
		t.Logf("no console on %s in this build: %v", addr, err)
		return ""
	}
	for _, path := range []string{"/", "/login", "/healthz", "/readyz", "/metrics", "/dispatches", "/jobs", "/items"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://"+addr+path, nil)
		get(req)
	}
	form := url.Values{"password": {secretWrong}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+addr+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	get(req)
	return b.String()
}

// dumpTables returns every row of the tables as JSON text.
func dumpTables(t *testing.T, dbURL string, tables ...string) string {
	t.Helper()
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, table := range tables {
		// The names are this test's constants.
		rows, err := db.Query("SELECT row_to_json(x)::text FROM " + table + " x")
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}
