package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"duban/config"
	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/sheet"
	"duban/store"
)

// testPassword is the console password of the fixtures.
const testPassword = "督办-test-口令"

// asOf is the fixtures' "now": Wednesday 2026-11-25 09:00 in Shanghai. Of
// the example ledger's four open problems, 四.2 (due 11-20) is overdue,
// 四.1 (due 11-30) is a week away, 一.3.(1) (12-15) is further, and
// 二.3.(3) is long-term.
var asOf = time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// exampleConfig loads config.example.toml with env on top, as a daemon
// whose database first saw the duties on 2026-07-11 has it: the example's
// duties have no start, and are supervised from the periods due since then
// (三会一课 from 2026-Q3, due 10-10).
func exampleConfig(t testing.TB, env ...string) *config.Config {
	t.Helper()
	cfg, err := config.Load("../config.example.toml", env)
	if err != nil {
		t.Fatalf("load example config: %v", err)
	}
	for i := range cfg.Duties {
		cfg.Duties[i].FirstSeen = ledger.NewDate(2026, time.July, 11)
	}
	return cfg
}

// fixture is an example office on a real store: the seed ledger imported,
// a deadlines run done as of asOf and its messages delivered to an outbox.
type fixture struct {
	t       testing.TB
	cfg     *config.Config
	st      *store.Store
	metrics *Metrics
	server  *Server
	clock   *clock
	wakes   atomic.Int32 // calls of Options.Wake
	outbox  string
}

// clock is the fixture's settable time, read by the server's goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFixture builds the office on st; env is applied to the config.
func newFixture(t testing.TB, st *store.Store, env ...string) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{t: t, cfg: exampleConfig(t, env...), st: st, metrics: NewMetrics("v-test"), clock: &clock{t: asOf}, outbox: t.TempDir()}
	if err := st.EnsureRounds(ctx, f.cfg.Rounds); err != nil {
		t.Fatal(err)
	}
	items, err := sheet.ReadFile(ctx, "../examples/ledger.csv", f.cfg.Rounds[0].Code, f.cfg)
	if err != nil {
		t.Fatalf("read example ledger: %v", err)
	}
	if _, err := st.ImportItems(ctx, items, store.ImportOptions{By: store.Actor{Name: "import", Kind: store.ActorCLI}, At: asOf.Add(-24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.server = f.newServer()
	return f
}

func (f *fixture) newServer() *Server {
	f.t.Helper()
	s, err := New(Options{
		Store: f.st, Config: f.cfg, Metrics: f.metrics, Now: f.clock.Now, Started: asOf.Add(-time.Hour),
		Duties: f.cfg.DutySpecs(), Wake: func() { f.wakes.Add(1) },
	})
	if err != nil {
		f.t.Fatalf("web.New: %v", err)
	}
	return s
}

// runDeadlines runs the deadlines job as of asOf through the scheduler and
// delivers its messages to the outbox, reporting to the metrics hooks as
// serve wires them.
func (f *fixture) runDeadlines() scheduler.Result {
	f.t.Helper()
	res := f.run()
	f.deliver()
	return res
}

// run runs the deadlines job as of asOf and leaves its dispatches pending.
func (f *fixture) run() scheduler.Result {
	f.t.Helper()
	return f.runAt(asOf)
}

// runAt runs the deadlines job as of at and leaves its dispatches pending.
func (f *fixture) runAt(at time.Time) scheduler.Result {
	f.t.Helper()
	ctx := f.t.Context()
	tmpl, err := notify.LoadTemplates("")
	if err != nil {
		f.t.Fatal(err)
	}
	set := scheduler.Settings{
		Location:  f.cfg.Location,
		Policy:    f.cfg.Policy,
		Calendar:  ledger.NewCalendar(f.cfg.Calendar.Holidays, f.cfg.Calendar.Workdays),
		Directory: ledger.NewDirectory(f.cfg.Units, f.cfg.Leaders, f.cfg.Supervisors),
		Office:    "整改办",
		Duties:    f.cfg.DutySpecs(),
	}
	for _, name := range ledger.JobNames {
		j := f.cfg.Jobs[name]
		set.Jobs = append(set.Jobs, scheduler.JobSpec{Name: name, Schedule: j.Schedule, CatchUp: j.CatchUp.Duration})
	}
	sched := scheduler.New(f.st, set, tmpl, scheduler.Options{Owner: "test", Now: f.clock.Now, OnRun: f.metrics.ObserveRun})
	res, err := sched.RunJob(ctx, ledger.JobDeadlines, at)
	if err != nil {
		f.t.Fatalf("deadlines run: %v", err)
	}
	if res.Dispatches == 0 {
		f.t.Fatalf("deadlines run as of %s made no dispatches", at)
	}
	return res
}

func (f *fixture) deliver() notify.Stats {
	f.t.Helper()
	out, err := notify.NewOutbox(f.outbox)
	if err != nil {
		f.t.Fatal(err)
	}
	email, err := notify.NewEmail(f.cfg.Mail.From, out)
	if err != nil {
		f.t.Fatal(err)
	}
	w := &notify.Worker{Store: f.st, Channels: map[string]notify.Channel{ledger.ChannelEmail: email}, Owner: "test", Now: f.clock.Now,
		Lease: time.Minute, MaxAttempts: f.cfg.Mail.MaxAttempts, PollEvery: time.Minute,
		Backoff: notify.ExponentialBackoff(f.cfg.Mail.RetryBase.Duration), Logger: slog.New(slog.DiscardHandler),
		Observe: f.metrics.ObserveSend}
	stats, err := w.DeliverDue(f.t.Context(), false)
	if err != nil {
		f.t.Fatalf("deliver: %v", err)
	}
	return stats
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see them.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newBrowser(t testing.TB, srv *httptest.Server) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: srv.URL, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// hidden returns the value of a hidden form field of a page.
func hidden(t testing.TB, body, name string) string {
	t.Helper()
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no hidden field %q in page:\n%s", name, body)
	return ""
}

// login logs in as the bootstrap account with password and returns the
// response to the form.
func (b *browser) login(password string) response {
	b.t.Helper()
	return b.loginAs(store.BootstrapUser, password)
}

// loginAs logs in as user with password and returns the response to the form.
func (b *browser) loginAs(user, password string) response {
	b.t.Helper()
	page := b.get("/login")
	if page.status != http.StatusOK {
		b.t.Fatalf("GET /login: %d", page.status)
	}
	return b.post("/login", url.Values{"token": {hidden(b.t, page.body, "token")}, "user": {user}, "password": {password}, "next": {"/"}})
}

func (b *browser) mustLogin() {
	b.t.Helper()
	b.mustLoginAs(store.BootstrapUser, testPassword)
}

func (b *browser) mustLoginAs(user, password string) {
	b.t.Helper()
	if res := b.loginAs(user, password); res.status != http.StatusSeeOther {
		b.t.Fatalf("login as %s: status %d, want 303\n%s", user, res.status, res.body)
	}
}

func parseScheduleForTest(expr string) (nexter, error) { return config.ParseSchedule(expr) }
