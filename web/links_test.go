package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/internal/unitlink"
	"duban/ledger"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

// linkEnv makes the fixture's console reachable as https://duban.example.org.
var linkEnv = []string{"DUBAN_ADMIN_PASSWORD=" + testPassword, "DUBAN_ADMIN__PUBLIC_URL=https://duban.example.org"}

// linkFor is the path of unit's link made now with the server's key.
func linkFor(f *fixture, unit string, gen int64) string {
	return "/u/" + f.server.signer.Sign(unitlink.Claims{Unit: unit, Generation: gen, Expires: f.clock.Now().Add(30 * 24 * time.Hour)})
}

// Files of each allowed kind, made here: real bytes, not fixtures.
func pdfBytes() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" +
		"trailer << /Root 1 0 R >>\n%%EOF\n")
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipBytes is a ZIP of the named parts: with word/document.xml it is a
// DOCX as far as its directory tells.
func zipBytes(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfFiles are n PDFs of size bytes each.
func pdfFiles(n, size int) []upload {
	data := append(pdfBytes(), make([]byte, size-len(pdfBytes()))...)
	files := make([]upload, n)
	for i := range files {
		files[i] = upload{"材料" + strconv.Itoa(i) + ".pdf", data}
	}
	return files
}

// exeBytes starts like a Windows program.
func exeBytes() []byte {
	return append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 120)...)
}

type upload struct {
	name string
	data []byte
}

// postForm posts a link page's multipart form: the form token first, as
// the page has it, then the fields, then the files.
func (b *browser) postMultipart(path, form string, fields map[string]string, files ...upload) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if form != "" {
		mw.WriteField("form", form)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			b.t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func countRequests(t *testing.T, st *store.Store) int {
	t.Helper()
	all, err := st.ListRequests(t.Context(), store.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// A link that is tampered with, expired or revoked opens nothing: a
// Chinese 403 or 410 page that names no unit and shows no item.
func TestUnitLinkRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, linkEnv...)
		b := consoleFor(t, f)
		good := linkFor(f, "cwb", 0)
		if res := b.get(good); res.status != http.StatusOK || !strings.Contains(res.body, "财务资产部") || !strings.Contains(res.body, "四.2") {
			t.Fatalf("a good link: %d\n%s", res.status, res.body)
		}
		parts := strings.Split(strings.TrimPrefix(good, "/u/"), ".")
		otherUnit := "/u/" + strings.Join(append([]string{"amNi"}, parts[1:]...), ".") // "jcb" with cwb's signature
		expired := "/u/" + f.server.signer.Sign(unitlink.Claims{Unit: "cwb", Expires: f.clock.Now().Add(-time.Minute)})
		foreign := "/u/" + unitlink.NewSigner([]byte(strings.Repeat("x", 32))).Sign(unitlink.Claims{Unit: "cwb", Expires: f.clock.Now().Add(time.Hour)})
		unknown := linkFor(f, "nosuchunit", 0)
		if _, err := st.RevokeLinks(t.Context(), "cwb", store.Actor{Name: "test", Kind: store.ActorCLI}, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name, path string
			status     int
			want       string
		}{
			{"tampered", good[:len(good)-3] + "AAA", http.StatusForbidden, "此链接无效"},
			{"another unit, same signature", otherUnit, http.StatusForbidden, "此链接无效"},
			{"another key", foreign, http.StatusForbidden, "此链接无效"},
			{"expired", expired, http.StatusGone, "此链接已过期"},
			{"revoked", good, http.StatusGone, "此链接已停用"},
			{"unit no longer configured", unknown, http.StatusGone, "此链接已停用"},
		} {
			res := b.get(tt.path)
			if res.status != tt.status || !strings.Contains(res.body, tt.want) {
				t.Errorf("%s: %d, want %d with %q\n%s", tt.name, res.status, tt.status, tt.want, res.body)
			}
			for _, leak := range []string{"财务资产部", "四.2", "整改事项", "/items"} {
				if strings.Contains(res.body, leak) {
					t.Errorf("%s: the refusal shows %q", tt.name, leak)
				}
			}
			if post := b.postMultipart(tt.path+"/items/2024-7/"+url.PathEscape("四.2")+"/progress", "x", map[string]string{"body": "进展"}); post.status != tt.status {
				t.Errorf("%s: POST %d, want %d", tt.name, post.status, tt.status)
			}
		}
		if n := countRequests(t, st); n != 0 {
			t.Errorf("refused links stored %d requests", n)
		}
		if res := b.get(linkFor(f, "cwb", 1)); res.status != http.StatusOK {
			t.Errorf("the link of the new generation: %d", res.status)
		}
	})
}

// Too many requests from one address are refused before any link is checked.
func TestUnitLinkRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), linkEnv...)
	b := consoleFor(t, f)
	limited := 0
	for range linkBurst + 5 {
		if res := b.get("/u/guess"); res.status == http.StatusTooManyRequests {
			limited++
			if !strings.Contains(res.body, "访问过于频繁") || res.header.Get("Retry-After") == "" {
				t.Fatalf("429 page:\n%s", res.body)
			}
		}
	}
	if limited != 5 {
		t.Errorf("%d of %d guesses refused, want the 5 past the burst of %d", limited, linkBurst+5, linkBurst)
	}
}

// A unit files its reports through its page, over real HTTP with real
// files; what is refused is stored nowhere, and a link reaches only its
// own unit's items.
func TestUnitPageFlows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, append(linkEnv, "DUBAN_ADMIN__MAX_UPLOAD_MB=1")...)
		b := consoleFor(t, f)
		link := linkFor(f, "cwb", 0)
		page := b.get(link)
		form := hidden(t, page.body, "form")
		for _, want := range []string{"四.1", "四.2", "二.3.(3)", `data-form="completion"`, `data-duty="sanzhongyida"`, "逾期未报"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("cwb's page lacks %q", want)
			}
		}
		if strings.Contains(page.body, "一.3.(1)") || strings.Contains(page.body, "<script") {
			t.Errorf("cwb's page shows another unit's item, or a script")
		}
		item := func(no, kind string) string { return link + "/items/2024-7/" + url.PathEscape(no) + "/" + kind }

		// Refusals first: each leaves nothing behind.
		for _, tt := range []struct {
			name   string
			path   string
			form   string
			fields map[string]string
			files  []upload
			status int
			want   string
		}{
			{"an .exe named .pdf", item("四.2", "completion"), form, map[string]string{"on": "2026-11-24", "body": "已完成"},
				[]upload{{"证明.pdf", exeBytes()}}, http.StatusUnsupportedMediaType, "内容与其扩展名不符"},
			{"an .exe", item("四.2", "progress"), form, map[string]string{"body": "进展"},
				[]upload{{"setup.exe", exeBytes()}}, http.StatusUnsupportedMediaType, "类型不在允许之列"},
			{"a plain ZIP named .docx", item("四.2", "progress"), form, map[string]string{"body": "进展"},
				[]upload{{"报告.docx", zipBytes(t, "a.txt")}}, http.StatusUnsupportedMediaType, "内容与其扩展名不符"},
			{"too large", item("四.2", "progress"), form, map[string]string{"body": "进展"},
				[]upload{{"大.pdf", append(pdfBytes(), make([]byte, 1<<20)...)}}, http.StatusRequestEntityTooLarge, "超过 1 MB"},
			{"completion without evidence", item("四.2", "completion"), form, map[string]string{"on": "2026-11-24", "body": "已完成"},
				nil, http.StatusBadRequest, "须上传佐证材料"},
			{"completion in the future", item("四.2", "completion"), form, map[string]string{"on": "2026-12-24", "body": "已完成"},
				[]upload{{"a.pdf", pdfBytes()}}, http.StatusBadRequest, "不能晚于今天"},
			{"no form token", item("四.2", "progress"), "", map[string]string{"body": "进展"}, nil, http.StatusForbidden, "请刷新页面后重试"},
			{"another link's form token", item("四.2", "progress"), f.server.signer.FormToken("other"), map[string]string{"body": "进展"},
				nil, http.StatusForbidden, "请刷新页面后重试"},
			{"another unit's item", item("一.3.(1)", "progress"), form, map[string]string{"body": "进展"}, nil, http.StatusNotFound, "未找到此事项"},
			{"a duty it does not have", link + "/duties/sanhuiyike/2026-Q3", form, nil, []upload{{"a.pdf", pdfBytes()}}, http.StatusNotFound, "未找到"},
			{"an empty file", item("四.2", "progress"), form, map[string]string{"body": "进展"}, []upload{{"空.pdf", nil}},
				http.StatusBadRequest, "是空文件"},
			{"eleven files", item("四.2", "progress"), form, map[string]string{"body": "进展"}, pdfFiles(11, len(pdfBytes())),
				http.StatusRequestEntityTooLarge, "一次最多上传 10 个文件"},
			{"a text too long", item("四.2", "progress"), form, map[string]string{"body": strings.Repeat("长", 11000)}, nil,
				http.StatusRequestEntityTooLarge, "填写的内容过长"},
			{"a body beyond ten files at the limit", item("四.2", "progress"), form, map[string]string{"body": "进展"}, pdfFiles(12, 1<<20),
				http.StatusRequestEntityTooLarge, "提交的内容过大"},
		} {
			res := b.postMultipart(tt.path, tt.form, tt.fields, tt.files...)
			if res.status != tt.status || !strings.Contains(res.body, tt.want) {
				t.Errorf("%s: %d, want %d with %q\n%s", tt.name, res.status, tt.status, tt.want, res.body)
			}
		}
		if n := countRequests(t, st); n != 0 {
			t.Fatalf("refused uploads stored %d requests", n)
		}

		// What a unit may do.
		docx := zipBytes(t, "[Content_Types].xml", "word/document.xml")
		xlsx := zipBytes(t, "[Content_Types].xml", "xl/workbook.xml")
		for _, tt := range []struct {
			path   string
			fields map[string]string
			files  []upload
		}{
			{item("四.2", "completion"), map[string]string{"on": "2026-11-24", "body": "已结清挂账 <script>alert(1)</script>"},
				[]upload{{`C:\扫描\结算单.pdf`, pdfBytes()}, {"现场.png", pngBytes(t)}}},
			{item("四.1", "progress"), map[string]string{"body": "已与律所沟通"}, []upload{{"进展报告.docx", docx}}},
			{item("四.1", "extension"), map[string]string{"on": "2027-03-31", "body": "需等待法院裁定"}, []upload{{"材料.zip", zipBytes(t, "a.txt")}}},
			{link + "/duties/sanzhongyida/2026-10", map[string]string{"body": "10月报表"}, []upload{{"报表.xlsx", xlsx}}},
		} {
			res := b.postMultipart(tt.path, form, tt.fields, tt.files...)
			if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), link+"?sent=") {
				t.Fatalf("POST %s: %d\n%s", tt.path, res.status, res.body)
			}
		}
		page = b.get(link + "?sent=completion")
		for _, want := range []string{"销号申请已提交", "等待审核：申请销号", "已报送，待审核", "&lt;script&gt;alert(1)&lt;/script&gt;"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page after filing lacks %q", want)
			}
		}
		if strings.Contains(page.body, "<script>") {
			t.Error("the unit's text is not escaped")
		}
		reqs, err := st.ListRequests(t.Context(), store.RequestFilter{Status: ledger.RequestPending})
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != 4 || reqs[0].Kind != ledger.RequestCompletion || len(reqs[0].Files) != 2 ||
			reqs[0].Files[0].Name != "结算单.pdf" || reqs[0].Files[0].ContentType != "application/pdf" || reqs[0].Files[1].ContentType != "image/png" ||
			reqs[1].Files[0].ContentType != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
			t.Fatalf("stored requests: %+v", reqs)
		}
		// The duty report counts at once: it leaves the duty's reminders.
		subs, err := st.Submitted(t.Context(), "sanzhongyida")
		if err != nil || !subs.Has("sanzhongyida")("cwb", ledger.Period{Kind: ledger.Monthly, Year: 2026, N: 10}) {
			t.Errorf("the report of 2026-10 does not count: %v", err)
		}
		log, err := st.ListAudit(t.Context(), store.AuditFilter{Action: store.ActionRequestAdd})
		if err != nil || len(log) != 4 || log[0].Kind != store.ActorUnitLink || log[0].Name != "cwb" || log[0].Addr != "127.0.0.1" {
			t.Errorf("audit of the link's writes: %+v %v", log, err)
		}
		// Another unit's link sees none of it.
		other := b.get(linkFor(f, "jcb", 0))
		if other.status != http.StatusOK || strings.Contains(other.body, "四.2") || strings.Contains(other.body, "已结清挂账") || !strings.Contains(other.body, "一.3.(1)") {
			t.Errorf("jcb's page:\n%s", other.body)
		}
	})
}

// The office reviews in the console: files are served with safe headers;
// approving a completion makes the item done on the unit's day, queues one
// message to the unit that the worker delivers, and the next deadlines run
// says nothing more of the item; rejecting a duty report withdraws it.
func TestReviewInTheConsole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, linkEnv...)
		unit := consoleFor(t, f)
		link := linkFor(f, "cwb", 0)
		form := hidden(t, unit.get(link).body, "form")
		unit.postMultipart(link+"/items/2024-7/"+url.PathEscape("四.2")+"/completion", form,
			map[string]string{"on": "2026-11-23", "body": "已结清挂账"}, upload{"结算单.pdf", pdfBytes()}, upload{"现场.png", pngBytes(t)})
		unit.postMultipart(link+"/duties/sanzhongyida/2026-10", form, nil, upload{"报表.pdf", pdfBytes()})
		reqs, err := st.ListRequests(t.Context(), store.RequestFilter{Status: ledger.RequestPending})
		if err != nil || len(reqs) != 2 {
			t.Fatalf("pending: %+v %v", reqs, err)
		}
		completion, report := reqs[0], reqs[1]

		admin := consoleFor(t, f)
		admin.mustLogin()
		queue := admin.get("/requests")
		for _, want := range []string{`data-request="` + itoa(completion.ID) + `"`, "已结清挂账", "结算单.pdf", `data-action="approve"`, "财务资产部", `class="thumb"`} {
			if !strings.Contains(queue.body, want) {
				t.Errorf("the queue lacks %q", want)
			}
		}
		pdfID, pngID := itoa(completion.Files[0].ID), itoa(completion.Files[1].ID)
		down := admin.get("/files/" + pdfID)
		if down.status != http.StatusOK || down.body != string(pdfBytes()) || !strings.HasPrefix(down.header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(down.header.Get("Content-Security-Policy"), "sandbox") || down.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("download: %d %v", down.status, down.header)
		}
		for id, ct := range map[string]string{pdfID: "application/pdf", pngID: "image/png"} {
			pre := admin.get("/files/" + id + "/preview")
			if pre.status != http.StatusOK || pre.header.Get("Content-Type") != ct || !strings.HasPrefix(pre.header.Get("Content-Disposition"), "inline") {
				t.Errorf("preview %s: %d %v", ct, pre.status, pre.header)
			}
		}
		if res := consoleFor(t, f).get("/files/" + pdfID); res.status != http.StatusSeeOther {
			t.Errorf("a file without a session: %d, want 303 to the login", res.status)
		}

		csrf := hidden(t, queue.body, "csrf")
		if res := admin.post("/requests/"+itoa(report.ID)+"/reject", url.Values{"csrf": {csrf}}); res.status != http.StatusBadRequest {
			t.Errorf("a rejection without a note: %d, want 400", res.status)
		}
		res := admin.post("/requests/"+itoa(completion.ID)+"/approve", url.Values{"csrf": {csrf}, "note": {"同意销号"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", res.status, res.body)
		}
		if res := admin.post("/requests/"+itoa(completion.ID)+"/approve", url.Values{"csrf": {csrf}}); res.status != http.StatusConflict {
			t.Errorf("a second approval: %d, want 409", res.status)
		}
		res = admin.post("/requests/"+itoa(report.ID)+"/reject", url.Values{"csrf": {csrf}, "note": {"报表缺少盖章"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("reject: %d\n%s", res.status, res.body)
		}
		it, err := st.GetItem(t.Context(), "2024-7", "四.2")
		if err != nil || it.Status != ledger.StatusDone || it.CompletedOn.String() != "2026-11-23" {
			t.Fatalf("四.2 after approval: %s %s %v", it.Status, it.CompletedOn, err)
		}
		subs, _ := st.Submitted(t.Context(), "sanzhongyida")
		if subs.Has("sanzhongyida")("cwb", ledger.Period{Kind: ledger.Monthly, Year: 2026, N: 10}) {
			t.Error("a rejected report still counts")
		}
		log, _ := st.ListAudit(t.Context(), store.AuditFilter{Action: store.ActionRequestApprove})
		if len(log) != 1 || log[0].Kind != store.ActorUser || log[0].Name != store.BootstrapUser {
			t.Errorf("audit of the approval: %+v", log)
		}

		// One message per decision to the unit's mailbox, delivered by the worker.
		msgs, err := st.ListDispatches(t.Context(), store.DispatchFilter{Job: ledger.JobReview})
		if err != nil || len(msgs) != 2 {
			t.Fatalf("decision messages: %+v %v", msgs, err)
		}
		outcomes := ""
		for _, m := range msgs {
			if m.Recipient != "cwb@zgh.example.org" || !strings.Contains(m.BodyText, "https://duban.example.org/u/") {
				t.Errorf("decision message to %s:\n%s", m.Recipient, m.BodyText)
			}
			outcomes += m.BodyText
		}
		// In the house style: the day in prose, full-width marks.
		for _, want := range []string{"该事项已登记为已完成（完成日期：2026年11月23日）。", "审核意见：报表缺少盖章"} {
			if !strings.Contains(outcomes, want) {
				t.Errorf("the decision messages lack %q:\n%s", want, outcomes)
			}
		}
		if stats := f.deliver(); stats.Sent != 2 {
			t.Fatalf("delivered %+v, want the 2 decisions", stats)
		}
		emls, _ := filepath.Glob(filepath.Join(f.outbox, "*.eml"))
		found := false
		for _, name := range emls {
			b, _ := os.ReadFile(name)
			found = found || strings.Contains(string(b), "review")
		}
		if len(emls) != 2 || !found {
			t.Errorf("outbox holds %d messages", len(emls))
		}

		// The unit sees the decisions; the rejected period is open again.
		page := unit.get(link)
		for _, want := range []string{"已通过", "已退回", "报表缺少盖章", `data-period="2026-10"`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the unit's page after review lacks %q", want)
			}
		}
		if strings.Contains(page.body, `data-item="四.2"`) {
			t.Error("the unit's page still offers the done item")
		}

		// The next deadlines run reminds no one of 四.2.
		f.clock.Add(48 * time.Hour) // the run's messages are made at the clock's time
		f.runAt(asOf.Add(48 * time.Hour))
		sent, err := st.ListDispatches(t.Context(), store.DispatchFilter{Job: ledger.JobDeadlines, Since: asOf.Add(time.Hour)})
		if err != nil || len(sent) == 0 {
			t.Fatalf("the next run's messages: %d, %v", len(sent), err)
		}
		for _, d := range sent {
			var refs []scheduler.Ref
			json.Unmarshal([]byte(d.Refs), &refs)
			for _, r := range refs {
				if r.Ref == "2024-7/四.2" {
					t.Errorf("%s was reminded of 四.2 after its completion was approved", d.Recipient)
				}
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
