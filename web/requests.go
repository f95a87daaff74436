package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"duban/ledger"
	"duban/store"
)

// requestsPerPage bounds a page of the review queue.
const requestsPerPage = 50

type requestsView struct {
	Status   ledger.RequestStatus
	Statuses []option
	Rows     []requestView
	Done     string // what the last decision did
	Page     int
	PrevURL  string
	NextURL  string
}

type requestView struct {
	R        store.Request
	UnitName string
	What     string
	ItemURL  string
	Files    []fileView
}

type fileView struct {
	F       store.File
	Size    string
	Image   bool // shown inline
	Preview bool // opens in the browser (PDF, images)
}

var requestStatusOptions = []option{
	{string(ledger.RequestPending), ledger.RequestPending.Label()},
	{string(ledger.RequestApproved), ledger.RequestApproved.Label()},
	{string(ledger.RequestRejected), ledger.RequestRejected.Label()},
}

// requestsPage is 待审核: the units' requests of a status (pending by
// default, oldest first), each with its text, its files and, while
// pending, the forms that approve or reject it.
func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status, ok := ledger.ParseRequestStatus(q.Get("status"))
	if !ok {
		status = ledger.RequestPending
	}
	pageNo := pageOf(q)
	reqs, err := s.st.ListRequests(r.Context(), store.RequestFilter{Status: status, Limit: requestsPerPage + 1,
		Offset: (pageNo - 1) * requestsPerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := requestsView{Status: status, Statuses: requestStatusOptions, Page: pageNo}
	if len(reqs) > requestsPerPage {
		reqs = reqs[:requestsPerPage]
		v.NextURL = pageURL("/requests", q, pageNo+1)
	}
	if pageNo > 1 {
		v.PrevURL = pageURL("/requests", q, pageNo-1)
	}
	switch q.Get("done") {
	case "approved":
		v.Done = "已通过，并已通知该单位。"
	case "rejected":
		v.Done = "已退回，并已通知该单位。"
	}
	for _, req := range reqs {
		v.Rows = append(v.Rows, s.requestView(r.Context(), req))
	}
	s.render(w, r, http.StatusOK, "requests", "待审核", v)
}

func (s *Server) requestView(ctx context.Context, req store.Request) requestView {
	v := requestView{R: req, UnitName: s.cfg.UnitName(req.Unit), What: s.reviewer.what(ctx, req)}
	if req.Kind.OnItem() {
		v.ItemURL = itemURL(req.Round, req.No)
	}
	for _, f := range req.Files {
		image := strings.HasPrefix(f.ContentType, "image/")
		v.Files = append(v.Files, fileView{F: f, Size: sizeText(f.Size), Image: image,
			Preview: image || f.ContentType == "application/pdf"})
	}
	return v
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1023)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " 字节"
}

// decideRequest approves or rejects a request with the form's note; a
// completion may be closed (销号) at once.
func (s *Server) decideRequest(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	decision := r.PathValue("decision")
	if err != nil || id <= 0 || (decision != "approve" && decision != "reject") {
		s.notFound(w, r)
		return
	}
	note := strings.TrimSpace(r.PostForm.Get("note"))
	if decision == "reject" && note == "" {
		s.errorPage(w, r, http.StatusBadRequest, "退回时请填写审核意见，告诉该单位需要补充或修改什么。")
		return
	}
	_, err = s.reviewer.Decide(r.Context(), id, decision == "approve", r.PostForm.Get("close") == "1", note, s.actorOf(r))
	switch {
	case errors.Is(err, store.ErrDecided):
		s.errorPage(w, r, http.StatusConflict, "该申请已审核过，请刷新页面。")
		return
	case errors.Is(err, store.ErrNotOpen):
		s.errorPage(w, r, http.StatusConflict, "该事项已不在整改中，无法延期；请退回此申请。")
		return
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusNotFound, "没有编号为 "+strconv.FormatInt(id, 10)+" 的申请。")
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.wake()
	done := "approved"
	if decision == "reject" {
		done = "rejected"
	}
	http.Redirect(w, r, "/requests?done="+done, http.StatusSeeOther)
}

func (s *Server) fileOf(w http.ResponseWriter, r *http.Request) (store.File, []byte, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return store.File{}, nil, false
	}
	f, data, err := s.st.GetFile(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "没有此文件。")
		return store.File{}, nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return store.File{}, nil, false
	}
	return f, data, true
}

// downloadFile serves an uploaded file as an attachment, under a CSP
// sandbox: opened in the browser by mistake, nothing in it runs as the
// console.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) {
	f, data, ok := s.fileOf(w, r)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	s.serveFile(w, f, data, "attachment")
}

// previewFile shows a PDF or an image in the browser. Its type was checked
// from its content at upload and is sent as stored, nosniff. An image is
// served under a CSP sandbox; a PDF cannot be (Chromium does not start its
// viewer in a sandboxed document), so it gets a policy that allows no
// framing by others and no forms, and the browser's viewer runs its
// scripts, if any, apart from the console's origin.
func (s *Server) previewFile(w http.ResponseWriter, r *http.Request) {
	f, data, ok := s.fileOf(w, r)
	if !ok {
		return
	}
	h := w.Header()
	switch {
	case strings.HasPrefix(f.ContentType, "image/"):
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
	case f.ContentType == "application/pdf":
		h.Set("Content-Security-Policy", "frame-ancestors 'self'; form-action 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "SAMEORIGIN")
	default:
		s.errorPage(w, r, http.StatusUnsupportedMediaType, "此类文件不能在浏览器中预览，请下载后查看。")
		return
	}
	s.serveFile(w, f, data, "inline")
}

func (s *Server) serveFile(w http.ResponseWriter, f store.File, data []byte, disposition string) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}
