package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"duban/config"
	"duban/internal/unitlink"
	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// linkState is what the units' link pages and the review queue need.
type linkState struct {
	signer    *unitlink.Signer
	reviewer  *Reviewer
	limits    *limiter
	unitPages map[string]*template.Template // the unit's page and its error page, outside the console's layout
	calendar  *ledger.Calendar
}

// maxFilesPerRequest bounds the files of one request.
const maxFilesPerRequest = 10

// uploadBody bounds the body of a request with files: every file at its
// limit, and the form's texts.
func uploadBody(a config.AdminConfig) int64 {
	return maxFilesPerRequest*a.MaxUploadBytes() + 1<<20
}

func (s *Server) initLinks(o Options) error {
	key := o.LinkKey
	if key == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		if key, err = unitlink.ServerKey(ctx, o.Config.Admin.SecretKey, o.Store, o.Now()); err != nil {
			return fmt.Errorf("web: the links' key: %w", err)
		}
	}
	tmpl := o.Templates
	if tmpl == nil {
		var err error
		if tmpl, err = notify.LoadTemplates(o.Config.Mail.TemplatesDir); err != nil {
			return fmt.Errorf("web: %w", err)
		}
	}
	s.signer = unitlink.NewSigner(key)
	var links *unitlink.Links
	if o.Config.Admin.PublicURL != "" {
		links = &unitlink.Links{Signer: s.signer, PublicURL: o.Config.Admin.PublicURL, TTL: o.Config.Admin.LinkTTL.Duration}
	}
	s.reviewer = &Reviewer{Store: o.Store, Config: o.Config, Templates: tmpl, Links: links, Now: o.Now}
	s.limits = newLimiter(o.Now)
	s.calendar = ledger.NewCalendar(o.Config.Calendar.Holidays, o.Config.Calendar.Workdays)
	pages, err := loadUnitPages(s.funcs())
	if err != nil {
		return err
	}
	s.unitPages = pages
	return nil
}

// linkRoutes are the units' pages, reached by their links without a
// session, and the office's review queue. Only the link routes that take
// files accept a body larger than a form's, and parse it only once the
// link has checked out.
func (s *Server) linkRoutes() []route {
	upload := uploadBody(s.cfg.Admin)
	unit := func(pattern string, maxBody int64, h func(http.ResponseWriter, *http.Request, unitLink)) route {
		return route{pattern: pattern, access: public, maxBody: maxBody, h: s.withLink(h)}
	}
	office := func(pattern string, level access, h http.HandlerFunc) route {
		return route{pattern: pattern, access: level, maxBody: maxFormBytes, h: s.protect(level, h)}
	}
	return []route{
		unit("GET /u/{token}", maxFormBytes, s.unitPage),
		unit("POST /u/{token}/items/{round}/{no}/{kind}", upload, s.unitItemRequest),
		unit("POST /u/{token}/duties/{duty}/{period}", upload, s.unitSubmission),
		office("GET /requests", reader, s.requestsPage),
		office("POST /requests/{id}/{decision}", writer, s.decideRequest),
		office("GET /files/{id}", reader, s.downloadFile),
		office("GET /files/{id}/preview", reader, s.previewFile),
	}
}

// unitLink is a link that checked out: the unit's code and config, and
// the token, for the page's own URLs.
type unitLink struct {
	Token  string
	Unit   ledger.Unit
	Claims unitlink.Claims
}

// Link rate limits: a client address may open pages at linkPerAddr a
// second with bursts of linkBurst, a unit's link likewise. They keep one
// client from flooding the database or guessing at links; kept in memory,
// each replica counts its own, which is enough for that and costs no write
// per page view.
const (
	linkPerSecond = 1
	linkBurst     = 30
)

// withLink checks a request's link before anything else of it is read:
// the client's rate, the signature, the expiry, the unit's generation (a
// revoked link) and that the unit is still configured. A link that fails
// gets a page that says only that.
func (s *Server) withLink(h func(http.ResponseWriter, *http.Request, unitLink)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.limits.allow("addr:" + s.clientAddr(r)) {
			s.linkRefused(w, http.StatusTooManyRequests, "访问过于频繁，请稍后再试。")
			return
		}
		token := r.PathValue("token")
		c, err := s.signer.Verify(token, s.now())
		switch {
		case errors.Is(err, unitlink.ErrExpired):
			s.linkRefused(w, http.StatusGone, "此链接已过期。请使用整改办最新提醒中的链接，或与整改办联系。")
			return
		case err != nil:
			s.linkRefused(w, http.StatusForbidden, "此链接无效。请检查链接是否完整，或与整改办联系。")
			return
		}
		gen, err := s.st.LinkGeneration(r.Context(), c.Unit)
		if err != nil {
			s.log.Error("unit link: generation", "error", err)
			s.linkRefused(w, http.StatusInternalServerError, "服务器内部错误，请稍后重试。")
			return
		}
		u, known := s.cfg.Unit(c.Unit)
		switch {
		case c.Generation > gen:
			s.linkRefused(w, http.StatusForbidden, "此链接无效。请检查链接是否完整，或与整改办联系。")
			return
		case c.Generation < gen || !known:
			s.linkRefused(w, http.StatusGone, "此链接已停用。请使用整改办最新提醒中的链接，或与整改办联系。")
			return
		}
		if !s.limits.allow("unit:" + c.Unit) {
			s.linkRefused(w, http.StatusTooManyRequests, "访问过于频繁，请稍后再试。")
			return
		}
		h(w, r, unitLink{Token: token, Unit: u, Claims: c})
	})
}

// linkRefused answers a request whose link did not check out, or that
// came too often: a page with the message alone, nothing of any unit.
func (s *Server) linkRefused(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	w.Header().Set("Connection", "close") // a body, if any, is not read
	s.renderUnit(w, status, "unit_error", errorView{Status: status, Message: msg})
}

// limiter holds a token bucket per key, in memory, forgetting keys idle
// for a while.
type limiter struct {
	mu   sync.Mutex
	now  func() time.Time
	keys map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// limiterIdle is how long a key's bucket is kept unused: by then it is full again.
const limiterIdle = 10 * time.Minute

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, keys: map[string]*bucket{}}
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.keys) > 10_000 {
		for k, b := range l.keys {
			if now.Sub(b.last) > limiterIdle {
				delete(l.keys, k)
			}
		}
	}
	b, ok := l.keys[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(linkPerSecond, linkBurst)}
		l.keys[key] = b
	}
	b.last = now
	return b.lim.AllowN(now, 1)
}

// Actor of a link's writes: the unit, by its code.
func (s *Server) linkActor(r *http.Request, l unitLink) store.Actor {
	return store.Actor{Name: l.Unit.Code, Kind: store.ActorUnitLink, Addr: s.clientAddr(r)}
}
