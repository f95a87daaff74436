package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"duban/store"
	"duban/store/storetest"
)

// A duty report a unit filed through its link shows in the matrix as 待审核
// in its cell alone, and on the cell's page with a link to the request,
// until the office decides it.
func TestDutyMatrixMarksReportsUnderReview(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		t.Parallel()
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
		t.Parallel()
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
