package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"duban/internal/smtptest"
	"duban/internal/testlog"
	"duban/store/storetest"
)

// dialects runs fn once per database, each with a fresh database URL.
func dialects(t *testing.T, fn func(t *testing.T, dbURL string)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.URL(t, d))
		})
	}
}

// cli runs the duban command line in-process, as a user would from a shell
// in dir, with the given config file.
type cli struct {
	t      *testing.T
	dir    string
	config string
	env    []string
}

func newCLI(t *testing.T, configText string) *cli {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "duban.toml")
	if err := os.WriteFile(path, []byte(configText), 0o600); err != nil {
		t.Fatal(err)
	}
	// The console listens on a port of its own for each serve, so that
	// tests running serve in parallel do not fight over 127.0.0.1:8080; a
	// test may set its own (later variables win).
	return &cli{t: t, dir: dir, config: path, env: []string{"USER=tester", "DUBAN_ADMIN__LISTEN=127.0.0.1:0"}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"--config", c.config}, args...), &out, &errOut, c.env)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// ok runs args and fails the test unless they exit 0.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("duban %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (c *cli) jsonOut(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--format", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("duban %s: bad JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (c *cli) write(name, content string) string {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// testOrg is an organisation this project has never seen elsewhere: three
// units (one with two mailboxes), two leaders and one supervisor.
const testOrg = `
timezone = "Asia/Shanghai"
supervisors = ["sup@jw.example.net"]

[mail]
from = "督查室 <dcs@jw.example.net>"
max_attempts = 3

[[rounds]]
code = "r1"
name = "省委巡视反馈意见整改"

[[leaders]]
code = "l1"
name = "甲领导"
email = "l1@jw.example.net"

[[leaders]]
code = "l2"
name = "乙领导"
email = "l2@jw.example.net"

[[units]]
code = "ua"
name = "综合科"
emails = ["a@jw.example.net"]
leader = "l1"

[[units]]
code = "ub"
name = "规划科"
emails = ["b1@jw.example.net", "b2@jw.example.net"]
leader = "l2"

[[units]]
code = "uc"
name = "监督科"
emails = ["c@jw.example.net"]
leader = "l1"
`

func configWith(dbURL, extra string) string {
	return testOrg + fmt.Sprintf("\n[database]\nurl = %q\n", dbURL) + extra
}

func smtpConfig(srv *smtptest.Server) string {
	return fmt.Sprintf("\n[mail.smtp]\nhost = %q\nport = %d\ntls = \"none\"\nmax_connections = 2\ntimeout = \"5s\"\n",
		srv.Host(), srv.Port())
}

// textBody returns the decoded text/plain part of a received message.
func textBody(t *testing.T, m smtptest.Message) string {
	t.Helper()
	body, err := m.TextBody()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// serveProcess is `duban serve` running in-process until stopped.
type serveProcess struct {
	log    *testlog.Buffer
	cancel context.CancelFunc
	done   chan int
}

func (c *cli) serve() *serveProcess {
	ctx, cancel := context.WithCancel(context.Background())
	p := &serveProcess{log: testlog.New(), cancel: cancel, done: make(chan int, 1)}
	go func() {
		p.done <- run(ctx, []string{"--config", c.config, "serve"}, p.log, p.log, c.env)
	}()
	c.t.Cleanup(func() { p.stop() })
	return p
}

// stop sends the equivalent of SIGTERM and waits for the exit code.
func (p *serveProcess) stop() int {
	p.cancel()
	code, ok := <-p.done
	if ok {
		close(p.done)
	}
	return code
}
