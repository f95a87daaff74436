package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/internal/password"
	"duban/store"
	"duban/store/storetest"
)

// viewerPassword is the password of the fixtures' read-only account.
const viewerPassword = "只读-viewer-口令"

// addUser creates an account with password pw, as a command on the server would.
func addUser(t *testing.T, st *store.Store, name, role, pw string) {
	t.Helper()
	hash, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	by := store.Actor{Name: "root", Kind: store.ActorCLI}
	if err := st.AddUser(t.Context(), store.User{Name: name, Role: role, PasswordHash: hash}, by, asOf.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// rawConn is an HTTP/1.1 connection driven byte by byte, to hold a body back.
type rawConn struct {
	t    *testing.T
	conn net.Conn
}

func dialRaw(t *testing.T, srv *httptest.Server) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn}
}

// head sends a request's head: method, path and header lines.
func (c *rawConn) head(method, path string, header ...string) {
	c.t.Helper()
	text := method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + strings.Join(header, "\r\n")
	if len(header) > 0 {
		text += "\r\n"
	}
	if _, err := io.WriteString(c.conn, text+"\r\n"); err != nil {
		c.t.Fatal(err)
	}
}

// response reads the response to the request sent.
func (c *rawConn) response() (*http.Response, error) {
	res, err := http.ReadResponse(bufio.NewReader(c.conn), nil)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, nil
}

// loginForm is a login page's token and cookie, for forms sent by hand.
func loginForm(t *testing.T, b *browser) (token, cookie string) {
	t.Helper()
	page := b.get("/login")
	token = hidden(t, page.body, "token")
	return token, loginCookie + "=" + token
}

// One address sends a thousand guesses at once, each with its body held
// back until all are in. The throttle counts each attempt before it reads
// the body: five passwords are checked, the other guesses are refused
// without waiting for their bodies, and the right password, tried after,
// is refused too.
func TestHeldBackGuesses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		srv := httptest.NewServer(f.server)
		t.Cleanup(srv.Close)
		b := newBrowser(t, srv)
		token, cookie := loginForm(t, b)

		const guesses = 1000
		conns := make([]*rawConn, guesses)
		bodies := make([]string, guesses)
		statuses := make(chan int, guesses)
		for i := range conns {
			bodies[i] = url.Values{"token": {token}, "user": {"admin"}, "password": {fmt.Sprintf("guess-%04d", i)}}.Encode()
			conns[i] = dialRaw(t, srv)
			conns[i].head("POST", "/login", "Content-Type: application/x-www-form-urlencoded",
				"Content-Length: "+strconv.Itoa(len(bodies[i])), "Cookie: "+cookie, "Connection: close")
			go func(c *rawConn) {
				res, err := c.response()
				if err != nil {
					statuses <- 0
					return
				}
				statuses <- res.StatusCode
			}(conns[i])
		}
		count := map[int]int{}
		deadline := time.After(2 * time.Minute)
		for answered := range guesses - loginFailures {
			select {
			case status := <-statuses:
				count[status]++
			case <-deadline:
				t.Fatalf("with every body held back, %d guesses were answered (%v): the server waits for bodies of guesses over the limit", answered, count)
			}
		}
		for i, c := range conns { // release the bodies
			io.WriteString(c.conn, bodies[i])
		}
		for range loginFailures {
			count[<-statuses]++
		}
		if count[http.StatusTooManyRequests] != guesses-loginFailures || count[http.StatusUnauthorized] != loginFailures {
			t.Errorf("answers %v, want %d × 429 and %d × 401", count, guesses-loginFailures, loginFailures)
		}
		m := scrape(t, b)
		if checked := m[`duban_console_logins_total{outcome="failed"}`] + m[`duban_console_logins_total{outcome="ok"}`]; checked > loginFailures {
			t.Errorf("%v passwords checked, want at most %d", checked, loginFailures)
		}
		failed, err := st.ListAudit(t.Context(), store.AuditFilter{Action: store.ActionLoginFailed})
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) != loginFailures || failed[0].Addr != "127.0.0.1" || failed[0].Name != "admin" {
			t.Errorf("audit log has %d failed logins (%+v), want %d from 127.0.0.1", len(failed), failed, loginFailures)
		}
		if res := b.login(testPassword); res.status != http.StatusTooManyRequests {
			t.Fatalf("the right password after the guesses: %d, want 429", res.status)
		}
		if res := b.get("/"); res.status != http.StatusSeeOther {
			t.Fatalf("the console opened after the guesses: %d", res.status)
		}
	})
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/items?status=open":      "/items?status=open",
		"/items/2024-7/四.2":       "/items/2024-7/四.2",
		"/":                       "/",
		"":                        "/",
		"//evil.example/":         "/",
		`/\evil.example`:          "/",
		`/\/evil.example`:         "/",
		"/\t/evil.example":        "/",
		"/\n/evil.example":        "/",
		"/\r\n/evil.example":      "/",
		"/ /evil.example":         "/",
		"https://evil.example/":   "/",
		"http:/evil.example":      "/",
		"javascript:alert(1)":     "/",
		"evil.example":            "/",
		"/\x00/evil.example":      "/",
		"/%2F%2Fevil.example":     "/%2F%2Fevil.example", // a path on this site
		"/items?next=//evil":      "/items?next=//evil",
		"\\\\evil.example":        "/",
		"/items#//evil.example":   "/items#//evil.example",
		"/\u3000/evil.example":    "/\u3000/evil.example", // not stripped by browsers: a path here
		"/%09/evil.example":       "/%09/evil.example",    // still encoded: a path here
		"///evil.example":         "/",
		"/.//evil.example":        "/.//evil.example", // http.Redirect cleans it to /evil.example
		"/login?next=//evil":      "/login?next=//evil",
		"https:evil.example":      "/",
		"/ evil.example":          "/",
		"/items\\..\\..\\evil":    "/",
		"/items?q=" + "\x7f":      "/",
		"/\x0b/evil.example":      "/",
		"/\x0c/evil.example":      "/",
		"/dispatches/1?retried=1": "/dispatches/1?retried=1",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// Every way of pointing the redirect after login off the site lands on
// the overview; a local page is kept.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	srv := httptest.NewServer(f.server)
	t.Cleanup(srv.Close)
	for rawNext, want := range map[string]string{
		"/%09/evil.example":          "/",
		"%2F%2Fevil.example":         "/",
		"/%5Cevil.example":           "/",
		"%2F%0A%2Fevil.example":      "/",
		"https%3A%2F%2Fevil.example": "/",
		"javascript%3Aalert(1)":      "/",
		"%2Fitems%3Fstatus%3Dopen":   "/items?status=open",
	} {
		b := newBrowser(t, srv)
		page := b.get("/login?next=" + rawNext)
		if got := hidden(t, page.body, "next"); got != want {
			t.Errorf("login page for next=%s carries next %q, want %q", rawNext, got, want)
		}
		next, err := url.QueryUnescape(rawNext)
		if err != nil {
			t.Fatal(err)
		}
		res := b.post("/login", url.Values{"token": {hidden(t, page.body, "token")}, "user": {"admin"},
			"password": {testPassword}, "next": {next}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != want {
			t.Errorf("login with next %q: %d to %q, want 303 to %q", next, res.status, res.header.Get("Location"), want)
		}
		// Logged in, the login page sends on to a safe next only.
		if res := b.get("/login?next=" + rawNext); res.header.Get("Location") != want {
			t.Errorf("login page when logged in, next=%s: to %q, want %q", rawNext, res.header.Get("Location"), want)
		}
	}
}

// Bodies are bounded before anything reads them: a body that declares
// itself too large is refused unread, a chunked one when it passes the
// bound, and no multipart body is parsed.
func TestOversizedAndMultipartBodies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		srv := httptest.NewServer(f.server)
		t.Cleanup(srv.Close)
		b := newBrowser(t, srv)
		token, cookie := loginForm(t, b)

		// 300 MB announced, nothing sent: the answer comes at once.
		c := dialRaw(t, srv)
		c.head("POST", "/login", "Content-Type: multipart/form-data; boundary=x", "Content-Length: 314572800", "Cookie: "+cookie)
		if res, err := c.response(); err != nil || res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("a declared 300 MB login body: %v %v, want 413", res, err)
		}

		// A chunked body that never ends is cut off at the bound.
		const total = 64 << 20
		c = dialRaw(t, srv)
		c.head("POST", "/login", "Content-Type: application/x-www-form-urlencoded", "Transfer-Encoding: chunked", "Cookie: "+cookie)
		sent := make(chan int, 1)
		go func() {
			chunk := fmt.Sprintf("%x\r\n%s\r\n", 64<<10, strings.Repeat("a", 64<<10))
			n := 0
			for n < total {
				if _, err := io.WriteString(c.conn, chunk); err != nil {
					break
				}
				n += 64 << 10
			}
			sent <- n
		}()
		if res, err := c.response(); err != nil || res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("an endless chunked login body: %v %v, want 413", res, err)
		}
		c.conn.Close()
		if n := <-sent; n >= total {
			t.Errorf("the server read all %d bytes of an oversized body", n)
		}

		// A multipart login of a proper size is refused, not parsed.
		multipart := "--x\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n" + testPassword + "\r\n--x--\r\n"
		c = dialRaw(t, srv)
		c.head("POST", "/login", "Content-Type: multipart/form-data; boundary=x", "Content-Length: "+strconv.Itoa(len(multipart)), "Cookie: "+cookie)
		io.WriteString(c.conn, multipart)
		if res, err := c.response(); err != nil || res.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("a multipart login: %v %v, want 415", res, err)
		}
		// Without a session, a write's body is never read.
		c = dialRaw(t, srv)
		c.head("POST", "/dispatches/1/retry", "Content-Type: multipart/form-data; boundary=x", "Content-Length: 1000")
		if res, err := c.response(); err != nil || res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a multipart write without a session: %v %v, want 401", res, err)
		}

		form := url.Values{"token": {token}, "user": {"admin"}, "password": {testPassword}, "pad": {strings.Repeat("x", maxFormBytes)}}
		if res := b.post("/login", form); res.status != http.StatusRequestEntityTooLarge {
			t.Errorf("a login form over the bound: %d, want 413", res.status)
		}
		b.mustLogin() // the refused ones used no attempt
		page := b.get("/")
		res := b.post("/dispatches/1/retry", url.Values{"csrf": {hidden(t, page.body, "csrf")}, "pad": {strings.Repeat("x", maxFormBytes)}})
		if res.status != http.StatusRequestEntityTooLarge {
			t.Errorf("a write over the bound: %d, want 413", res.status)
		}
	})
}

func TestNoDirectoryListing(t *testing.T) {
	t.Parallel()
	b := consoleFor(t, newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword))
	for _, path := range []string{"/static/", "/static", "/static/./", "/static/..%2f"} {
		if res := b.get(path); res.status == http.StatusOK || strings.Contains(res.body, "style.css") {
			t.Errorf("GET %s: %d, lists the directory:\n%s", path, res.status, res.body)
		}
	}
	if res := b.get("/static/style.css"); res.status != http.StatusOK {
		t.Errorf("GET /static/style.css: %d", res.status)
	}
}

// Without a password the console answers only requests that name this
// machine, so that a site rebinding its name to 127.0.0.1 cannot read it,
// and it keeps one session for everybody instead of one per request.
func TestOpenConsoleHostAndSession(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		srv := httptest.NewServer(f.server)
		t.Cleanup(srv.Close)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(host, path, cookie string) *http.Response {
			t.Helper()
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = host
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK && !strings.Contains(string(body), "总览") && path == "/" {
				t.Errorf("GET / with Host %s: no overview", host)
			}
			return res
		}
		for _, host := range []string{"evil.example", "evil.example:" + port, "127.0.0.1.evil.example", "localhost.evil.example:" + port, "10.0.0.1"} {
			for _, path := range []string{"/", "/items", "/metrics", "/login"} {
				if res := get(host, path, ""); res.StatusCode != http.StatusMisdirectedRequest {
					t.Errorf("GET %s with Host %s: %d, want 421", path, host, res.StatusCode)
				}
			}
		}
		var token string
		for i, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "LOCALHOST", "127.0.0.1:" + port} {
			res := get(host, "/", "")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET / with Host %s: %d, want 200", host, res.StatusCode)
			}
			var got string
			for _, c := range res.Cookies() {
				if c.Name == sessionCookie {
					got = c.Value
				}
			}
			if got == "" {
				t.Fatalf("request %d got no session cookie", i)
			}
			if token != "" && got != token {
				t.Errorf("request %d got a session of its own", i)
			}
			token = got
		}
		res := get("127.0.0.1:"+port, "/items", sessionCookie+"="+token)
		if res.StatusCode != http.StatusOK || len(res.Cookies()) != 0 {
			t.Errorf("with the shared session: %d, cookies %v; want 200 and no new cookie", res.StatusCode, res.Cookies())
		}
		// A second replica honours it too; once an account exists, nobody does.
		second, err := New(Options{Store: st, Config: f.cfg, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "http://localhost/items", nil)
		req.Header.Set("Cookie", sessionCookie+"="+token)
		rec := httptest.NewRecorder()
		second.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("the shared session on a second replica: %d, cookie %q", rec.Code, rec.Header().Get("Set-Cookie"))
		}
		addUser(t, st, "zhang", store.RoleAdmin, testPassword)
		if res := get("127.0.0.1:"+port, "/items", sessionCookie+"="+token); res.StatusCode != http.StatusSeeOther {
			t.Errorf("the open session once an account exists: %d, want 303 to the login", res.StatusCode)
		}
	})
}

// With a password set, the Host is not checked: the console may sit
// behind a reverse proxy that passes its public name.
func TestForeignHostWithPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	srv := httptest.NewServer(f.server)
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/login", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "duban.example.org"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("login page by its public name: %d, want 200", res.StatusCode)
	}
}

// postRoutes are the mux's POST routes that change something, with
// their path parameters filled in.
func postRoutes(t *testing.T, s *Server) []string {
	t.Helper()
	fill := strings.NewReplacer("{id}", "1", "{round}", "2024-7", "{no}", url.PathEscape("四.2"), "{$}", "", "{decision}", "approve",
		"{duty}", "sanzhongyida", "{unit}", "bgs", "{period}", "2026-10", "{token}", "no-such-upload")
	var out []string
	for _, rt := range s.routes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if method != http.MethodPost || path == "/login" || path == "/logout" {
			continue
		}
		if strings.HasPrefix(path, "/u/") { // a unit's link: its own token and form token (links_test.go)
			continue
		}
		if rt.access != writer {
			t.Errorf("POST %s is open to %v, want writers only", path, rt.access)
		}
		out = append(out, fill.Replace(path))
	}
	if len(out) == 0 {
		t.Fatal("the mux has no POST routes")
	}
	return out
}

// A viewer reads every page and changes nothing: every POST route of the
// mux refuses it with a Chinese message, before it is read, and its pages
// show no write buttons.
func TestViewerRefusedEveryWrite(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.run()
		failFirstDispatch(t, f)
		addUser(t, st, "李纪检", store.RoleViewer, viewerPassword)
		viewer := consoleFor(t, f)
		viewer.mustLoginAs("李纪检", viewerPassword)

		for _, path := range []string{"/", "/items", "/items/2024-7/" + url.PathEscape("四.2"), "/dispatches", "/dispatches.csv",
			"/dispatches/1", "/dispatches/1/html", "/duties", "/jobs", "/audit", "/audit.csv"} {
			if res := viewer.get(path); res.status != http.StatusOK {
				t.Errorf("viewer GET %s: %d, want 200", path, res.status)
			}
		}
		page := viewer.get("/dispatches/1")
		if strings.Contains(page.body, "重新发送") || !strings.Contains(page.body, "李纪检") || !strings.Contains(page.body, "只读") {
			t.Errorf("a viewer's page of a failed dispatch:\n%s", page.body)
		}
		csrf := hidden(t, page.body, "csrf")
		routes := postRoutes(t, f.server)
		for _, path := range routes {
			res := viewer.post(path, url.Values{"csrf": {csrf}})
			if res.status != http.StatusForbidden || !strings.Contains(res.body, "只读账号") {
				t.Errorf("viewer POST %s: %d, want 403 只读账号\n%s", path, res.status, res.body)
			}
		}
		if d, _ := st.GetDispatch(t.Context(), 1); d.State != store.StateFailed {
			t.Errorf("a viewer's retry changed the dispatch to %s", d.State)
		}
		// The viewer may log out, and an admin may do what it could not.
		if res := viewer.post("/logout", url.Values{"csrf": {csrf}}); res.status != http.StatusSeeOther {
			t.Errorf("viewer logout: %d", res.status)
		}
		admin := consoleFor(t, f)
		admin.mustLogin()
		page = admin.get("/dispatches/1")
		if !strings.Contains(page.body, "重新发送") {
			t.Error("an admin sees no retry button")
		}
		for _, path := range routes {
			if res := admin.post(path, url.Values{"csrf": {hidden(t, page.body, "csrf")}}); res.status == http.StatusForbidden {
				t.Errorf("admin POST %s: 403\n%s", path, res.body)
			}
		}
	})
}

// Every form that posts carries its token, and every POST route refuses a
// request without the session's.
func TestCSRFOnEveryForm(t *testing.T) {
	t.Parallel()
	err := fs.WalkDir(assets, "templates", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		text, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		for _, form := range regexp.MustCompile(`(?s)<form[^>]*method="post".*?</form>`).FindAllString(string(text), -1) {
			if !strings.Contains(form, `name="csrf"`) && !strings.Contains(form, `name="token"`) && !strings.Contains(form, `name="form"`) {
				t.Errorf("%s: a form posts without a token:\n%s", name, form)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	b := consoleFor(t, f)
	b.mustLogin()
	for _, path := range append(postRoutes(t, f.server), "/logout") {
		for _, csrf := range []string{"", "forged"} {
			if res := b.post(path, url.Values{"csrf": {csrf}}); res.status != http.StatusForbidden || !strings.Contains(res.body, "请刷新页面后重试") {
				t.Errorf("POST %s with csrf %q: %d, want 403", path, csrf, res.status)
			}
		}
	}
}

// A session lives in the database: a second replica honours it, and so
// does a console started again on the same database; logging out on one
// ends it on all.
func TestSessionOnEveryReplica(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			u := storetest.URL(t, dialect)
			openStore := func() *store.Store {
				st, err := store.Open(t.Context(), u)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
			f := newFixture(t, openStore(), "DUBAN_ADMIN_PASSWORD="+testPassword)
			addUser(t, f.st, "zhang", store.RoleAdmin, testPassword)
			a := consoleFor(t, f)
			a.mustLoginAs("zhang", testPassword)

			replica := func() http.Handler { // another process: its own pool on the same database
				s, err := New(Options{Store: openStore(), Config: f.cfg, Now: f.clock.Now})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			srv := httptest.NewServer(replica())
			t.Cleanup(srv.Close)
			b := &browser{t: t, base: srv.URL, c: a.c} // the same browser
			res := b.get("/items")
			if res.status != http.StatusOK || !strings.Contains(res.body, "zhang") {
				t.Fatalf("the second replica: %d\n%s", res.status, res.body)
			}
			srv.Close() // a restart: the console comes back on the same database
			srv2 := httptest.NewServer(replica())
			t.Cleanup(srv2.Close)
			b.base = srv2.URL
			page := b.get("/")
			if page.status != http.StatusOK {
				t.Fatalf("after a restart: %d", page.status)
			}
			if res := b.post("/logout", url.Values{"csrf": {hidden(t, page.body, "csrf")}}); res.status != http.StatusSeeOther {
				t.Fatalf("logout: %d", res.status)
			}
			if res := a.get("/"); res.status != http.StatusSeeOther {
				t.Errorf("the first replica after logout on another: %d, want 303", res.status)
			}
		})
	}
}

// Disabling an account or changing its password ends its sessions.
func TestAccountChangesEndSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		addUser(t, st, "zhang", store.RoleAdmin, testPassword)
		addUser(t, st, "wang", store.RoleViewer, viewerPassword)
		by := store.Actor{Name: "root", Kind: store.ActorCLI}
		z, w := consoleFor(t, f), consoleFor(t, f)
		z.mustLoginAs("zhang", testPassword)
		w.mustLoginAs("wang", viewerPassword)

		if err := st.SetUserDisabled(t.Context(), "zhang", true, by, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if res := z.get("/"); res.status != http.StatusSeeOther {
			t.Errorf("a disabled account's session: %d, want 303", res.status)
		}
		if res := z.loginAs("zhang", testPassword); res.status != http.StatusUnauthorized {
			t.Errorf("a disabled account logs in: %d, want 401", res.status)
		}
		f.clock.Add(time.Second)
		hash, _ := password.Hash("新的-viewer-口令")
		if err := st.SetUserPassword(t.Context(), "wang", hash, by, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if res := w.get("/"); res.status != http.StatusSeeOther {
			t.Errorf("a session from before the password changed: %d, want 303", res.status)
		}
		f.clock.Add(time.Second)
		w.mustLoginAs("wang", "新的-viewer-口令")
		if res := w.get("/"); res.status != http.StatusOK {
			t.Errorf("a session after the password changed: %d, want 200", res.status)
		}
	})
}

// X-Forwarded-For names the client only when a trusted proxy sends it;
// from anyone else it cannot buy a fresh set of attempts.
func TestThrottleByClientAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		try := func(b *browser, xff string) response {
			t.Helper()
			page := b.get("/login")
			form := url.Values{"token": {hidden(t, page.body, "token")}, "user": {"admin"}, "password": {"wrong-password"}}
			req, err := http.NewRequest(http.MethodPost, b.base+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", xff)
			return b.do(req)
		}
		direct := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		b := consoleFor(t, direct)
		for i := range loginFailures {
			try(b, fmt.Sprintf("203.0.113.%d", i))
		}
		if res := try(b, "198.51.100.1"); res.status != http.StatusTooManyRequests {
			t.Errorf("an untrusted X-Forwarded-For escapes the throttle: %d, want 429", res.status)
		}

		proxied := newFixture(t, storetest.Open(t, st.Dialect()), "DUBAN_ADMIN_PASSWORD="+testPassword,
			"DUBAN_ADMIN__TRUSTED_PROXIES=127.0.0.0/8, 10.0.0.0/8")
		p := consoleFor(t, proxied)
		for range loginFailures {
			if res := try(p, "203.0.113.5, 10.1.1.1"); res.status != http.StatusUnauthorized {
				t.Fatalf("a wrong password through the proxy: %d", res.status)
			}
		}
		if res := try(p, "203.0.113.5"); res.status != http.StatusTooManyRequests {
			t.Errorf("the sixth attempt of 203.0.113.5: %d, want 429", res.status)
		}
		if res := try(p, "198.51.100.7, 203.0.113.6"); res.status != http.StatusUnauthorized {
			t.Errorf("another client behind the proxy: %d, want 401 (its own attempts)", res.status)
		}
		failed, err := proxied.st.ListAudit(t.Context(), store.AuditFilter{Action: store.ActionLoginFailed, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) != 1 || failed[0].Addr != "203.0.113.6" {
			t.Errorf("audit entry %+v, want from 203.0.113.6", failed)
		}
	})
}

// The session and login cookies are Secure when the console's public
// address is https.
func TestSecureCookiesBehindHTTPS(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword,
		"DUBAN_ADMIN__PUBLIC_URL=https://duban.example.org")
	b := consoleFor(t, f)
	for _, res := range []response{b.get("/login"), b.login(testPassword)} {
		for _, c := range res.header.Values("Set-Cookie") {
			if !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
				t.Errorf("cookie %q, want Secure, HttpOnly, SameSite=Strict", c)
			}
		}
	}
	plain := consoleFor(t, newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword))
	for _, c := range plain.login(testPassword).header.Values("Set-Cookie") {
		if strings.Contains(c, "Secure") {
			t.Errorf("cookie %q is Secure without https", c)
		}
	}
}

// 操作日志 lists logins, retries and logouts with who, what and from where,
// filters them, and exports them as CSV with formulas defused.
func TestAuditPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.run()
		failFirstDispatch(t, f)
		addUser(t, st, "=1+2", store.RoleAdmin, testPassword) // a name a spreadsheet would run
		b := consoleFor(t, f)
		b.loginAs("=1+2", "wrong-password")
		b.mustLoginAs("=1+2", testPassword)
		page := b.get("/dispatches/1")
		b.post("/dispatches/1/retry", url.Values{"csrf": {hidden(t, page.body, "csrf")}})
		b.post("/logout", url.Values{"csrf": {hidden(t, page.body, "csrf")}})
		b.mustLogin()

		res := b.get("/audit")
		for _, want := range []string{"操作日志", "登录失败", "重新发送邮件", "退出", "=1&#43;2", "127.0.0.1", `href="/dispatches/1"`,
			"{&#34;state&#34;:&#34;failed&#34;,&#34;attempts&#34;:1}", "新增账号", "命令行"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("操作日志 lacks %q", want)
			}
		}
		if n := rowsOf(b.get("/audit?since=2026-11-25").body); n != 6 { // user.add, failed, login, retry, logout, login (after the day before's import)
			t.Errorf("操作日志 of the day has %d rows, want 6", n)
		}
		filtered := b.get("/audit?action=" + store.ActionDispatchRetry)
		if n := rowsOf(filtered.body); n != 1 || !strings.Contains(filtered.body, "重新发送邮件") {
			t.Errorf("filtered by retry: %d rows", n)
		}
		if n := rowsOf(b.get("/audit?actor=admin").body); n != 1 {
			t.Errorf("filtered by actor admin: %d rows, want 1", n)
		}
		if n := rowsOf(b.get("/audit?object=dispatch&key=1").body); n != 1 {
			t.Errorf("filtered by dispatch 1: %d rows, want 1", n)
		}
		if n := rowsOf(b.get("/audit?since=2026-11-26").body); n != 0 {
			t.Errorf("filtered from the day after: %d rows, want 0", n)
		}
		if res := b.get("/audit?since=soon"); !strings.Contains(res.body, "起始日期“soon”无效") {
			t.Error("a bad day is not reported")
		}

		csvRes := b.get("/audit.csv?actor=" + url.QueryEscape("=1+2"))
		if csvRes.header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("CSV content type %q", csvRes.header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvRes.body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 || rows[0][2] != "操作人" { // header, logout, retry, login, failed login
			t.Fatalf("CSV rows: %q", rows)
		}
		for _, row := range rows[1:] {
			if row[2] != "'=1+2" {
				t.Errorf("CSV actor cell %q, want the formula defused", row[2])
			}
		}
		if rows[2][4] != "重新发送邮件" || rows[2][7] != `{"state":"failed","attempts":1}` || rows[2][9] != "127.0.0.1" {
			t.Errorf("CSV retry row %q", rows[2])
		}
	})
}

// A failed login names only accounts that exist: a password typed into
// the name field stays out of the log.
func TestFailedLoginOfUnknownName(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	b := consoleFor(t, f)
	if res := b.loginAs(testPassword, testPassword); res.status != http.StatusUnauthorized {
		t.Fatalf("login with the password as the name: %d", res.status)
	}
	entries, err := f.st.ListAudit(context.Background(), store.AuditFilter{ObjectType: store.ObjectUser})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name != "（未知用户）" || strings.Contains(fmt.Sprint(entries), testPassword) {
		t.Errorf("audit log %+v", entries)
	}
}
