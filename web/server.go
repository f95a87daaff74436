// Package web is duban's admin console: server-rendered pages in Chinese
// over the store (the ledger, the dispatch log, duty submissions, job
// runs), the operations endpoints /healthz, /readyz and /metrics, and the
// one write the console allows, retrying a failed dispatch.
package web

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"duban/config"
	"duban/ledger"
	"duban/store"
)

// Options are the console's collaborators, injected by the caller.
type Options struct {
	Store  *store.Store
	Config *config.Config
	// Metrics is the registry /metrics serves; nil: a fresh one. Pass the
	// one whose hooks the worker and the scheduler report to.
	Metrics *Metrics
	// Version is this build's, for duban_build_info when Metrics is nil.
	Version string
	Now     func() time.Time // the clock; time.Now when nil
	Logger  *slog.Logger
	// Started is when the daemon started: the overview gives jobs that have
	// not run since two intervals to do so. Zero: Now() when New is called.
	Started time.Time
	// Duties are the config's [[duties]] as the rules see them (units
	// resolved, exempt ones left out), for 定期任务 and the overview.
	Duties []ledger.DutySpec
	// Wake tells the delivery worker that a dispatch was put back to
	// pending (a retry from the console); nil: the worker's poll finds it.
	Wake func()
}

// Server is the console's HTTP handler. Build it with New.
type Server struct {
	st      *store.Store
	cfg     *config.Config
	metrics *Metrics
	now     func() time.Time
	log     *slog.Logger
	started time.Time
	wake    func()
	specs   []ledger.DutySpec

	auth    *authenticator
	pages   map[string]*pageTemplate
	handler http.Handler
}

// New builds the console over the store and config.
func New(o Options) (*Server, error) {
	if o.Store == nil || o.Config == nil {
		return nil, errors.New("web: a store and a config are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Started.IsZero() {
		o.Started = o.Now()
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(o.Version)
	}
	s := &Server{
		st: o.Store, cfg: o.Config, metrics: o.Metrics, now: o.Now, log: o.Logger,
		started: o.Started, wake: o.Wake, specs: o.Duties,
	}
	var err error
	if s.auth, err = newAuthenticator(o.Config.Admin, o.Now); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(s.funcs()); err != nil {
		return nil, err
	}
	if err := s.metrics.watchStore(s); err != nil {
		return nil, err
	}
	s.handler = securityHeaders(s.routes())
	return s, nil
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Open reports whether the console runs without a password (loopback only).
func (s *Server) Open() bool { return s.auth.open() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux.Handle("GET /static/", cacheFor(time.Hour, http.StripPrefix("/static/", http.FileServerFS(static))))
	mux.Handle("GET /favicon.ico", cacheFor(24*time.Hour, serveAsset("static/favicon.svg", "image/svg+xml")))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler(s.log))

	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("POST /logout", s.protect(s.logout))

	mux.Handle("GET /{$}", s.protect(s.overview))
	mux.Handle("GET /items", s.protect(s.itemList))
	mux.Handle("GET /items/{round}/{no}", s.protect(s.itemPage))
	mux.Handle("GET /dispatches", s.protect(s.dispatchList))
	mux.Handle("GET /dispatches.csv", s.protect(s.dispatchCSV))
	mux.Handle("GET /dispatches/{id}", s.protect(s.dispatchPage))
	mux.Handle("GET /dispatches/{id}/html", s.protect(s.dispatchHTML))
	mux.Handle("POST /dispatches/{id}/retry", s.protect(s.retryDispatch))
	mux.Handle("GET /duties", s.protect(s.dutiesPage))
	mux.Handle("GET /jobs", s.protect(s.jobsPage))
	mux.Handle("/", s.protect(s.notFound))
	return mux
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	value := fmt.Sprintf("public, max-age=%d", int(d.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", value)
		h.ServeHTTP(w, r)
	})
}

// IsLoopback reports whether a listen address (host:port) accepts
// connections from this machine only: localhost or a loopback IP. An empty
// host listens on every interface.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HasPassword reports whether the admin config sets a password or a hash.
func HasPassword(a config.AdminConfig) bool {
	return a.Password != "" || a.PasswordHash != ""
}

// serveAsset serves one embedded file, e.g. the favicon browsers ask for
// at the root whatever the page says.
func serveAsset(name, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(b)
	})
}
