package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var consoleURLLine = regexp.MustCompile(`admin console: (http://127\.0\.0\.1:[0-9]+/)`)

// startedConsole starts serve and returns the console URL it printed.
func startedConsole(t *testing.T, c *cli) (*serveProcess, string) {
	t.Helper()
	p := c.serve()
	p.log.WaitFor(t, "admin console: http://", 30*time.Second)
	m := consoleURLLine.FindStringSubmatch(p.log.String())
	if m == nil {
		t.Fatalf("serve printed no console URL:\n%s", p.log.String())
	}
	return p, m[1]
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// A newcomer's first run: serve on the example config imports the seed
// ledger, prints the console URL, and the console answers without a
// password on loopback, with a warning in the log.
func TestServeOpensConsoleOnLoopback(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+c0(t))
	c.env = append(c.env, "DUBAN_DATABASE__SEED_LEDGER=../../examples/ledger.csv", "DUBAN_MAIL__OUTBOX_DIR="+t.TempDir())
	p, url := startedConsole(t, c)
	// The warning follows the URL in the log.
	p.log.WaitFor(t, "admin console has no password", 30*time.Second)
	status, body := httpGet(t, url)
	if status != http.StatusOK || !strings.Contains(body, "总览") || !strings.Contains(body, "共 25 个") {
		t.Errorf("console %s: %d\n%s", url, status, body)
	}
	if status, _ := httpGet(t, url+"healthz"); status != http.StatusOK {
		t.Errorf("/healthz: %d", status)
	}
	if code := p.stop(); code != 0 {
		t.Errorf("serve exit %d after stop\n%s", code, p.log.String())
	}
	if _, err := http.Get(url + "healthz"); err == nil {
		t.Error("the console still answers after serve stopped")
	}
}

// c0 is a fresh SQLite path.
func c0(t *testing.T) string { return t.TempDir() + "/duban.db" }

func TestServeRefusesOpenConsoleOnNetwork(t *testing.T) {
	t.Parallel()
	c := exampleCLI(t, "sqlite:"+c0(t))
	for _, env := range [][]string{
		{"DUBAN_ADMIN__LISTEN=0.0.0.0:0"},
		{"DUBAN_ADMIN__LISTEN=:0"},
		{"DUBAN_ADMIN__LISTEN=127.0.0.1:0", "DUBAN_ADMIN__PASSWORD_HASH=not-a-bcrypt-hash"},
	} {
		cc := *c
		cc.env = append(append([]string(nil), c.env...), env...)
		r := cc.run("serve")
		if r.code != 2 {
			t.Errorf("serve with %v: exit %d, want 2\n%s", env, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "not-a-bcrypt-hash") {
			t.Errorf("the error shows the configured hash:\n%s", r.stderr)
		}
	}
}

// With a password, only the operations endpoints answer without a login,
// and /metrics counts what `duban logs` lists.
func TestServeConsoleWithPassword(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := exampleCLI(t, dbURL)
		c.env = append(c.env, "DUBAN_ADMIN_PASSWORD=s3cret-console", "DUBAN_MAIL__OUTBOX_DIR="+t.TempDir(),
			"DUBAN_JOBS__DEADLINES__CATCH_UP=0s", "DUBAN_JOBS__DUTIES__CATCH_UP=0s",
			"DUBAN_JOBS__FOLLOWUPS__CATCH_UP=0s", "DUBAN_JOBS__SUMMARY__CATCH_UP=0s")
		c.ok("import", "../../examples/ledger.csv")
		c.ok("run", "deadlines", "--as-of", "2026-11-25T09:00")
		p, url := startedConsole(t, c)
		defer p.stop()

		for _, path := range []string{"", "items", "dispatches", "dispatches/1", "duties", "jobs"} {
			status, body := httpGet(t, url+path)
			if status != http.StatusSeeOther || strings.Contains(body, "zgh.example.org") {
				t.Errorf("/%s without login: %d, want 303 and nothing of the ledger", path, status)
			}
		}
		for _, path := range []string{"healthz", "readyz", "metrics", "static/style.css"} {
			if status, body := httpGet(t, url+path); status != http.StatusOK {
				t.Errorf("/%s: %d\n%s", path, status, body)
			}
		}

		_, metrics := httpGet(t, url+"metrics")
		for _, state := range []string{"pending", "sending", "sent", "failed"} {
			var logs []dispatchJSON
			c.jsonOut(&logs, "logs", "--status", state, "--channel", "email")
			want := `duban_dispatches{channel="email",state="` + state + `"} ` + strconv.Itoa(len(logs)) + "\n"
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q (duban logs --status %s --channel email lists %d)", strings.TrimSpace(want), state, len(logs))
			}
		}
		var all []dispatchJSON
		c.jsonOut(&all, "logs")
		if len(all) == 0 {
			b, _ := json.Marshal(all)
			t.Fatalf("the deadlines run made no dispatches: %s", b)
		}
	})
}
