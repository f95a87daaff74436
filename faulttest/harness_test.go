package faulttest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai on hosts without zoneinfo

	_ "github.com/lib/pq"

	"duban/internal/smtptest"
	"duban/internal/testlog"
	"duban/store/storetest"
)

// The duban binary is built once per test run, into a directory TestMain
// removes at the end.
var (
	binDir    string
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "duban-faulttest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// dubanBinary builds cmd/duban on first use and returns its path.
func dubanBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(binDir, "duban")
		cmd := exec.Command("go", "build", "-o", binPath, "duban/cmd/duban")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// shanghai is the zone of the test organisation's config: its "today"
// decides the reminder stages.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// today is the calendar day in Shanghai, as the daemons see it.
func today() time.Time {
	y, m, d := time.Now().In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shanghai)
}

// rigOptions shape a test organisation.
type rigOptions struct {
	units int    // units u001…, each with its own mailbox
	dbURL string // "" = a fresh schema of DUBAN_TEST_DATABASE_URL
	// readURL is where the test itself reads the database; "" = dbURL.
	readURL string
	config  string   // appended to the generated config
	env     []string // DUBAN_… settings for every command and daemon
	smtp    []smtptest.Option
}

// rig is one test organisation: a config file, a database, an SMTP server
// and the duban processes started on them.
type rig struct {
	t      *testing.T
	dir    string
	config string
	dbURL  string
	db     *sql.DB
	srv    *smtptest.Server
	env    []string
	units  int

	mu      sync.Mutex
	daemons []*daemon
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	if o.dbURL == "" {
		o.dbURL = storetest.URL(t, "postgres") // skips without a test database
	}
	dubanBinary(t) // build before the clock of any scenario starts
	r := &rig{t: t, dir: t.TempDir(), dbURL: o.dbURL, srv: smtptest.New(t, o.smtp...), units: o.units}
	r.config = filepath.Join(r.dir, "duban.toml")
	if err := os.WriteFile(r.config, []byte(orgConfig(o.units, o.dbURL, r.srv)+o.config), 0o600); err != nil {
		t.Fatal(err)
	}
	if o.readURL == "" {
		o.readURL = o.dbURL
	}
	db, err := sql.Open("postgres", o.readURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r.db = db
	r.env = append(processEnv(), o.env...)
	t.Cleanup(r.cleanup)
	return r
}

// processEnv is this process's environment without DUBAN_ variables, so
// that a developer's settings do not leak into the daemons.
func processEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DUBAN_") {
			env = append(env, kv)
		}
	}
	return env
}

// orgConfig is an organisation of n units with one mailbox each, one
// leader and one supervisor, sending through srv. The deadline job runs
// every two seconds on every day (workdays_only off); the other jobs never
// catch up, so that the tests see the deadline job alone.
func orgConfig(n int, dbURL string, srv *smtptest.Server) string {
	var b strings.Builder
	fmt.Fprintf(&b, `timezone = "Asia/Shanghai"
supervisors = ["sup@fault.example.net"]

[database]
url = %q

[mail]
transport = "smtp"
from = "督办 <duban@fault.example.net>"
max_attempts = 10

[mail.smtp]
host = %q
port = %d
tls = "none"
max_connections = 2
timeout = "10s"

[policy]
workdays_only = false

[log]
level = "info"

[jobs.deadlines]
schedule = "@every 2s"
catch_up = "1m"

[jobs.duties]
catch_up = "0s"

[jobs.followups]
catch_up = "0s"

[jobs.summary]
catch_up = "0s"

[[rounds]]
code = "r1"
name = "故障演练整改"

[[leaders]]
code = "l1"
name = "甲领导"
email = "l1@fault.example.net"
`, dbURL, srv.Host(), srv.Port())
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "\n[[units]]\ncode = %q\nname = \"单位%03d\"\nemails = [%q]\nleader = \"l1\"\n",
			unitCode(i), i, unitMailbox(i))
	}
	return b.String()
}

func unitCode(i int) string    { return fmt.Sprintf("u%03d", i) }
func unitMailbox(i int) string { return fmt.Sprintf("u%03d@fault.example.net", i) }

// item is a row of a generated ledger and the reminder it must produce.
type item struct {
	no, unit, mailbox string
	deadline          time.Time
}

// ledgerBatch generates perUnit items for each unit, numbered batch-UUU-K,
// all due on deadline, writes them as a CSV and imports it.
func (r *rig) importBatch(batch string, perUnit int, deadline time.Time) []item {
	r.t.Helper()
	var b strings.Builder
	b.WriteString("编号,问题,整改措施,责任领导,责任部门,完成时限,整改状态\n")
	var items []item
	for u := 1; u <= r.units; u++ {
		for k := 1; k <= perUnit; k++ {
			it := item{no: fmt.Sprintf("%s-%03d-%d", batch, u, k), unit: unitCode(u), mailbox: unitMailbox(u), deadline: deadline}
			fmt.Fprintf(&b, "%s,问题%s,整改措施%s,甲领导,%s,%s,正在整改\n", it.no, it.no, it.no, it.unit, deadline.Format(time.DateOnly))
			items = append(items, it)
		}
	}
	path := filepath.Join(r.dir, batch+".csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		r.t.Fatal(err)
	}
	r.mustCLI("import", path)
	return items
}

// cli runs a duban command to completion and returns its output and exit code.
func (r *rig) cli(args ...string) (stdout, stderr string, code int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, dubanBinary(r.t), append([]string{"--config", r.config}, args...)...)
	cmd.Dir, cmd.Env = r.dir, r.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		r.t.Fatalf("duban %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

func (r *rig) mustCLI(args ...string) string {
	r.t.Helper()
	out, errOut, code := r.cli(args...)
	if code != 0 {
		r.t.Fatalf("duban %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// daemon is a `duban serve` process.
type daemon struct {
	name  string
	admin string // host:port of its admin console (and /readyz)
	cmd   *exec.Cmd
	log   *testlog.Buffer
	done  chan struct{}
	err   error // Wait's result, once done is closed
}

// serve starts `duban serve` with extra environment variables.
func (r *rig) serve(name string, extraEnv ...string) *daemon {
	r.t.Helper()
	cmd := exec.Command(dubanBinary(r.t), "--config", r.config, "serve")
	cmd.Dir = r.dir
	admin := freeAddr(r.t)
	cmd.Env = append(append(append([]string(nil), r.env...), "DUBAN_ADMIN__LISTEN="+admin), extraEnv...)
	d := &daemon{name: name, admin: admin, cmd: cmd, log: testlog.New(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.log, d.log
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		d.err = cmd.Wait()
		close(d.done)
	}()
	r.mu.Lock()
	r.daemons = append(r.daemons, d)
	r.mu.Unlock()
	return d
}

func (d *daemon) pid() int { return d.cmd.Process.Pid }

func (d *daemon) running() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// kill is kill -9: no shutdown, leases left as they are.
func (d *daemon) kill(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil && d.running() {
		t.Fatalf("kill %s: %v", d.name, err)
	}
	<-d.done
}

// stop sends SIGTERM and waits for a clean exit, as systemd would.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if !d.running() {
		t.Fatalf("%s exited before it was stopped: %v\n%s", d.name, d.err, d.log.Tail(4000))
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(45 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
		t.Fatalf("%s did not stop within 45s of SIGTERM", d.name)
	}
	if d.err != nil {
		t.Errorf("%s exited with %v after SIGTERM\n%s", d.name, d.err, d.log.Tail(4000))
	}
}

// cleanup kills what a failed test left running and shows the daemons' logs.
func (r *rig) cleanup() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.daemons {
		if d.running() {
			_ = d.cmd.Process.Kill()
			<-d.done
		}
		if r.t.Failed() {
			r.t.Logf("---- log of %s (pid %d), last part ----\n%s", d.name, d.pid(), d.log.Tail(6000))
		}
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// eventually polls cond every 100ms until it holds, failing after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// dispatch is a row of the dispatches table.
type dispatch struct {
	ID                        int64
	Key, Recipient, State     string
	Attempts                  int
	LeaseOwner, LastError     string
	SMTPReply, MessageID, Job string
}

func (r *rig) dispatches() []dispatch {
	r.t.Helper()
	rows, err := r.db.Query(`SELECT id, key, recipient, state, attempts, lease_owner, last_error, smtp_reply,
		message_id, job FROM dispatches ORDER BY id`)
	if err != nil {
		r.t.Fatalf("read dispatches: %v", err)
	}
	defer rows.Close()
	var out []dispatch
	for rows.Next() {
		var d dispatch
		if err := rows.Scan(&d.ID, &d.Key, &d.Recipient, &d.State, &d.Attempts, &d.LeaseOwner, &d.LastError,
			&d.SMTPReply, &d.MessageID, &d.Job); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatal(err)
	}
	return out
}

// count runs a COUNT query.
func (r *rig) count(query string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.db.QueryRow(query, args...).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// waitSettled waits until at least want dispatches exist and none is
// pending or sending.
func (r *rig) waitSettled(want int, timeout time.Duration) {
	r.t.Helper()
	eventually(r.t, timeout, fmt.Sprintf("%d dispatches settled", want), func() bool {
		var total, open int
		err := r.db.QueryRow(`SELECT COUNT(*), COUNT(*) FILTER (WHERE state IN ('pending', 'sending')) FROM dispatches`).Scan(&total, &open)
		return err == nil && total >= want && open == 0
	})
}

// reminder is a row of the reminders table with its dispatch's key.
type reminder struct {
	Subject, Stage, Recipient, DispatchKey string
}

func (r *rig) reminders(rule string) []reminder {
	r.t.Helper()
	rows, err := r.db.Query(`SELECT r.subject, r.stage, r.recipient, COALESCE(d.key, '')
		FROM reminders r LEFT JOIN dispatches d ON d.key = r.dispatch_key WHERE r.rule = $1 ORDER BY r.id`, rule)
	if err != nil {
		r.t.Fatalf("read reminders: %v", err)
	}
	defer rows.Close()
	var out []reminder
	for rows.Next() {
		var x reminder
		if err := rows.Scan(&x.Subject, &x.Stage, &x.Recipient, &x.DispatchKey); err != nil {
			r.t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// tally compares the dispatch log with what the SMTP server received.
type tally struct {
	dispatches int // rows in the dispatch log
	sent       int // rows in state sent
	failed     int // rows in state failed
	received   int // messages the server accepted
	delivered  int // distinct dispatches the server received
	duplicates int // messages received beyond the first of their dispatch
	lost       int // sent (or unsettled) dispatches the server never received
	dupKeys    []string
}

func (x tally) String() string {
	return fmt.Sprintf("dispatches=%d sent=%d failed=%d received=%d delivered=%d duplicates=%d lost=%d",
		x.dispatches, x.sent, x.failed, x.received, x.delivered, x.duplicates, x.lost)
}

// messagesByKey groups the received messages by their X-Duban-Key.
func (r *rig) messagesByKey() map[string][]smtptest.Message {
	out := map[string][]smtptest.Message{}
	for _, m := range r.srv.Messages() {
		key := m.Header.Get("X-Duban-Key")
		out[key] = append(out[key], m)
	}
	return out
}

func (r *rig) tally() tally {
	r.t.Helper()
	received := r.messagesByKey()
	var x tally
	known := map[string]bool{}
	for _, d := range r.dispatches() {
		known[d.Key] = true
		x.dispatches++
		n := len(received[d.Key])
		switch d.State {
		case "sent":
			x.sent++
		case "failed":
			x.failed++
		}
		if n == 0 && d.State != "failed" {
			x.lost++
		}
		if n > 0 {
			x.delivered++
		}
		if n > 1 {
			x.duplicates += n - 1
			x.dupKeys = append(x.dupKeys, d.Key)
		}
		for _, m := range received[d.Key] {
			if len(m.To) != 1 || !strings.EqualFold(m.To[0], d.Recipient) {
				r.t.Errorf("dispatch %s to %s arrived for %q", d.Key, d.Recipient, m.To)
			}
			if got := strings.Trim(m.MessageID(), "<>"); d.MessageID != "" && got != strings.Trim(d.MessageID, "<>") {
				r.t.Errorf("dispatch %s: Message-ID %s received, %s recorded", d.Key, got, d.MessageID)
			}
		}
	}
	for key, ms := range received {
		x.received += len(ms)
		if !known[key] {
			r.t.Errorf("received %d message(s) with key %q that is not in the dispatch log", len(ms), key)
		}
	}
	return x
}

// checkItems checks that each item's reminder, at stage, reached its unit's
// mailbox in exactly one dispatch that the server received, and that the
// message lists the item. It returns how many reminders it checked.
func (r *rig) checkItems(items []item, stage string) int {
	r.t.Helper()
	bySubject := map[string][]reminder{}
	for _, rem := range r.reminders("deadline") {
		bySubject[rem.Subject] = append(bySubject[rem.Subject], rem)
	}
	received := r.messagesByKey()
	bodies := map[string]string{}
	for _, it := range items {
		rems := bySubject["r1/"+it.no]
		if len(rems) != 1 || rems[0].Stage != stage || rems[0].Recipient != it.mailbox {
			r.t.Errorf("item %s: reminders %+v, want one %s to %s", it.no, rems, stage, it.mailbox)
			continue
		}
		msgs := received[rems[0].DispatchKey]
		if len(msgs) == 0 {
			r.t.Errorf("item %s: its message %q never arrived", it.no, rems[0].DispatchKey)
			continue
		}
		body, ok := bodies[rems[0].DispatchKey]
		if !ok {
			body = textBody(r.t, msgs[0])
			bodies[rems[0].DispatchKey] = body
		}
		if !strings.Contains(body, it.no) {
			r.t.Errorf("item %s: the message %s does not list it", it.no, rems[0].DispatchKey)
		}
	}
	return len(items)
}

// report logs a summary line and prints it where `go test -v` shows it in
// a CI log.
func report(t *testing.T, scenario string, x tally, extra string) {
	t.Helper()
	line := fmt.Sprintf("fault: %s delivered=%d duplicates=%d lost=%d (%s)", scenario, x.delivered, x.duplicates, x.lost, x)
	if extra != "" {
		line += " " + extra
	}
	t.Log(line)
	fmt.Println(line)
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

// faultDuration is how long the replica test runs its daemons.
func faultDuration(t *testing.T) time.Duration {
	t.Helper()
	s := os.Getenv("DUBAN_FAULT_DURATION")
	if s == "" {
		return 12 * time.Second
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 6*time.Second {
		t.Fatalf("DUBAN_FAULT_DURATION=%q: want a duration of 6s or more, like 1m", s)
	}
	return d
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
