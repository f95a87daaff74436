package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duban/ledger"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

// A duty report a unit filed through its link shows in the matrix as 待审核
// in its cell alone, and on the cell's page with a link to the request,
// until the office decides it.
func TestDutyMatrixMarksReportsUnderReview(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, linkEnv...)
		o := officeFor(t, f)
		const matrix, cell = "/duties?duty=sanzhongyida", "/duties/sanzhongyida/cwb/2026-10"
		if page := o.get(matrix).body; strings.Contains(page, `class="review" data-request`) {
			t.Fatal("the matrix marks a report under review before any was filed")
		}

		unit := consoleFor(t, f)
		link := linkFor(f, "cwb", 0)
		res := unit.postMultipart(link+"/duties/sanzhongyida/2026-10", hidden(t, unit.get(link).body, "form"), nil, upload{"报表.pdf", pdfBytes()})
		if res.status != http.StatusSeeOther {
			t.Fatalf("the unit's report: %d\n%s", res.status, res.body)
		}
		id := itoa(requestsOf(t, st)[0].ID)
		marked := regexp.MustCompile(`<td class="duty-[a-z_]+" data-label="[^"]+"><a class="cell" href="[^"]+" data-duty="sanzhongyida" data-unit="(\w+)" data-period="([\d-]+)">[^<]+</a>(?:<br><small>[\d-]+</small>)?<span class="review" data-request="(\d+)">待审核</span></td>`)
		got := marked.FindAllStringSubmatch(o.get(matrix).body, -1)
		if len(got) != 1 || got[0][1] != "cwb" || got[0][2] != "2026-10" || got[0][3] != id {
			t.Errorf("cells marked 待审核: %q, want cwb's 2026-10 by request %s", got, id)
		}
		want(t, "the cell's page", o.get(cell), http.StatusOK, `<a href="/requests#request-`+id+`" class="review" id="cell-review" data-request="`+id+`">待审核 #`+id+`</a>`)

		if res := o.submit("/requests/"+id+"/approve", url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("approve: %d\n%s", res.status, res.body)
		}
		if strings.Contains(o.get(matrix).body, `class="review" data-request`) || strings.Contains(o.get(cell).body, `id="cell-review"`) {
			t.Error("a report approved is still marked 待审核")
		}
	})
}

// A unit downloads the files it sent from its page, and no other unit's.
func TestUnitDownloadsItsOwnFiles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, linkEnv...)
		b := consoleFor(t, f)
		cwb, jcb := linkFor(f, "cwb", 0), linkFor(f, "jcb", 0)
		res := b.postMultipart(cwb+"/duties/sanzhongyida/2026-10", hidden(t, b.get(cwb).body, "form"), nil, upload{"报表.pdf", pdfBytes()})
		if res.status != http.StatusSeeOther {
			t.Fatalf("the unit's report: %d\n%s", res.status, res.body)
		}
		file := itoa(requestsOf(t, st)[0].Files[0].ID)
		if page := b.get(cwb).body; !strings.Contains(page, `<a href="`+cwb+`/files/`+file+`" data-file>报表.pdf</a>`) {
			t.Errorf("the unit's page does not offer its file:\n%s", page)
		}
		down := b.get(cwb + "/files/" + file)
		if down.status != http.StatusOK || down.body != string(pdfBytes()) || !strings.HasPrefix(down.header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(down.header.Get("Content-Security-Policy"), "sandbox") || down.header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("the unit's download: %d %v", down.status, down.header)
		}
		for _, tt := range []struct {
			name, path string
			status     int
		}{
			{"another unit's file", jcb + "/files/" + file, http.StatusNotFound},
			{"no such file", cwb + "/files/999999", http.StatusNotFound},
			{"not a number", cwb + "/files/x", http.StatusNotFound},
			{"a tampered link", cwb[:len(cwb)-3] + "AAA/files/" + file, http.StatusForbidden},
		} {
			if res := b.get(tt.path); res.status != tt.status || strings.Contains(res.body, "%PDF") {
				t.Errorf("%s: %d, want %d and no file", tt.name, res.status, tt.status)
			}
		}
	})
}

// requestsOf are the units' requests, newest first.
func requestsOf(t *testing.T, st *store.Store) []store.Request {
	t.Helper()
	reqs, err := st.ListRequests(t.Context(), store.RequestFilter{})
	if err != nil || len(reqs) == 0 {
		t.Fatalf("requests: %+v %v", reqs, err)
	}
	return reqs
}

// TestLoopInBrowser walks the closed loop in a real browser, as the people
// in it do, on each store: the deadlines job reminds 财务资产部 by email of
// its overdue 四.2, with its link; on a phone the unit follows the link and
// asks for 销号 with a PDF; an admin logs in, finds the request in 待审核
// and approves it; 四.2 is 已完成 on the unit's day; the next deadlines run,
// which would have urged it again, reminds no one of it; the worker delivers
// the decision, whose link shows the unit its request approved.
func TestLoopInBrowser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := newChromium(t)
		ln, base := listenLocal(t)
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword, "DUBAN_ADMIN__PUBLIC_URL="+base)
		serveOn(t, ln, f.server)
		linkIn := regexp.MustCompile(regexp.QuoteMeta(base) + `/u/[A-Za-z0-9_.~-]+`)
		evidence := filepath.Join(t.TempDir(), "验收单.pdf")
		if err := os.WriteFile(evidence, onePagePDF("Acceptance of item 4.2, 2026-11-24"), 0o600); err != nil {
			t.Fatal(err)
		}

		// The reminder, by email, with the unit's link.
		f.runDeadlines()
		subject, text := readEmail(t, onlyFile(t, f.outbox, "deadlines_*cwb@zgh.example.org*.eml"))
		link := linkIn.FindString(text)
		if !strings.Contains(subject, "已逾期") || !strings.Contains(text, "四.2") || link == "" {
			t.Fatalf("cwb's reminder %q has no link to %s:\n%s", subject, base, text)
		}

		// The unit, on a phone, asks for 销号 with its evidence.
		step(t, ctx, "a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile))
		step(t, ctx, "follow the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("unit-items")))
		card := `article[data-item="四.2"]`
		step(t, ctx, "open 申请销号", chromedp.Click(chromedp.CSS(card+` details[id$="-completion"] summary`)),
			chromedp.WaitVisible(chromedp.CSS(card+` form[data-form="completion"] textarea`)))
		step(t, ctx, "fill in the request",
			chromedp.SetValue(chromedp.CSS(card+` form[data-form="completion"] input[name="on"]`), "2026-11-24"),
			chromedp.SendKeys(chromedp.CSS(card+` form[data-form="completion"] textarea`), "已结清长期挂账，建立月度清理机制"),
			chromedp.SetUploadFiles(chromedp.CSS(card+` form[data-form="completion"] input[type="file"]`), []string{evidence}))
		follow(t, ctx, "send it", card+` button[data-action="completion"]`)
		if !evaluate[bool](t, ctx, `!!document.getElementById("sent") && !!document.querySelector('`+card+` .pending') &&
			document.querySelectorAll('#unit-requests article[data-status="pending"]').length === 1`) {
			t.Fatalf("the unit's page after sending:\n%s", mainText(t, ctx))
		}

		// Left open, 四.2 would be urged again two days on.
		nextRun := asOf.Add(48 * time.Hour)
		planned, err := f.scheduler().Plan(t.Context(), ledger.JobDeadlines, nextRun)
		if err != nil || !remindsOf(planned, "2024-7/四.2") {
			t.Fatalf("the next run would not remind of 四.2 anyway (%v): the test proves nothing", err)
		}

		// The office, at a desk, approves it in 待审核.
		step(t, ctx, "a screen", chromedp.EmulateViewport(1280, 900))
		step(t, ctx, "open the console", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("password")),
			chromedp.SendKeys(chromedp.ID("user"), "admin"), chromedp.SendKeys(chromedp.ID("password"), testPassword))
		follow(t, ctx, "log in", `section.login button[type="submit"]`)
		follow(t, ctx, "open 待审核", "#nav-requests")
		request := `article[data-kind="completion"][data-status="pending"]`
		queued := evaluate[string](t, ctx, `document.querySelector('`+request+`').innerText`)
		for _, want := range []string{"四.2", "财务资产部", "2026-11-24", "已结清长期挂账", "验收单.pdf"} {
			if !strings.Contains(queued, want) {
				t.Errorf("the request in 待审核 lacks %q:\n%s", want, queued)
			}
		}
		step(t, ctx, "write a note", chromedp.SendKeys(chromedp.CSS(request+` form[data-form="approve"] textarea`), "同意销号"))
		follow(t, ctx, "approve it", request+` button[data-action="approve"]`)
		if !evaluate[bool](t, ctx, `!!document.getElementById("decided") && !document.querySelector('`+request+`')`) {
			t.Fatalf("the queue after approving:\n%s", mainText(t, ctx))
		}

		// 四.2 is 已完成 on the unit's day.
		follow(t, ctx, "open 已通过", `a[href="/requests?status=approved"]`)
		follow(t, ctx, "open the item", `article[data-kind="completion"] a[href^="/items/"]`)
		if st := evaluate[string](t, ctx, `document.getElementById("item-status").dataset.status`); st != "done" ||
			!strings.Contains(evaluate[string](t, ctx, `document.querySelector("dl.fields").innerText`), "2026-11-24") {
			t.Errorf("四.2 after approval: status %q\n%s", st, mainText(t, ctx))
		}
		if it, err := st.GetItem(t.Context(), "2024-7", "四.2"); err != nil || it.Status != ledger.StatusDone || it.CompletedOn.String() != "2026-11-24" {
			t.Errorf("四.2 in the store: %s on %s (%v), want done on 2026-11-24", it.Status, it.CompletedOn, err)
		}

		// The next run reminds no one of it.
		f.clock.Add(nextRun.Sub(f.clock.Now()))
		f.runAt(nextRun)
		sent, err := st.ListDispatches(t.Context(), store.DispatchFilter{Job: ledger.JobDeadlines, Since: nextRun})
		if err != nil || len(sent) == 0 {
			t.Fatalf("the next run's messages: %d, %v", len(sent), err)
		}
		for _, d := range sent {
			var refs []scheduler.Ref
			if err := json.Unmarshal([]byte(d.Refs), &refs); err != nil {
				t.Fatal(err)
			}
			if remindsOf([]scheduler.Planned{{Refs: refs}}, "2024-7/四.2") {
				t.Errorf("%s was reminded of 四.2 after its 销号 was approved", d.Recipient)
			}
		}

		// The worker delivers the decision; its link shows the unit its request approved.
		f.deliver()
		subject, text = readEmail(t, onlyFile(t, f.outbox, "review_*cwb@zgh.example.org*.eml"))
		if !strings.Contains(subject, "已通过") || !strings.Contains(subject, "四.2") || !strings.Contains(text, "同意销号") {
			t.Errorf("the decision %q:\n%s", subject, text)
		}
		step(t, ctx, "a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile))
		step(t, ctx, "follow the decision's link", chromedp.Navigate(linkIn.FindString(text)), chromedp.WaitVisible(chromedp.ID("unit-requests")))
		if !evaluate[bool](t, ctx, `document.querySelectorAll('#unit-requests article[data-status="approved"]').length === 1 && !document.querySelector('`+card+`')`) {
			t.Errorf("the unit's page after the decision:\n%s", mainText(t, ctx))
		}
	})
}

// remindsOf reports whether a message of planned reminds of ref.
func remindsOf(planned []scheduler.Planned, ref string) bool {
	for _, p := range planned {
		for _, r := range p.Refs {
			if r.Ref == ref {
				return true
			}
		}
	}
	return false
}

// onlyFile is the one file of dir matching pattern.
func onlyFile(t *testing.T, dir, pattern string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(names) != 1 {
		t.Fatalf("%s in %s: %q %v, want one", pattern, dir, names, err)
	}
	return names[0]
}

// readEmail reads an .eml of the outbox: its subject and its plain text.
func readEmail(t *testing.T, path string) (subject, text string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := parts.NextPart() // decodes quoted-printable itself
		if err != nil {
			t.Fatalf("%s has no text/plain part: %v", path, err)
		}
		if !strings.HasPrefix(part.Header.Get("Content-Type"), "text/plain") {
			continue
		}
		var body io.Reader = part
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
			body = base64.NewDecoder(base64.StdEncoding, part)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		return subject, string(b)
	}
}

// onePagePDF is a PDF of one A4 page saying text (ASCII), with its cross-
// reference table, as a scanner or a word processor would write it.
func onePagePDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 18 Tf 72 760 Td (%s) Tj ET", text)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
