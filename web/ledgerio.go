package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"duban/ledger"
	"duban/sheet"
	"duban/store"
)

// maxUploadBytes bounds the body of a ledger upload: the largest file the
// sheet reader takes, and the form around it.
const maxUploadBytes = sheet.MaxFileSize + maxFormBytes

// importView is 导入台账: the upload form, or what an upload would do.
type importView struct {
	Rounds  []choice
	Alert   string
	Errors  []string // what is wrong with the file, a line each
	Notice  string
	Preview *importPreview
}

// importPreview is what importing an upload would do: the new items, every
// change of a field, and the conflicts with changes made in duban.
type importPreview struct {
	Token, Name, RoundName string
	UploadedBy             string
	UploadedAt             time.Time
	Items                  int
	New, Changed, Same     int
	Added                  []previewItem
	Changes                []previewChange
	Conflicts              []previewConflict
	URL                    string // where the apply form posts
}

type previewItem struct{ No, Problem, URL string }

type previewChange struct {
	No, URL, Field, Before, After string
}

type previewConflict struct {
	Row                int
	No, URL, Field     string
	File, Duban, Actor string
	At                 time.Time
}

// importPage is the upload form, with the outcome of an import applied.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	v := s.importView("")
	q := r.URL.Query()
	if q.Get("notice") == "imported" {
		v.Notice = "已导入台账：新增 " + count(q, "new") + " 个问题，修改 " + count(q, "changed") + " 个，未变 " + count(q, "unchanged") + " 个。"
	}
	s.render(w, r, http.StatusOK, "import", "导入台账", v)
}

// count is a count of the query, as a number.
func count(q url.Values, key string) string {
	n, err := strconv.Atoi(q.Get(key))
	if err != nil || n < 0 {
		return "0"
	}
	return strconv.Itoa(n)
}

func (s *Server) importView(round string) importView {
	var v importView
	for i, rd := range s.cfg.Rounds {
		v.Rounds = append(v.Rounds, choice{rd.Code, rd.Name, rd.Code == round || (round == "" && i == 0)})
	}
	return v
}

// refuseUpload shows the upload form again with why the upload was refused.
func (s *Server) refuseUpload(w http.ResponseWriter, r *http.Request, status int, round, alert string, errs []string) {
	v := s.importView(round)
	v.Alert, v.Errors = alert, errs
	s.render(w, r, status, "import", "导入台账", v)
}

// uploadLedger reads an uploaded ledger file as `duban import` reads one
// and keeps it for its preview; a file the reader refuses is shown with
// every problem it has, and kept nowhere.
func (s *Server) uploadLedger(w http.ResponseWriter, r *http.Request) {
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	roundIn := r.PostForm.Get("round")
	round, err := s.cfg.RoundFor(roundIn)
	if err != nil {
		s.refuseUpload(w, r, http.StatusBadRequest, roundIn, "请选择巡察轮次。", nil)
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		s.refuseUpload(w, r, http.StatusBadRequest, round, "请选择要导入的台账文件（.csv 或 .xlsx）。", nil)
		return
	}
	defer file.Close()
	name := uploadName(header.Filename)
	data, err := io.ReadAll(io.LimitReader(file, sheet.MaxFileSize+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, ok := s.readUpload(w, r, name, round, data); !ok {
		return
	}
	token := randomToken()
	err = s.st.SaveLedgerUpload(r.Context(), store.LedgerUpload{Token: token, Name: name, Round: round, Data: data,
		UploadedBy: s.actorOf(r).Name, CreatedAt: s.now()})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	seeOther(w, r, "/import/"+token)
}

// readUpload reads an uploaded file with the sheet reader; false (and the
// upload form shown with the file's problems) when it refuses the file.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, name, round string, data []byte) (sheet.Ledger, bool) {
	l, err := sheet.ReadLedgerFrom(r.Context(), bytes.NewReader(data), name, round, s.cfg, nil)
	if ie, ok := errors.AsType[*sheet.ImportError](err); ok {
		s.refuseUpload(w, r, http.StatusBadRequest, round, "文件未导入：请按下列提示修改后重新上传。", strings.Split(ie.Error(), "\n"))
		return l, false
	}
	if err != nil {
		s.fail(w, r, err)
		return l, false
	}
	return l, true
}

// uploadName is the base name of an uploaded file (some browsers send a
// whole path), without control characters, of a sensible length.
func uploadName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(name))
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:]) // keep the extension, which chooses the reader
	}
	if name == "" {
		return "upload"
	}
	return name
}

// upload is the upload the request's path names, read again; false (and
// a page written) when it is gone or the file no longer reads.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) (store.LedgerUpload, sheet.Ledger, bool) {
	u, err := s.st.GetLedgerUpload(r.Context(), r.PathValue("token"))
	if errors.Is(err, store.ErrNotFound) {
		s.refuseUpload(w, r, http.StatusNotFound, "", "这份上传的文件已导入或已过期（上传后保留一天），请重新上传。", nil)
		return u, sheet.Ledger{}, false
	}
	if err != nil {
		s.fail(w, r, err)
		return u, sheet.Ledger{}, false
	}
	l, ok := s.readUpload(w, r, u.Name, u.Round, u.Data)
	return u, l, ok
}

// importOptions are those of importing an upload from the console.
func (s *Server) importOptions(r *http.Request, u store.LedgerUpload, l sheet.Ledger, how store.OnConflict, dry bool) store.ImportOptions {
	return store.ImportOptions{By: s.actorOf(r), Source: u.Name, At: s.now(), Fields: l.Fields, OnConflict: how, DryRun: dry}
}

// previewImport shows what importing an upload would do, as `duban import
// --dry-run` lists it, with the conflicts and the choices they leave.
func (s *Server) previewImport(w http.ResponseWriter, r *http.Request) {
	u, l, ok := s.upload(w, r)
	if !ok {
		return
	}
	res, err := s.st.ImportItems(r.Context(), l.Items, s.importOptions(r, u, l, store.ConflictRefuse, true))
	if err != nil && !errors.Is(err, store.ErrConflict) {
		s.fail(w, r, err)
		return
	}
	s.renderPreview(w, r, http.StatusOK, u, l, res, "")
}

func (s *Server) renderPreview(w http.ResponseWriter, r *http.Request, status int, u store.LedgerUpload, l sheet.Ledger, res store.ImportResult, alert string) {
	v := s.importView(u.Round)
	v.Alert = alert
	p := &importPreview{Token: u.Token, Name: u.Name, RoundName: u.Round, UploadedBy: u.UploadedBy, UploadedAt: u.CreatedAt,
		Items: len(l.Items), New: res.New, Changed: res.Changed, Same: res.Unchanged, URL: "/import/" + u.Token}
	if rd, ok := s.cfg.Round(u.Round); ok {
		p.RoundName = rd.Name
	}
	problems := make(map[string]string, len(l.Items))
	for _, it := range l.Items {
		problems[it.No] = it.Problem
	}
	text := func(f ledger.Field, v string) string { return ledger.ValueText(f, v, s.cfg.UnitName, s.cfg.LeaderName) }
	for _, ref := range res.Added {
		p.Added = append(p.Added, previewItem{No: ref.No, Problem: problems[ref.No]})
	}
	for _, c := range res.Changes {
		p.Changes = append(p.Changes, previewChange{No: c.No, URL: itemURL(c.Round, c.No), Field: c.Field.Label(),
			Before: text(c.Field, c.Old), After: text(c.Field, c.New)})
	}
	for _, c := range res.Conflicts {
		p.Conflicts = append(p.Conflicts, previewConflict{Row: l.Row(c.No), No: c.No, URL: itemURL(c.Round, c.No),
			Field: c.Field.Label(), File: text(c.Field, c.File), Duban: text(c.Field, c.Duban), Actor: c.Actor, At: c.At})
	}
	v.Preview = p
	s.render(w, r, status, "import", "导入台账："+u.Name, v)
}

// applyImport imports an upload, settling its conflicts as the office
// chose (on_conflict: keep or overwrite; none: refuse them).
func (s *Server) applyImport(w http.ResponseWriter, r *http.Request) {
	u, l, ok := s.upload(w, r)
	if !ok {
		return
	}
	how := store.ConflictRefuse
	switch r.PostForm.Get("on_conflict") {
	case "keep":
		how = store.ConflictKeep
	case "overwrite":
		how = store.ConflictOverwrite
	}
	res, err := s.st.ImportItems(r.Context(), l.Items, s.importOptions(r, u, l, how, false))
	if errors.Is(err, store.ErrConflict) && len(res.Conflicts) > 0 {
		s.renderPreview(w, r, http.StatusConflict, u, l, res,
			"文件与督办系统中的修改有冲突，未写入任何内容：请选择以文件为准，或保留督办系统中的修改。")
		return
	}
	if errors.Is(err, store.ErrConflict) {
		s.refuseUpload(w, r, http.StatusConflict, u.Round, "文件未导入："+err.Error(), nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.st.DeleteLedgerUpload(r.Context(), u.Token); err != nil {
		s.log.Error("console import: forget the upload", "error", err)
	}
	s.log.Info("ledger imported from the console", "file", u.Name, "by", s.actorOf(r).Name,
		"new", res.New, "changed", res.Changed, "unchanged", res.Unchanged)
	q := url.Values{"notice": {"imported"}, "new": {strconv.Itoa(res.New)}, "changed": {strconv.Itoa(res.Changed)},
		"unchanged": {strconv.Itoa(res.Unchanged)}}
	seeOther(w, r, "/import?"+q.Encode())
}

// exportLedger downloads a round's ledger in exactly the columns an import
// reads, as `duban export` writes it: XLSX (the default) or CSV.
func (s *Server) exportLedger(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	round, err := s.cfg.RoundFor(q.Get("round"))
	if err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "请选择要导出的巡察轮次。")
		return
	}
	items, err := s.st.ListItems(r.Context(), store.ItemFilter{Round: round})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	write, ext, contentType := sheet.WriteXLSX, ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if q.Get("format") == "csv" {
		write, ext, contentType = sheet.WriteCSV, ".csv", "text/csv; charset=utf-8"
	}
	var buf bytes.Buffer
	if err := write(&buf, items, s.cfg, nil); err != nil {
		s.fail(w, r, err)
		return
	}
	name := "整改台账-" + round + "-" + s.now().In(s.cfg.Location).Format("20060102") + ext
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}
