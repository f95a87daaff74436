package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"duban/ledger"
	"duban/store"
)

//go:embed templates/*.html static/*
var assets embed.FS

// pageTemplate is one page: the layout with the page's blocks.
type pageTemplate struct{ t *template.Template }

// pageNames are the pages, each templates/NAME.html defining "content".
var pageNames = []string{"login", "error", "overview", "items", "item", "dispatches", "dispatch", "duties", "jobs", "audit", "requests",
	"itemform", "import", "dutycell", "notice"}

func loadPages(funcs template.FuncMap) (map[string]*pageTemplate, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	pages := make(map[string]*pageTemplate, len(pageNames))
	for _, name := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", name, err)
		}
		pages[name] = &pageTemplate{t: t}
	}
	return pages, nil
}

// page is what the layout renders around a page's content.
type page struct {
	Title    string
	Nav      string // the page's section, highlighted in the menu
	CSRF     string // the session's token for forms; "" when logged out
	User     string // the logged-in account; "" in an open console and when logged out
	Role     string // its role's label
	CanWrite bool   // the account may change things: show the buttons that do
	Data     any
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	p := page{Title: title, Nav: name, Data: data}
	if sess := sessionOf(r.Context()); sess != nil {
		p.CSRF, p.CanWrite = sess.csrf, sess.canWrite()
		if !sess.open {
			p.User, p.Role = sess.user, roleLabel(sess.role)
		}
	}
	var buf bytes.Buffer
	if err := s.pages[name].t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("render page", "page", name, "error", err)
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

type errorView struct {
	Status  int
	Message string
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", http.StatusText(status), errorView{Status: status, Message: msg})
}

// fail logs an unexpected error and shows a 500 page without its details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("console request failed", "path", r.URL.Path, "error", err)
	s.errorPage(w, r, http.StatusInternalServerError, "服务器内部错误，请稍后重试；详情见服务日志。")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "未找到此页面。")
}

// today is the calendar day of now in the configured zone.
func (s *Server) today() ledger.Date { return ledger.DateOf(s.now().In(s.cfg.Location)) }

// funcs are the helpers templates use to print the store's codes and
// times the way the office reads them.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"time":         s.fmtTime,
		"proseTime":    func(t time.Time) string { return ledger.DateLabel(s.fmtTime(t)) },
		"office":       s.cfg.Office,
		"unitName":     s.cfg.UnitName,
		"unitNames":    s.unitNames,
		"leaderName":   s.leaderName,
		"itemURL":      itemURL,
		"statusLabel":  func(st ledger.Status) string { return st.Label() },
		"stateLabel":   store.StateLabel,
		"jobLabel":     ledger.JobLabel,
		"channelLabel": ledger.ChannelLabel,
		"outcomeLabel": func(o string) string {
			switch o {
			case "ok":
				return "成功"
			case "failed":
				return "失败"
			case "running":
				return "运行中"
			}
			return o
		},
		"deadline": func(it ledger.Item) string { return it.DeadlineText() },
		"add":      func(a, b int) int { return a + b },
		"duration": runDuration,
	}
}

func (s *Server) fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(s.cfg.Location).Format("2006-01-02 15:04")
}

func (s *Server) unitNames(codes []string) string {
	return strings.Join(s.cfg.UnitNames(codes), "、")
}

func (s *Server) leaderName(code string) string {
	if code == "" {
		return "—"
	}
	return s.cfg.LeaderName(code)
}

func itemURL(round, no string) string {
	return "/items/" + url.PathEscape(round) + "/" + url.PathEscape(no)
}

func roleLabel(role string) string {
	if role == store.RoleViewer {
		return "只读"
	}
	return "管理员"
}

// maxPage bounds the page a URL may ask for, so that its offset stays an
// int the database takes.
const maxPage = 1_000_000

// pageOf is the page of a list the query asks for: 1 when none or a bad one.
func pageOf(q url.Values) int {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxPage)
}

// pageURL links page n of the list at path with the filters q (which it
// changes).
func pageURL(path string, q url.Values, n int) string {
	q.Set("page", strconv.Itoa(n))
	return path + "?" + q.Encode()
}

// runDuration is how long a run took, "运行中" while it runs.
func runDuration(r store.Run) string {
	if r.FinishedAt.IsZero() {
		return "运行中"
	}
	return durationLabel(r.FinishedAt.Sub(r.StartedAt))
}

// durationLabel says d in Chinese: 350 毫秒, 2.4 秒, 3 分 5 秒.
func durationLabel(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " 毫秒"
	}
	if s := d.Round(100 * time.Millisecond); s < time.Minute {
		return strconv.FormatFloat(s.Seconds(), 'f', -1, 64) + " 秒"
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%d 分 %d 秒", int(d.Minutes()), int(d.Seconds())%60)
}
