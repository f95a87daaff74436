package web

import (
	"bytes"
	"cmp"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// tourPage is one page of the console or of a unit's link, as a person
// reaches it: by its path, logged in as the admin unless loggedOut; it
// answers status (0: 200).
type tourPage struct {
	name, path string
	loggedOut  bool
	status     int
}

// officeTour makes an office with something on every page: the example
// ledger reminded of and delivered, a message failed, a unit's requests
// (a completion with a PDF and a photo, an extension, a duty report; a
// progress report rejected), an item done, a ledger upload waiting with
// its changes and a conflict. It returns every page to look at.
func officeTour(t *testing.T, f *fixture) []tourPage {
	t.Helper()
	f.run()
	failFirstDispatch(t, f)
	f.deliver()
	// The summary's run failed (the database was away) and was done again.
	retry := store.Retry{StaleAfter: time.Minute, Attempts: 3}
	for i, outcome := range []string{"failed", "ok"} {
		start := asOf.Add(time.Duration(i) * 5 * time.Minute)
		run, err := f.st.ClaimRun(t.Context(), ledger.JobSummary, asOf.Add(-time.Hour), "duban-1", start, retry)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.FinishRun(t.Context(), run, outcome, 0, 1, "", start.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}

	unit := consoleFor(t, f)
	link := linkFor(f, "cwb", 0)
	form := hidden(t, unit.get(link).body, "form")
	item := func(no string) string { return link + "/items/2024-7/" + url.PathEscape(no) }
	for _, r := range []struct {
		path   string
		fields map[string]string
		files  []upload
	}{
		{item("二.3.(3)") + "/progress", map[string]string{"body": "已制定专项方案,正在推进"}, nil},
		{item("四.2") + "/completion", map[string]string{"on": "2026-11-23", "body": "已结清长期挂账往来款项,并建立月度清理机制"},
			[]upload{{"往来款项清理结算单.pdf", onePagePDF("Settlement of item 4.2")}, {"现场照片.png", photoBytes(t)}}},
		{item("四.1") + "/extension", map[string]string{"on": "2026-12-31", "body": "涉及诉讼,需等待法院判决"}, nil},
		{link + "/duties/sanzhongyida/2026-10", map[string]string{"body": "10月三重一大事项报告表已经党组会审议"}, []upload{{"三重一大事项情况报告表(10月).pdf", onePagePDF("Report, October 2026")}}},
	} {
		if res := unit.postMultipart(r.path, form, r.fields, r.files...); res.status != http.StatusSeeOther {
			t.Fatalf("the unit's request %s: %d\n%s", r.path, res.status, res.body)
		}
	}

	o := officeFor(t, f)
	if res := o.submit("/requests/1/reject", url.Values{"note": {"请补充推进的时间节点"}}); res.status != http.StatusSeeOther {
		t.Fatalf("reject the progress report: %d\n%s", res.status, res.body)
	}
	done := itemURL("2024-7", "一.3.(1)")
	if res := o.submit(done+"/status", url.Values{"to": {"done"}, "on": {"2026-11-24"}}); res.status != http.StatusSeeOther {
		t.Fatalf("mark 一.3.(1) done: %d\n%s", res.status, res.body)
	}
	records := exampleLedgerRecords(t)
	measures := slices.Index(records[0], "整改措施")
	for i, r := range records {
		if r[0] == "四.1" {
			records[i][measures] = "与律师事务所沟通,限期解决历史遗留的房屋租赁纠纷,逐笔核对往来账目"
		}
	}
	preview := o.upload("/import", url.Values{"csrf": {o.csrf}, "round": {"2024-7"}}, "台账(11月修订).csv", csvBytes(t, records)).header.Get("Location")
	if !strings.HasPrefix(preview, "/import/") {
		t.Fatalf("the ledger upload went to %q", preview)
	}

	overdue := itemURL("2024-7", "四.2")
	return []tourPage{
		{name: "login", path: "/login", loggedOut: true},
		{name: "unit", path: link, loggedOut: true},
		{name: "unit-refused", path: link[:len(link)-3] + "AAA", loggedOut: true, status: http.StatusForbidden},
		{name: "overview", path: "/"},
		{name: "items", path: "/items"},
		{name: "item", path: overdue},
		{name: "item-done", path: done},
		{name: "item-edit", path: overdue + "/edit"},
		{name: "item-new", path: "/items/new"},
		{name: "import", path: "/import"},
		{name: "import-preview", path: preview},
		{name: "dispatches", path: "/dispatches"},
		{name: "dispatch", path: "/dispatches/2"},
		{name: "dispatch-failed", path: "/dispatches/1"},
		{name: "duties", path: "/duties"},
		{name: "duty-cell", path: "/duties/sanzhongyida/bgs/2026-10"},
		{name: "duty-cell-submitted", path: "/duties/sanzhongyida/cwb/2026-10"},
		{name: "jobs", path: "/jobs"},
		{name: "audit", path: "/audit"},
		{name: "requests", path: "/requests"},
		{name: "requests-rejected", path: "/requests?status=rejected"},
		{name: "not-found", path: "/no-such-page", status: http.StatusNotFound},
	}
}

// screenshotDir is where TestEveryPageFits saves a picture of every page
// at each width, when DUBAN_SCREENSHOTS names a directory. README's
// pictures, docs/screenshots/unit-390.png and requests-1280.png, are two
// of them:
//
//	DUBAN_SCREENSHOTS=/tmp/shots go test ./web/ -run TestEveryPageFits
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("DUBAN_SCREENSHOTS")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestEveryPageFits opens every page of the console and the unit's page
// in a real browser on a 390px phone and on a 1280px screen: no page
// scrolls sideways, and on the phone nothing inside the page does either:
// the tables, the duty matrix too, are cards.
func TestEveryPageFits(t *testing.T) {
	t.Parallel()
	ctx := newChromium(t)
	f := newFixture(t, storetest.Open(t, "sqlite"), linkEnv...)
	pages := officeTour(t, f)
	base := serveBrowser(t, f)
	shots := screenshotDir(t)

	for _, width := range []int64{390, 1280} {
		step(t, ctx, "log out", chromedp.Navigate(base+"/login"))
		loggedIn := false
		if width == 390 {
			step(t, ctx, "a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile))
		} else {
			step(t, ctx, "a screen", chromedp.EmulateViewport(1280, 900))
		}
		for _, p := range pages {
			if !p.loggedOut && !loggedIn {
				step(t, ctx, "log in", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("password")),
					chromedp.SendKeys(chromedp.ID("user"), "admin"), chromedp.SendKeys(chromedp.ID("password"), testPassword))
				follow(t, ctx, "log in", `section.login button[type="submit"]`)
				loggedIn = true
			}
			what := p.name + " at " + itoa(width) + "px"
			openPage(t, ctx, what, base+p.path, cmp.Or(p.status, http.StatusOK))
			fits(t, ctx, what, width)
			if shots != "" {
				saveScreenshot(t, ctx, filepath.Join(shots, p.name+"-"+itoa(width)+".png"))
			}
		}
		step(t, ctx, "log out", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("form.logout button")))
		follow(t, ctx, "log out", "form.logout button")
	}
}

// openPage opens url and waits for its heading; it must answer status.
func openPage(t *testing.T, ctx context.Context, what, url string, status int) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(sctx, chromedp.Navigate(url))
	if err == nil {
		err = chromedp.Do(sctx, chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	if err != nil {
		t.Fatalf("open %s: %v", what, err)
	}
	if int(res.Status) != status {
		t.Errorf("%s: status %d, want %d", what, res.Status, status)
	}
}

// fits fails the test when the page is wider than the window, or, on a
// phone, when a box in it scrolls sideways (a form field's text aside).
func fits(t *testing.T, ctx context.Context, what string, width int64) {
	t.Helper()
	// clientWidth is the layout viewport; a phone's innerWidth grows with
	// content that is too wide, so it cannot tell.
	widths := evaluate[[]int64](t, ctx, `[document.documentElement.scrollWidth, document.body.scrollWidth, document.documentElement.clientWidth]`)
	if len(widths) != 3 || widths[2] != width || widths[0] > width || widths[1] > width {
		t.Errorf("%s: page %dpx, body %dpx wide in a %dpx window: it scrolls sideways", what, widths[0], widths[1], widths[2])
	}
	if width > 600 {
		return
	}
	wide := evaluate[[]string](t, ctx, `[...document.querySelectorAll("main *")]
		.filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible" && !e.matches("input, textarea, select"))
		.map(e => e.tagName + "." + e.className + " " + e.scrollWidth + ">" + e.clientWidth)`)
	if len(wide) > 0 {
		t.Errorf("%s: boxes scroll sideways: %q", what, wide)
	}
}

// photoBytes is a PNG the size of a phone's photo, of something: a
// thumbnail in the review queue shows it.
func photoBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			sky := y < 260
			c := color.RGBA{R: uint8(120 + x/8), G: uint8(150 + y/6), B: 200, A: 255}
			if !sky {
				c = color.RGBA{R: uint8(90 + y/5), G: uint8(110 + x/10), B: 70, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(name, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
