package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"duban/config"
)

const (
	sessionCookie = "duban_session"
	loginCookie   = "duban_login" // the login form's CSRF token, before there is a session
	sessionTTL    = 12 * time.Hour
	// A remote address may fail to log in loginFailures times per
	// loginWindow; further attempts are refused until the window moves on.
	loginFailures = 5
	loginWindow   = time.Minute
)

// session is a logged-in browser. The CSRF token goes into every form the
// console renders and must come back with every POST.
type session struct {
	csrf    string
	expires time.Time
}

// authenticator checks the admin password and keeps sessions and the
// login attempts of each remote address, in memory: a restart logs
// everybody out, which is fine for an office console.
type authenticator struct {
	password string // plain, from DUBAN_ADMIN_PASSWORD; compared in constant time
	hash     []byte // bcrypt, from admin.password_hash
	now      func() time.Time

	mu       sync.Mutex
	sessions map[string]*session
	failures map[string][]time.Time // remote IP → failed attempts within loginWindow
}

func newAuthenticator(a config.AdminConfig, now func() time.Time) (*authenticator, error) {
	au := &authenticator{
		password: a.Password, now: now,
		sessions: map[string]*session{}, failures: map[string][]time.Time{},
	}
	if a.PasswordHash != "" {
		if err := CheckPasswordHash(a.PasswordHash); err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		au.hash = []byte(a.PasswordHash)
	}
	return au, nil
}

// CheckPasswordHash reports whether hash is a bcrypt hash. The error does
// not quote the hash: it is a secret, and it might be a password pasted
// into the wrong key.
func CheckPasswordHash(hash string) error {
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return errors.New("admin.password_hash is not a bcrypt hash (like $2a$10$…, e.g. from htpasswd -nbBC 10 '' PASSWORD)")
	}
	return nil
}

// open: no password is configured, so the console needs no login (serve
// allows this on a loopback address only).
func (a *authenticator) open() bool { return a.password == "" && a.hash == nil }

// check reports whether password is the admin password.
func (a *authenticator) check(password string) bool {
	if a.password != "" {
		// Hash both sides so the comparison takes the same time whatever the lengths.
		want, got := sha256.Sum256([]byte(a.password)), sha256.Sum256([]byte(password))
		if subtle.ConstantTimeCompare(want[:], got[:]) == 1 {
			return true
		}
	}
	if a.hash != nil {
		return bcrypt.CompareHashAndPassword(a.hash, []byte(password)) == nil
	}
	return false
}

// allowed reports whether ip may try to log in now.
func (a *authenticator) allowed(ip string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.recentFailures(ip)) < loginFailures
}

// failed records a failed login of ip.
func (a *authenticator) failed(ip string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.failures[ip] = append(a.recentFailures(ip), a.now())
}

// recentFailures drops the failures of ip older than loginWindow; a.mu held.
func (a *authenticator) recentFailures(ip string) []time.Time {
	cutoff := a.now().Add(-loginWindow)
	kept := a.failures[ip][:0]
	for _, t := range a.failures[ip] {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(a.failures, ip)
		return nil
	}
	a.failures[ip] = kept
	return kept
}

// start opens a session and returns its token.
func (a *authenticator) start() (string, *session) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for tok, s := range a.sessions {
		if now.After(s.expires) {
			delete(a.sessions, tok)
		}
	}
	token := randomToken()
	s := &session{csrf: randomToken(), expires: now.Add(sessionTTL)}
	a.sessions[token] = s
	return token, s
}

// lookup returns the live session of token and extends it.
func (a *authenticator) lookup(token string) (*session, bool) {
	if token == "" {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[token]
	if !ok {
		return nil, false
	}
	now := a.now()
	if now.After(s.expires) {
		delete(a.sessions, token)
		return nil, false
	}
	s.expires = now.Add(sessionTTL)
	return s, true
}

func (a *authenticator) end(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, token)
}

// randomToken is 256 bits from the system's CSPRNG, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand panics rather than return short
	return base64.RawURLEncoding.EncodeToString(b)
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// remoteIP is the peer's address. X-Forwarded-For is not trusted: a
// client could name any address in it to escape the login rate limit.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

type sessionKey struct{}

func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// protect requires a session for a console page; an open console (no
// password, loopback only) hands every browser one. A POST must carry the
// session's CSRF token.
func (s *Server) protect(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.currentSession(r)
		if !ok && s.auth.open() {
			var token string
			token, sess = s.auth.start()
			setCookie(w, r, sessionCookie, token, 0)
			ok = true
		}
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.errorPage(w, r, http.StatusUnauthorized, "请先登录。")
			return
		}
		if r.Method == http.MethodPost && !sameToken(sess.csrf, r.PostFormValue("csrf")) {
			s.errorPage(w, r, http.StatusForbidden, "请求已失效(安全校验未通过),请刷新页面后重试。")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

func (s *Server) currentSession(r *http.Request) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	return s.auth.lookup(c.Value)
}

type loginView struct {
	Token, Next, Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.auth.open() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if _, ok := s.currentSession(r); ok {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	// Keep the browser's token: a second login page loaded meanwhile (another
	// tab, a redirected favicon request) must not invalidate the first form.
	token := ""
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == len(randomToken()) {
		token = c.Value
	} else {
		token = randomToken()
	}
	setCookie(w, r, loginCookie, token, int(time.Hour.Seconds()))
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	s.render(w, r, status, "login", "登录", loginView{Token: token, Next: safeNext(next), Error: msg})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.auth.open() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	ip := remoteIP(r)
	if !s.auth.allowed(ip) {
		s.log.Warn("admin login refused: too many attempts", "remote", ip)
		s.renderLogin(w, r, http.StatusTooManyRequests, "登录尝试过于频繁,请1分钟后再试。")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(c.Value, r.PostFormValue("token")) {
		s.renderLogin(w, r, http.StatusForbidden, "登录页面已过期,请重新输入口令。")
		return
	}
	if !s.auth.check(r.PostFormValue("password")) {
		s.auth.failed(ip)
		s.log.Warn("admin login failed", "remote", ip)
		s.renderLogin(w, r, http.StatusUnauthorized, "口令错误。")
		return
	}
	token, _ := s.auth.start()
	setCookie(w, r, sessionCookie, token, 0)
	setCookie(w, r, loginCookie, "", -1)
	s.log.Info("admin login", "remote", ip)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.auth.end(c.Value)
	}
	setCookie(w, r, sessionCookie, "", -1)
	if s.auth.open() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect after login on this site: a path, not
// "//evil.example" or "/\evil.example", which browsers read as another host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	return next
}
