package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"duban/ledger"
	"duban/report"
	"duban/store"
)

// The 通报 page offers the progress notice of each round as a Word
// document, a web page and a workbook, dated the day the office picks.

// noticeFormats are the formats the console offers, with their labels,
// content types and file name extensions.
var noticeFormats = []struct {
	format, label, contentType string
}{
	{report.FormatDOCX, "Word 文档（.docx）", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{report.FormatHTML, "网页（.html）", "text/html; charset=utf-8"},
	{report.FormatXLSX, "Excel 表格（.xlsx）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
}

type noticeRound struct {
	Code, Name string
	Title      string // the notice's title as of today
	Summary    string // its totals
}

type noticeView struct {
	Today   ledger.Date
	Rounds  []noticeRound
	Formats []struct{ Format, Label string }
}

// noticePage is 通报: for each round, the notice's title and totals as of
// today, and a form to download it as of a day.
func (s *Server) noticePage(w http.ResponseWriter, r *http.Request) {
	today := s.today()
	v := noticeView{Today: today}
	for _, f := range noticeFormats {
		v.Formats = append(v.Formats, struct{ Format, Label string }{f.format, f.label})
	}
	for _, rd := range s.cfg.Rounds {
		n, err := s.notice(r.Context(), rd.Code, today)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Rounds = append(v.Rounds, noticeRound{Code: rd.Code, Name: rd.Name, Title: n.Title, Summary: n.Summary()})
	}
	s.render(w, r, http.StatusOK, "notice", "整改进展情况通报", v)
}

// noticeDownload serves the notice of ?round= as of ?as_of= (default
// today) in ?format=, as a file to save.
func (s *Server) noticeDownload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	round := q.Get("round")
	if _, ok := s.cfg.Round(round); !ok {
		s.errorPage(w, r, http.StatusNotFound, "没有巡察轮次“"+round+"”。")
		return
	}
	i := slices.IndexFunc(noticeFormats, func(f struct{ format, label, contentType string }) bool { return f.format == q.Get("format") })
	if i < 0 {
		s.errorPage(w, r, http.StatusBadRequest, "通报格式“"+q.Get("format")+"”无效，应为 docx、html 或 xlsx。")
		return
	}
	day := s.today()
	if v := strings.TrimSpace(q.Get("as_of")); v != "" {
		d, err := ledger.ParseDate(v)
		if err != nil {
			s.errorPage(w, r, http.StatusBadRequest, "通报日期“"+v+"”无效，应为 2025-06-16 这样的日期。")
			return
		}
		day = d
	}
	n, err := s.notice(r.Context(), round, day)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, n, noticeFormats[i].format); err != nil {
		s.fail(w, r, err)
		return
	}
	base := round + "-" + day.String() + "." + noticeFormats[i].format
	w.Header().Set("Content-Type", noticeFormats[i].contentType)
	w.Header().Set("Content-Disposition", attachment("整改进展情况通报-"+base, "notice-"+base))
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// attachment is a Content-Disposition that saves the file under name, or
// under the ASCII fallback for old clients (RFC 6266).
func attachment(name, fallback string) string {
	fallback = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, fallback)
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + strings.ReplaceAll(url.QueryEscape(name), "+", "%20")
}

// notice is the progress notice of a round as of day, with the office's
// texts of [notice].
func (s *Server) notice(ctx context.Context, round string, day ledger.Date) (report.Notice, error) {
	items, err := s.st.ListItems(ctx, store.ItemFilter{Round: round})
	if err != nil {
		return report.Notice{}, err
	}
	notes, err := s.st.LatestNotes(ctx, round, day, s.cfg.Report.LatestNotes)
	if err != nil {
		return report.Notice{}, err
	}
	rd, _ := s.cfg.Round(round)
	names := report.NewNames(rd.Name, report.Texts(s.cfg.Notice), s.cfg.Units, s.cfg.Leaders)
	return report.Build(items, notes, names, day, s.cfg.Policy.YellowDays), nil
}
