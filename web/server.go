// Package web is duban's admin console: server-rendered pages in Chinese
// over the store (the ledger, the dispatch log, duty submissions, job
// runs, the audit log), the operations endpoints /healthz, /readyz and
// /metrics, the office's logins and roles, and the office's work: items
// created, edited, done, closed, reopened and re-checked, progress notes,
// submissions recorded and withdrawn, ledger files imported (previewed
// first) and exported, failed messages sent again.
package web

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"duban/config"
	"duban/ledger"
	"duban/notify"
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
	// pending (a retry from the console, a decision on a request); nil: the
	// worker's poll finds it.
	Wake func()
	// LinkKey is the server key of the units' links; nil: the config's, else
	// the one kept in the database.
	LinkKey []byte
	// Templates render the decision messages; nil: those of mail.templates_dir.
	Templates *notify.Templates
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

	sessions *scs.SessionManager
	openState
	linkState
	pages   map[string]*pageTemplate
	routes  []route
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
	if err := o.Config.Admin.CheckSecrets(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.sessions = newSessions(o.Store, o.Config.Admin)
	if err := s.initLinks(o); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(s.funcs()); err != nil {
		return nil, err
	}
	if err := s.metrics.watchStore(s); err != nil {
		return nil, err
	}
	s.handler = securityHeaders(s.mux())
	return s, nil
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// route is one pattern of the console's mux, with who may use it and how
// large a request body it takes.
type route struct {
	pattern string
	access  access
	maxBody int64
	h       http.Handler
}

// maxFormBytes bounds the body of every request: a login or a form is a
// few hundred bytes. A route that takes uploads sets its own bound.
const maxFormBytes = 16 << 10

func (s *Server) consoleRoutes() []route {
	static, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	page := func(pattern string, level access, h http.HandlerFunc) route {
		return route{pattern: pattern, access: level, maxBody: maxFormBytes, h: s.protect(level, h)}
	}
	anyone := func(pattern string, h http.Handler) route {
		return route{pattern: pattern, access: public, maxBody: maxFormBytes, h: h}
	}
	upload := func(pattern string, h http.HandlerFunc) route {
		return route{pattern: pattern, access: writer, maxBody: maxUploadBytes, h: s.protectUpload(h)}
	}
	return append(append([]route{
		anyone("GET /static/", cacheFor(time.Hour, http.StripPrefix("/static/", filesOnly(static)))),
		anyone("GET /favicon.ico", cacheFor(24*time.Hour, serveAsset("static/favicon.svg", "image/svg+xml"))),
		anyone("GET /healthz", http.HandlerFunc(s.healthz)),
		anyone("GET /readyz", http.HandlerFunc(s.readyz)),
		anyone("GET /metrics", s.metrics.handler(s.log)),
		anyone("GET /login", http.HandlerFunc(s.loginPage)),
		anyone("POST /login", http.HandlerFunc(s.login)),

		page("POST /logout", reader, s.logout),
		page("GET /{$}", reader, s.overview),
		page("GET /items", reader, s.itemList),
		page("GET /items/new", writer, s.newItemPage),
		page("POST /items/new", writer, s.createItem),
		page("GET /items/{round}/{no}", reader, s.itemPage),
		page("GET /items/{round}/{no}/edit", writer, s.editItemPage),
		page("POST /items/{round}/{no}/edit", writer, s.editItem),
		page("POST /items/{round}/{no}/progress", writer, s.addNote),
		page("POST /items/{round}/{no}/status", writer, s.changeStatus),
		page("POST /items/{round}/{no}/confirm", writer, s.confirmFollowup),
		page("GET /export", reader, s.exportLedger),
		page("GET /import", writer, s.importPage),
		upload("POST /import", s.uploadLedger),
		page("GET /import/{token}", writer, s.previewImport),
		page("POST /import/{token}", writer, s.applyImport),
		page("GET /dispatches", reader, s.dispatchList),
		page("GET /dispatches.csv", reader, s.dispatchCSV),
		page("GET /dispatches/{id}", reader, s.dispatchPage),
		page("GET /dispatches/{id}/html", reader, s.dispatchHTML),
		page("POST /dispatches/{id}/retry", writer, s.retryDispatch),
		page("POST /dispatches/retry-failed", writer, s.retryFailed),
		page("GET /duties", reader, s.dutiesPage),
		page("GET /duties/{duty}/{unit}/{period}", writer, s.dutyCellPage),
		page("POST /duties/{duty}/{unit}/{period}/submit", writer, s.recordSubmission),
		page("POST /duties/{duty}/{unit}/{period}/withdraw", writer, s.withdrawSubmission),
		page("GET /notice", reader, s.noticePage),
		page("GET /notice/download", reader, s.noticeDownload),
		page("GET /jobs", reader, s.jobsPage),
		page("GET /audit", reader, s.auditPage),
		page("GET /audit.csv", reader, s.auditCSV),
	}, s.linkRoutes()...), page("/", reader, s.notFound))
}

func (s *Server) mux() http.Handler {
	mux := http.NewServeMux()
	s.routes = s.consoleRoutes()
	for _, rt := range s.routes {
		mux.Handle(rt.pattern, s.guard(rt.maxBody, rt.h))
	}
	return mux
}

// guard applies what every request gets: its body bounded before anyone
// reads it (a body that says it is larger is refused unread), and, while
// the console is open, only a Host of this machine.
func (s *Server) guard(maxBody int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			s.tooLarge(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if !HasPassword(s.cfg.Admin) && !s.localHost(r.Host) && s.open(r.Context()) {
			w.Header().Set("Connection", "close")
			s.errorPage(w, r, http.StatusMisdirectedRequest,
				"此管理后台未设置口令，只接受以本机地址（localhost、127.0.0.1）访问。")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close") // the rest of the body is not read
	s.errorPage(w, r, http.StatusRequestEntityTooLarge, "提交的内容过大。")
}

// readForm parses a form: URL-encoded only, within the route's bound.
// Multipart bodies are refused: only an upload route takes them
// (readMultipart), and none may be parsed before a session exists.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) bool {
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(strings.ToLower(ct)) != "application/x-www-form-urlencoded" {
		w.Header().Set("Connection", "close")
		s.errorPage(w, r, http.StatusUnsupportedMediaType, "不支持的提交格式。")
		return false
	}
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.tooLarge(w, r)
			return false
		}
		s.errorPage(w, r, http.StatusBadRequest, "提交的内容无法识别。")
		return false
	}
	return true
}

// readMultipart parses the form of an upload route: multipart, held in
// memory within the route's bound (no temporary files), or URL-encoded.
func (s *Server) readMultipart(w http.ResponseWriter, r *http.Request) bool {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if strings.TrimSpace(strings.ToLower(ct)) != "multipart/form-data" {
		return s.readForm(w, r)
	}
	if err := r.ParseMultipartForm(maxUploadBytes); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.tooLarge(w, r)
			return false
		}
		s.errorPage(w, r, http.StatusBadRequest, "提交的内容无法识别。")
		return false
	}
	return true
}

// filesOnly serves the files of fsys and no directory listing.
func filesOnly(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	value := fmt.Sprintf("public, max-age=%d", int(d.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", value)
		h.ServeHTTP(w, r)
	})
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
