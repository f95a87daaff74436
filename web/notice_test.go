package web

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"duban/store"
	"duban/store/storetest"
)

// The 通报 page offers each round's notice; the downloads are the notice
// as of the day asked, as a file to save, in Word, HTML and XLSX. A viewer
// may download it; an anonymous visitor may not.
func TestNoticeDownloads(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		anonymous := consoleFor(t, f)
		if res := anonymous.get("/notice/download?round=2024-7&format=docx"); res.status != http.StatusSeeOther {
			t.Errorf("anonymous download: %d, want a redirect to the login", res.status)
		}
		addUser(t, st, "李纪检", store.RoleViewer, viewerPassword)
		b := consoleFor(t, f)
		b.mustLoginAs("李纪检", viewerPassword)

		page := b.get("/notice")
		for _, want := range []string{
			"<h2>市委第五轮巡察 <small>2024-7</small></h2>",
			"<b>中共济南市总工会党组 关于市委第五轮巡察集中整改进展情况的通报</b>",
			"截至2026年11月25日，巡察反馈问题共25个，已完成整改21个，正在整改4个。",
			`<form method="get" action="/notice/download"`,
			`<input type="date" name="as_of" value="2026-11-25">`,
			`<button type="submit" name="format" value="docx">下载Word 文档（.docx）</button>`,
			`<a href="/notice" class="on" aria-current="page">通报</a>`,
		} {
			if page.status != http.StatusOK || !strings.Contains(page.body, want) {
				t.Errorf("通报 page (%d) lacks %q", page.status, want)
			}
		}

		download := func(format, asOf string) response {
			return b.get("/notice/download?" + url.Values{"round": {"2024-7"}, "format": {format}, "as_of": {asOf}}.Encode())
		}
		docx := download("docx", "2026-11-26")
		if docx.status != http.StatusOK || docx.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" ||
			docx.header.Get("Content-Disposition") != `attachment; filename="notice-2024-7-2026-11-26.docx"; filename*=UTF-8''`+
				url.QueryEscape("整改进展情况通报-2024-7-2026-11-26.docx") {
			t.Fatalf("docx download: %d %v", docx.status, docx.header)
		}
		document := zipPart(t, []byte(docx.body), "word/document.xml")
		for _, want := range []string{"中共济南市总工会党组", "2026年11月26日", "巡察反馈问题共25个，已完成整改21个", "整改结果：已完成"} {
			if !strings.Contains(document, want) {
				t.Errorf("downloaded docx lacks %q", want)
			}
		}

		html := download("html", "")
		if html.status != http.StatusOK || !strings.HasPrefix(html.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(html.header.Get("Content-Disposition"), "notice-2024-7-2026-11-25.html") ||
			!strings.Contains(html.body, `<p class="date">2026年11月25日</p>`) {
			t.Errorf("html download: %d %v", html.status, html.header)
		}

		xlsx := download("xlsx", "2026-11-25")
		wb, err := excelize.OpenReader(strings.NewReader(xlsx.body))
		if err != nil {
			t.Fatalf("xlsx download (%d): %v", xlsx.status, err)
		}
		rows, err := wb.GetRows(wb.GetSheetName(0))
		wb.Close()
		if err != nil || len(rows) != 3+25 {
			t.Errorf("xlsx download: %d rows, %v", len(rows), err)
		}

		for _, tt := range []struct {
			query  string
			status int
			msg    string
		}{
			{"round=2099-1&format=docx", http.StatusNotFound, "没有巡察轮次“2099-1”。"},
			{"round=2024-7&format=pdf", http.StatusBadRequest, "通报格式“pdf”无效，应为 docx、html 或 xlsx。"},
			{"round=2024-7&format=docx&as_of=2025-13-01", http.StatusBadRequest, "通报日期“2025-13-01”无效，应为 2025-06-16 这样的日期。"},
		} {
			res := b.get("/notice/download?" + tt.query)
			if res.status != tt.status || !strings.Contains(res.body, tt.msg) {
				t.Errorf("%s: %d, want %d with %q", tt.query, res.status, tt.status, tt.msg)
			}
		}
	})
}

// An item's page shows its sub-category (问题子类) under its category.
func TestItemPageShowsSubCategory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		b := consoleFor(t, f)
		b.mustLogin()
		page := b.get("/items/2024-7/" + url.PathEscape("一.1.(1)"))
		if want := "<dt>问题子类</dt><dd>关于政治站位不够高,学习贯彻习近平新时代中国特色社会主义思想不够到位问题</dd>"; !strings.Contains(page.body, want) {
			t.Errorf("item page lacks %q", want)
		}
		if page = b.get("/items/2024-7/" + url.PathEscape("四.1")); strings.Contains(page.body, "问题子类") {
			t.Error("an item without a sub-category shows the label")
		}
	})
}

// zipPart reads one part of a zip package.
func zipPart(t *testing.T, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
