package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"duban/config"
	"duban/internal/password"
	"duban/store"
)

const (
	sessionCookie = "duban_session"
	loginCookie   = "duban_login" // the login form's CSRF token, before there is a session
	sessionTTL    = 12 * time.Hour
	// A client address may try loginFailures passwords per loginWindow;
	// further attempts are refused until the window is over.
	loginFailures = 5
	loginWindow   = time.Minute
)

// Keys of a session's data.
const (
	keyUser  = "user"  // the account's name
	keyCSRF  = "csrf"  // the token every form carries
	keySince = "since" // when the user logged in (Unix nanoseconds)
	keyOpen  = "open"  // the shared session of a console without a password
)

// session is a logged-in browser as a request sees it. The CSRF token goes
// into every form the console renders and must come back with every POST.
type session struct {
	user, role, csrf string
	open             bool
	ctx              context.Context // carries the scs session data
}

func (s *session) canWrite() bool { return s.role == store.RoleAdmin }

// newSessions keeps the console's sessions in the database (the sessions
// table), so that every replica honours them and a restart keeps them.
// Their tokens are stored hashed: a copy of the table opens no session.
func newSessions(st *store.Store, a config.AdminConfig) *scs.SessionManager {
	sm := scs.New()
	sm.Store = st.SessionStore()
	sm.Lifetime = sessionTTL
	sm.HashTokenInStore = true
	sm.Cookie.Name = sessionCookie
	sm.Cookie.SameSite = http.SameSiteStrictMode
	sm.Cookie.Secure = a.SecureCookies()
	sm.Cookie.Persist = false // gone when the browser closes
	return sm
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

// remoteIP is the peer's address.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientAddr is the client's address: the peer's, unless the peer is a
// trusted proxy (admin.trusted_proxies); then the nearest address in
// X-Forwarded-For that is not a trusted proxy. From any other peer the
// header is ignored: a client could name any address in it to escape the
// login throttle.
func (s *Server) clientAddr(r *http.Request) string {
	peer := remoteIP(r)
	ip, err := netip.ParseAddr(peer)
	if err != nil || !s.trustedProxy(ip) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := ip
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: believe no further
		}
		client = hop.Unmap()
		if !s.trustedProxy(client) {
			break
		}
	}
	return client.String()
}

func (s *Server) trustedProxy(ip netip.Addr) bool {
	for _, p := range s.cfg.Admin.Proxies {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || s.cfg.Admin.SecureCookies(),
	})
}

type sessionKey struct{}

func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// actorOf is who acts in a request, for the audit log.
func (s *Server) actorOf(r *http.Request) store.Actor {
	a := store.Actor{Name: store.BootstrapUser, Kind: store.ActorUser, Addr: s.clientAddr(r)}
	if sess := sessionOf(r.Context()); sess != nil {
		a.Name = sess.user
	}
	return a
}

// open reports whether the console runs without a login: no bootstrap
// password, no account that may log in, and a loopback address. A
// database that does not answer keeps it closed.
func (s *Server) open(ctx context.Context) bool {
	if HasPassword(s.cfg.Admin) || !config.IsLoopback(s.cfg.Admin.Listen) {
		return false
	}
	has, err := s.st.HasActiveUsers(ctx)
	return err == nil && !has
}

// localHost reports whether a request's Host names this machine: the
// listen address, localhost, 127.0.0.1 or [::1]. An open console answers
// nothing else, so that a site whose name an attacker points at 127.0.0.1
// (DNS rebinding) cannot read it from a visitor's browser.
func (s *Server) localHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	listen, _, _ := net.SplitHostPort(s.cfg.Admin.Listen)
	return strings.EqualFold(host, "localhost") || host == "127.0.0.1" || host == "::1" || (listen != "" && host == listen)
}

// currentSession is the request's session: its cookie's, while the
// account behind it may still log in; in an open console, the one shared
// session of that mode (handed to the browser).
func (s *Server) currentSession(w http.ResponseWriter, r *http.Request) (*session, bool) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if sess, ok := s.loadSession(r.Context(), c.Value); ok {
			return sess, true
		}
	}
	if !s.open(r.Context()) {
		return nil, false
	}
	token, expiry, err := s.openSession(r.Context())
	if err != nil {
		s.log.Error("open console: session", "error", err)
		return nil, false
	}
	sess, ok := s.loadSession(r.Context(), token)
	if ok {
		s.sessions.WriteSessionCookie(sess.ctx, w, token, expiry)
	}
	return sess, ok
}

// loadSession resolves a session token to its account and role. A
// session of a disabled account, of one whose password changed since, of
// the bootstrap account once it has no password, or of the open mode once
// the console is no longer open, is not honoured.
func (s *Server) loadSession(ctx context.Context, token string) (*session, bool) {
	sctx, err := s.sessions.Load(ctx, token)
	if err != nil {
		s.log.Error("load session", "error", err)
		return nil, false
	}
	sess := &session{
		user: s.sessions.GetString(sctx, keyUser), csrf: s.sessions.GetString(sctx, keyCSRF),
		open: s.sessions.GetBool(sctx, keyOpen), role: store.RoleAdmin, ctx: sctx,
	}
	switch {
	case sess.user == "" || sess.csrf == "":
		return nil, false
	case sess.open:
		return sess, s.open(ctx)
	case sess.user == store.BootstrapUser:
		return sess, HasPassword(s.cfg.Admin)
	}
	u, err := s.st.GetUser(ctx, sess.user)
	if err != nil || u.Disabled || time.Unix(0, s.sessions.GetInt64(sctx, keySince)).Before(u.PasswordChangedAt) {
		return nil, false
	}
	sess.role = u.Role
	return sess, true
}

// openSession is the one session of an open console, made once per
// process and again when it expires, instead of one per request.
func (s *Server) openSession(ctx context.Context) (string, time.Time, error) {
	s.openMu.Lock()
	defer s.openMu.Unlock()
	if s.openToken != "" {
		if sctx, err := s.sessions.Load(ctx, s.openToken); err == nil && s.sessions.GetBool(sctx, keyOpen) {
			return s.openToken, s.sessions.Deadline(sctx), nil
		}
	}
	sctx, err := s.sessions.Load(ctx, "")
	if err != nil {
		return "", time.Time{}, err
	}
	s.sessions.Put(sctx, keyOpen, true)
	s.sessions.Put(sctx, keyUser, store.BootstrapUser)
	s.sessions.Put(sctx, keyCSRF, randomToken())
	token, expiry, err := s.sessions.Commit(sctx)
	if err != nil {
		return "", time.Time{}, err
	}
	s.openToken = token
	return token, expiry, nil
}

// access is who may use a route.
type access int

const (
	public access = iota // anyone: the login page, /healthz, the stylesheet
	reader               // a logged-in account: every page, and logging out
	writer               // an admin account: every change
)

const (
	msgLoginFirst = "请先登录。"
	msgStaleForm  = "请求已失效（安全校验未通过），请刷新页面后重试。"
	msgReadOnly   = "您的账号为只读账号，不能修改数据；如需修改，请联系整改办管理员。"
)

// protect requires a session of the route's access for a console page. A
// writer's route needs an admin, whatever the method; a request that is
// not GET or HEAD must carry the session's CSRF token in a URL-encoded
// form; nothing of its body is read before its session is known.
func (s *Server) protect(level access, h http.HandlerFunc) http.HandlerFunc {
	return s.protectWith(level, s.readForm, h)
}

// protectUpload is protect for a route that takes a file: its form may be
// multipart, parsed only once an admin's session is known.
func (s *Server) protectUpload(h http.HandlerFunc) http.HandlerFunc {
	return s.protectWith(writer, s.readMultipart, h)
}

func (s *Server) protectWith(level access, readForm func(http.ResponseWriter, *http.Request) bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, ok := s.currentSession(w, r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			w.Header().Set("Connection", "close") // its body is not for us
			s.errorPage(w, r, http.StatusUnauthorized, msgLoginFirst)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
		if level == writer && !sess.canWrite() {
			w.Header().Set("Connection", "close")
			s.errorPage(w, r, http.StatusForbidden, msgReadOnly)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !readForm(w, r) {
				return
			}
			if !sameToken(sess.csrf, r.PostForm.Get("csrf")) {
				s.errorPage(w, r, http.StatusForbidden, msgStaleForm)
				return
			}
		}
		h(w, r)
	}
}

type loginView struct {
	Token, Next, User, Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.open(r.Context()) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if c, err := r.Cookie(sessionCookie); err == nil {
		if _, ok := s.loadSession(r.Context(), c.Value); ok {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	s.renderLogin(w, r, http.StatusOK, loginView{Next: next})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	// Keep the browser's token: a second login page loaded meanwhile (another
	// tab, a redirected favicon request) must not invalidate the first form.
	if c, err := r.Cookie(loginCookie); err == nil && len(c.Value) == len(randomToken()) {
		v.Token = c.Value
	} else {
		v.Token = randomToken()
	}
	s.setCookie(w, r, loginCookie, v.Token, int(time.Hour.Seconds()))
	s.render(w, r, status, "login", "登录", v)
}

// login checks a user name and password. The attempt is counted for the
// client's address before anything else, the body not yet read: attempts
// in flight count, so that guesses sent at once with their bodies held
// back get no more password checks than guesses sent one by one. An
// attempt that checks no password, or succeeds, is given back.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if s.open(ctx) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	addr := s.clientAddr(r)
	allowed, err := s.st.ReserveLogin(ctx, addr, s.now(), loginWindow, loginFailures)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !allowed {
		s.metrics.logins.WithLabelValues("throttled").Inc()
		s.log.Warn("console login refused: too many attempts", "remote", addr)
		w.Header().Set("Connection", "close") // its body is not for us
		s.renderLogin(w, r, http.StatusTooManyRequests, loginView{Next: "/", Error: "登录尝试过于频繁，请1分钟后再试。"})
		return
	}
	release := func() {
		if err := s.st.ReleaseLogin(context.WithoutCancel(ctx), addr, s.now(), loginWindow); err != nil {
			s.log.Error("console login: release attempt", "error", err)
		}
	}
	if !s.readForm(w, r) {
		release()
		return
	}
	v := loginView{Next: safeNext(r.PostForm.Get("next")), User: strings.TrimSpace(r.PostForm.Get("user"))}
	if c, err := r.Cookie(loginCookie); err != nil || !sameToken(c.Value, r.PostForm.Get("token")) {
		release()
		v.Error = "登录页面已过期，请重新输入。"
		s.renderLogin(w, r, http.StatusForbidden, v)
		return
	}
	if !s.checkPassword(ctx, v.User, r.PostForm.Get("password")) {
		s.metrics.logins.WithLabelValues("failed").Inc()
		s.log.Warn("console login failed", "user", v.User, "remote", addr)
		s.recordLogin(ctx, store.ActionLoginFailed, v.User, addr)
		v.Error = "用户名或口令错误。"
		s.renderLogin(w, r, http.StatusUnauthorized, v)
		return
	}
	release()
	s.metrics.logins.WithLabelValues("ok").Inc()
	if err := s.startSession(w, r, v.User); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, r, loginCookie, "", -1)
	s.log.Info("console login", "user", v.User, "remote", addr)
	s.recordLogin(ctx, store.ActionLogin, v.User, addr)
	s.sweep(ctx)
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
}

// checkPassword reports whether pw is the password of the account name:
// the bootstrap account's from the config, the others' from the database.
// An unknown or disabled account costs a bcrypt comparison too, so that
// timing does not tell which names exist.
func (s *Server) checkPassword(ctx context.Context, name, pw string) bool {
	a := s.cfg.Admin
	if name == store.BootstrapUser {
		switch {
		case a.Password != "":
			return password.Equal(a.Password, pw)
		case a.PasswordHash != "":
			return password.Matches(a.PasswordHash, pw)
		}
		password.Waste(pw)
		return false
	}
	u, err := s.st.GetUser(ctx, name)
	if err != nil || u.Disabled {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("console login: look up user", "error", err)
		}
		password.Waste(pw)
		return false
	}
	return password.Matches(u.PasswordHash, pw)
}

// startSession opens a fresh session for user (never one the browser
// brought, which an attacker could have planted) and hands out its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, user string) error {
	sctx, err := s.sessions.Load(r.Context(), "")
	if err != nil {
		return err
	}
	s.sessions.Put(sctx, keyUser, user)
	s.sessions.Put(sctx, keyCSRF, randomToken())
	s.sessions.Put(sctx, keySince, s.now().UnixNano())
	token, expiry, err := s.sessions.Commit(sctx)
	if err != nil {
		return err
	}
	s.sessions.WriteSessionCookie(sctx, w, token, expiry)
	return nil
}

// recordLogin writes a login, a failed login or a logout to the audit log.
// A failed login names the account only when it exists: a user who typed
// the password into the name field must not find it in the log.
func (s *Server) recordLogin(ctx context.Context, action, user, addr string) {
	if action == store.ActionLoginFailed && user != store.BootstrapUser {
		if _, err := s.st.GetUser(ctx, user); err != nil {
			user = "（未知用户）"
		}
	}
	e := store.AuditEntry{At: s.now(), Actor: store.Actor{Name: user, Kind: store.ActorUser, Addr: addr},
		Action: action, ObjectType: store.ObjectUser, ObjectKey: user}
	if err := s.st.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("console: audit "+action, "error", err)
	}
}

// sweep forgets expired sessions and finished login windows; a login is
// rare enough to carry that work.
func (s *Server) sweep(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if err := errors.Join(s.st.DeleteExpiredSessions(ctx), s.st.DeleteStaleLogins(ctx, s.now(), loginWindow)); err != nil {
		s.log.Error("console: sweep sessions", "error", err)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess := sessionOf(r.Context())
	if sess.open { // the shared session of an open console stays
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := s.sessions.Destroy(sess.ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.WriteSessionCookie(sess.ctx, w, "", time.Time{})
	s.recordLogin(r.Context(), store.ActionLogout, sess.user, s.clientAddr(r))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect after login on this site: a plain local path.
// Browsers drop tabs and line breaks from a URL and read a backslash as a
// slash, so "/\t/evil.example" and "/\evil.example" would lead to another
// host, as "//evil.example" and "https://evil.example" do.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}

// openState is the open console's one session, made once per process.
type openState struct {
	openMu    sync.Mutex
	openToken string
}
