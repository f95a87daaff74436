package web

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"duban/store"
	"duban/store/storetest"
)

// consoleFor serves the fixture's console over HTTP for the test.
func consoleFor(t *testing.T, f *fixture) *browser {
	srv := httptest.NewServer(f.server)
	t.Cleanup(srv.Close)
	return newBrowser(t, srv)
}

func TestLoginRequired(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.runDeadlines()
		b := consoleFor(t, f)

		for _, path := range []string{"/", "/items", "/items/2024-7/" + url.PathEscape("四.2"), "/dispatches",
			"/dispatches.csv", "/dispatches/1", "/dispatches/1/html", "/duties", "/jobs", "/no-such-page"} {
			res := b.get(path)
			if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login?next=") {
				t.Errorf("GET %s without login: %d %s, want 303 to /login", path, res.status, res.header.Get("Location"))
			}
			if strings.Contains(res.body, "四.2") || strings.Contains(res.body, "@zgh.example.org") {
				t.Errorf("GET %s without login leaks the ledger:\n%s", path, res.body)
			}
		}
		if res := b.post("/dispatches/1/retry", url.Values{"csrf": {"x"}}); res.status != http.StatusUnauthorized {
			t.Errorf("POST retry without login: %d, want 401", res.status)
		}
		for path, want := range map[string]string{
			"/healthz": "ok", "/readyz": "ready", "/metrics": "duban_dispatches", "/static/style.css": "box-sizing",
		} {
			if res := b.get(path); res.status != http.StatusOK || !strings.Contains(res.body, want) {
				t.Errorf("GET %s without login: %d, want 200 with %q", path, res.status, want)
			}
		}

		b.mustLogin()
		res := b.get("/")
		if res.status != http.StatusOK || !strings.Contains(res.body, "总览") || !strings.Contains(res.body, "四.2") {
			t.Fatalf("overview after login: %d\n%s", res.status, res.body)
		}
		// Logging out ends the session.
		b.post("/logout", url.Values{"csrf": {hidden(t, res.body, "csrf")}})
		if res := b.get("/"); res.status != http.StatusSeeOther {
			t.Errorf("overview after logout: %d, want 303", res.status)
		}
	})
}

func TestLoginAfterRedirectReturnsToPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	b := consoleFor(t, f)
	res := b.get("/items?status=open")
	page := b.get(res.header.Get("Location"))
	res = b.post("/login", url.Values{
		"token": {hidden(t, page.body, "token")}, "next": {hidden(t, page.body, "next")}, "user": {"admin"}, "password": {testPassword},
	})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/items?status=open" {
		t.Errorf("login redirects to %q (%d), want /items?status=open", res.header.Get("Location"), res.status)
	}
	for _, next := range []string{"//evil.example/", `/\evil.example`, "https://evil.example/"} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
}

func TestWrongPasswordAndRateLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		b := consoleFor(t, f)
		for i := range loginFailures {
			res := b.login("wrong-" + strconv.Itoa(i))
			if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "口令错误") {
				t.Fatalf("wrong password %d: %d, want 401 with 口令错误\n%s", i, res.status, res.body)
			}
		}
		// The limit holds even for the right password until the minute is over.
		res := b.login(testPassword)
		if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "登录尝试过于频繁") {
			t.Fatalf("sixth attempt: %d, want 429 with 登录尝试过于频繁\n%s", res.status, res.body)
		}
		if res := b.get("/"); res.status != http.StatusSeeOther {
			t.Fatalf("refused login opened a session: %d", res.status)
		}
		f.clock.Add(loginWindow + time.Second)
		if res := b.login(testPassword); res.status != http.StatusSeeOther {
			t.Fatalf("login a minute later: %d, want 303\n%s", res.status, res.body)
		}
	})
}

func TestBcryptPasswordHash(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN__PASSWORD_HASH="+string(hash))
	b := consoleFor(t, f)
	if res := b.login("wrong"); res.status != http.StatusUnauthorized {
		t.Fatalf("wrong password against the hash: %d, want 401", res.status)
	}
	b.mustLogin()
	if res := b.get("/"); res.status != http.StatusOK {
		t.Fatalf("overview after login with the hash: %d", res.status)
	}
}

func TestCSRFRejected(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.run()
		failFirstDispatch(t, f)
		b := consoleFor(t, f)

		// The login form needs the token of its own cookie.
		if res := b.post("/login", url.Values{"token": {"forged"}, "password": {testPassword}}); res.status != http.StatusForbidden {
			t.Errorf("login without the form's token: %d, want 403", res.status)
		}
		b.mustLogin()
		for _, form := range []url.Values{{}, {"csrf": {""}}, {"csrf": {"forged"}}} {
			res := b.post("/dispatches/1/retry", form)
			if res.status != http.StatusForbidden || !strings.Contains(res.body, "请刷新页面后重试") {
				t.Errorf("retry with csrf %q: %d, want 403", form.Get("csrf"), res.status)
			}
		}
		d, err := f.st.GetDispatch(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != store.StateFailed {
			t.Errorf("a rejected retry changed the dispatch to %s", d.State)
		}
	})
}

// failFirstDispatch settles dispatch 1 as failed with a 5xx reply, as the
// worker does when a server refuses an address.
func failFirstDispatch(t *testing.T, f *fixture) {
	t.Helper()
	ctx := t.Context()
	claimed, err := f.st.ClaimDispatches(ctx, "test", f.clock.Now(), time.Minute, 1, true)
	if err != nil || len(claimed) != 1 || claimed[0].ID != 1 {
		t.Fatalf("claim dispatch 1: %v %+v", err, claimed)
	}
	const reply = "550 5.1.1 <bgs@zgh.example.org>: Recipient address rejected"
	failed := store.Outcome{ID: 1, State: store.StateFailed, Error: "smtp: " + reply, Reply: reply}
	if lost, err := f.st.Settle(ctx, "test", []store.Outcome{failed}, f.clock.Now()); err != nil || len(lost) != 0 {
		t.Fatalf("settle dispatch 1: %v, lost %v", err, lost)
	}
}

func TestRetryFailedDispatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.run()
		failFirstDispatch(t, f)
		b := consoleFor(t, f)
		b.mustLogin()

		overview := b.get("/")
		if !strings.Contains(overview.body, `href="/dispatches/1"`) || !strings.Contains(overview.body, "发送失败 <small>1 封</small>") {
			t.Errorf("overview does not list the failed dispatch:\n%s", overview.body)
		}
		page := b.get("/dispatches/1")
		for _, want := range []string{"发送失败", "550 5.1.1", "重新发送", "bgs@zgh.example.org"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("failed dispatch page lacks %q", want)
			}
		}
		res := b.post("/dispatches/1/retry", url.Values{"csrf": {hidden(t, page.body, "csrf")}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/dispatches/1?retried=1" {
			t.Fatalf("retry: %d %s, want 303 to the dispatch", res.status, res.header.Get("Location"))
		}
		d, err := st.GetDispatch(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if d.State != store.StatePending || d.Attempts != 0 {
			t.Errorf("after retry: state %s, attempts %d; want pending, 0", d.State, d.Attempts)
		}
		if f.wakes.Load() != 1 {
			t.Errorf("worker woken %d times, want 1", f.wakes.Load())
		}
		if page := b.get("/dispatches/1?retried=1"); !strings.Contains(page.body, "已重新排队发送") || strings.Contains(page.body, "重新发送</button>") {
			t.Errorf("dispatch page after retry:\n%s", page.body)
		}
		// Only a failed dispatch can be retried.
		page = b.get("/dispatches/2")
		if res := b.post("/dispatches/2/retry", url.Values{"csrf": {hidden(t, page.body, "csrf")}}); res.status != http.StatusConflict {
			t.Errorf("retry of a pending dispatch: %d, want 409", res.status)
		}
		if res := b.post("/dispatches/999/retry", url.Values{"csrf": {hidden(t, page.body, "csrf")}}); res.status != http.StatusNotFound {
			t.Errorf("retry of a missing dispatch: %d, want 404", res.status)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.runDeadlines()
		b := consoleFor(t, f)
		check := func(path string, res response) {
			t.Helper()
			csp := res.header.Get("Content-Security-Policy")
			if path == "/dispatches/1/html" {
				if !strings.HasPrefix(csp, "sandbox;") || !strings.Contains(csp, "default-src 'none'") {
					t.Errorf("%s: CSP %q, want a sandbox loading nothing", path, csp)
				}
				if res.header.Get("X-Frame-Options") != "SAMEORIGIN" {
					t.Errorf("%s: X-Frame-Options %q, want SAMEORIGIN", path, res.header.Get("X-Frame-Options"))
				}
			} else {
				for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
					if !strings.Contains(csp, want) {
						t.Errorf("%s: CSP %q lacks %q", path, csp, want)
					}
				}
				if strings.Contains(csp, "unsafe-inline") {
					t.Errorf("%s: CSP allows inline code: %q", path, csp)
				}
				if res.header.Get("X-Frame-Options") != "DENY" {
					t.Errorf("%s: X-Frame-Options %q, want DENY", path, res.header.Get("X-Frame-Options"))
				}
			}
			if res.header.Get("X-Content-Type-Options") != "nosniff" || res.header.Get("Referrer-Policy") == "" {
				t.Errorf("%s: nosniff %q, referrer policy %q", path, res.header.Get("X-Content-Type-Options"), res.header.Get("Referrer-Policy"))
			}
			if strings.Contains(res.body, "<script") || strings.Contains(res.body, " style=\"") && path != "/dispatches/1/html" {
				t.Errorf("%s: inline script or style in the page", path)
			}
		}
		for _, path := range []string{"/login", "/healthz", "/readyz", "/metrics", "/static/style.css", "/"} {
			check(path, b.get(path))
		}
		b.mustLogin()
		for _, path := range []string{"/", "/items", "/items/2024-7/" + url.PathEscape("四.2"), "/dispatches", "/dispatches/1",
			"/dispatches/1/html", "/duties", "/jobs", "/nowhere"} {
			check(path, b.get(path))
		}
		// The session cookie is HttpOnly and SameSite=Strict.
		res := consoleFor(t, f).login(testPassword)
		cookie := strings.Join(res.header.Values("Set-Cookie"), "\n")
		if !strings.Contains(cookie, sessionCookie+"=") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
			t.Errorf("session cookie %q, want HttpOnly and SameSite=Strict", cookie)
		}
	})
}

// scrape reads /metrics into "name{labels}" → value.
func scrape(t *testing.T, b *browser) map[string]float64 {
	t.Helper()
	res := b.get("/metrics")
	if res.status != http.StatusOK {
		t.Fatalf("/metrics: %d\n%s", res.status, res.body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(res.body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetricsMatchStore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		res := f.runDeadlines()
		m := scrape(t, consoleFor(t, f))
		// The same numbers as `duban logs --status S`, which lists the store's dispatches.
		for _, state := range []string{store.StatePending, store.StateSending, store.StateSent, store.StateFailed} {
			ds, err := st.ListDispatches(t.Context(), store.DispatchFilter{State: state})
			if err != nil {
				t.Fatal(err)
			}
			key := `duban_dispatches{channel="email",state="` + state + `"}`
			if got, ok := m[key]; !ok || int(got) != len(ds) {
				t.Errorf("%s = %v (present %v), want %d", key, got, ok, len(ds))
			}
		}
		if got := m[`duban_dispatches{channel="wecom",state="sent"}`]; got != 0 {
			t.Errorf("wecom sent = %v, want a zero series", got)
		}
		if got := m[`duban_build_info{version="v-test"}`]; got != 1 {
			t.Errorf("build info = %v", got)
		}
		if got := m[`duban_dispatch_oldest_pending_age_seconds`]; got != 0 {
			t.Errorf("oldest pending age = %v with every message delivered, want 0", got)
		}
		if got := m[`duban_job_last_success_timestamp_seconds{job="deadlines"}`]; got != float64(f.clock.Now().Unix()) {
			t.Errorf("deadlines last success = %v, want %d", got, f.clock.Now().Unix())
		}
		if _, ok := m[`duban_job_last_success_timestamp_seconds{job="summary"}`]; ok {
			t.Error("a job that never ran has a last success")
		}
		if got, ok := m[`duban_job_stale{job="summary"}`]; !ok || got != 0 {
			t.Errorf("summary stale = %v (present %v), want 0 on a fresh install", got, ok)
		}
		if got := m[`duban_dispatches{channel="email",state="sent"}`]; int(got) != res.Dispatches {
			t.Errorf("sent dispatches %v, want the run's %d", got, res.Dispatches)
		}
		for light, want := range map[string]float64{"red": 1, "yellow": 1, "green": 1, "blue": 1, "done": 21, "closed": 0} {
			if got := m[`duban_items{light="`+light+`"}`]; got != want {
				t.Errorf("items %s = %v, want %v", light, got, want)
			}
		}
		if got := m[`duban_job_runs_total{job="deadlines",outcome="ok"}`]; got != 1 {
			t.Errorf("deadlines runs ok = %v, want 1", got)
		}
		if got := m[`duban_job_run_duration_seconds_count{job="deadlines"}`]; got != 1 {
			t.Errorf("deadlines run durations = %v, want 1", got)
		}
		if got := m[`duban_send_duration_seconds_count{channel="email",outcome="sent"}`]; int(got) != res.Dispatches {
			t.Errorf("send latencies observed = %v, want %d", got, res.Dispatches)
		}
		if _, ok := m["go_goroutines"]; !ok {
			t.Error("no Go runtime metrics")
		}
	})
}

func TestDeliveryErrorsByChannelAndCode(t *testing.T) {
	t.Parallel()
	m := NewMetrics("v-test")
	m.ObserveSend("email", "sent", 250, 10*time.Millisecond)
	m.ObserveSend("email", "failed", 550, time.Second)
	m.ObserveSend("email", "retry", 421, time.Second)
	m.ObserveSend("email", "retry", 0, time.Second)
	m.ObserveSend("email", "retry", 421, time.Second)
	m.ObserveSend("wecom", "failed", 93000, time.Second)
	m.ObserveSend("dingtalk", "retry", -1, time.Second)
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, fam := range families {
		if fam.GetName() != "duban_delivery_errors_total" {
			continue
		}
		for _, metric := range fam.GetMetric() {
			l := metric.GetLabel()
			got[l[0].GetValue()+" "+l[1].GetValue()] = metric.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"email 550": 1, "email 421": 2, "email none": 1, "wecom 93000": 1, "dingtalk -1": 1}
	if len(got) != len(want) {
		t.Fatalf("smtp errors %v, want %v", got, want)
	}
	for code, n := range want {
		if got[code] != n {
			t.Errorf("smtp errors %s = %v, want %v", code, got[code], n)
		}
	}
}

func TestReadyzWhenDatabaseCloses(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			// A store of its own: the test closes it, as an outage would.
			st, err := store.Open(t.Context(), storetest.URL(t, dialect))
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, st)
			b := consoleFor(t, f)
			if res := b.get("/readyz"); res.status != http.StatusOK {
				t.Fatalf("/readyz with the database up: %d\n%s", res.status, res.body)
			}
			st.Close()
			res := b.get("/readyz")
			if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "database unreachable") {
				t.Errorf("/readyz with the database closed: %d %q, want 503 database unreachable", res.status, res.body)
			}
			if res := b.get("/healthz"); res.status != http.StatusOK {
				t.Errorf("/healthz with the database closed: %d, want 200 (the process is alive)", res.status)
			}
			// Metrics still answer, without the store's gauges.
			if res := b.get("/metrics"); res.status != http.StatusOK || !strings.Contains(res.body, "go_goroutines") {
				t.Errorf("/metrics with the database closed: %d", res.status)
			}
		})
	}
}

// A job that stopped running is on the overview and in the metrics; the
// replica stays ready, since every replica shares the job.
func TestStaleJobsOnOverviewAndMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"))
	b := consoleFor(t, f)
	// Started an hour before asOf and nothing ran: the jobs have two intervals.
	if res := b.get("/"); strings.Contains(res.body, "没有成功运行") {
		t.Fatalf("fresh install: the overview warns of a stale job:\n%s", res.body)
	}
	f.runDeadlines()
	// Three days on, the daily jobs (deadlines ran, duties never did) are overdue;
	// the weekly ones are not.
	f.clock.Add(72 * time.Hour)
	if res := b.get("/readyz"); res.status != http.StatusOK {
		t.Errorf("/readyz with stale jobs: %d, want 200 (the database answers)\n%s", res.status, res.body)
	}
	res := b.get("/")
	for _, want := range []string{"到期提醒自2026年11月25日 09:00以来没有成功运行", "定期任务提醒自"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	for _, weekly := range []string{"回头看提醒自", "定期调度汇总自"} {
		if strings.Contains(res.body, weekly) {
			t.Errorf("weekly job reported stale after three days: %q", weekly)
		}
	}
	m := scrape(t, b)
	for job, want := range map[string]float64{"deadlines": 1, "duties": 1, "followups": 0, "summary": 0} {
		if got := m[`duban_job_stale{job="`+job+`"}`]; got != want {
			t.Errorf("duban_job_stale{job=%q} = %v, want %v", job, got, want)
		}
	}
}

func TestStaleAfter(t *testing.T) {
	t.Parallel()
	cst := asOf.Location()
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, schedule, since, now string
		stale                      bool
	}{
		{"daily, a day on", "0 9 * * *", "2026-11-25 09:00", "2026-11-26 10:00", false},
		{"daily, just within two days", "0 9 * * *", "2026-11-25 09:00", "2026-11-27 09:00", false},
		{"daily, two runs missed", "0 9 * * *", "2026-11-25 09:00", "2026-11-27 09:01", true},
		{"weekdays, over a weekend", "0 9 * * 1-5", "2026-11-27 09:00", "2026-11-30 08:00", false},
		{"weekdays, Monday and Tuesday missed", "0 9 * * 1-5", "2026-11-27 09:00", "2026-12-03 09:01", true},
		{"weekly, ten days on", "0 8 * * 1", "2026-11-23 08:00", "2026-12-03 08:00", false},
		{"weekly, fifteen days on", "0 8 * * 1", "2026-11-23 08:00", "2026-12-08 08:01", true},
		{"every 5m, 9m on", "@every 5m", "2026-11-25 09:00", "2026-11-25 09:09", false},
		{"every 5m, 11m on", "@every 5m", "2026-11-25 09:00", "2026-11-25 09:11", true},
		{"fresh start between ticks", "0 9 * * *", "2026-11-25 14:00", "2026-11-27 08:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sched, err := parseScheduleForTest(tt.schedule)
			if err != nil {
				t.Fatal(err)
			}
			deadline, stale := staleAfter(sched, at(tt.since), at(tt.now))
			if stale != tt.stale {
				t.Errorf("stale = %v (deadline %s), want %v", stale, deadline, tt.stale)
			}
		})
	}
}
