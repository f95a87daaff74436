package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// A unit files a completion request from its page on a phone, in a real
// browser, with no script on the page: the page fits 390px, the form is
// opened by its summary and sent with a PDF; the office's queue fits too.
func TestUnitPageInBrowser(t *testing.T) {
	t.Parallel()
	ctx := newChromium(t)
	f := newFixture(t, storetest.Open(t, "sqlite"), linkEnv...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: f.server, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
	base := "http://" + ln.Addr().String()
	evidence := filepath.Join(t.TempDir(), "验收单.pdf")
	if err := os.WriteFile(evidence, pdfBytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	step(t, ctx, "phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile))
	link := linkFor(f, "cwb", 0)
	step(t, ctx, "open the unit's link", chromedp.Navigate(base+link), chromedp.WaitVisible(chromedp.ID("unit-items")))
	noSideways(t, ctx, "the unit's page")
	card := `article[data-item="四.2"]`
	step(t, ctx, "open 申请销号", chromedp.Click(chromedp.CSS(card+` details[id$="-completion"] summary`)),
		chromedp.WaitVisible(chromedp.CSS(card+` form[data-form="completion"] textarea`)))
	noSideways(t, ctx, "the open form")
	step(t, ctx, "fill in the form",
		chromedp.SetValue(chromedp.CSS(card+` form[data-form="completion"] input[name="on"]`), "2026-11-24"),
		chromedp.SendKeys(chromedp.CSS(card+` form[data-form="completion"] textarea`), "已结清长期挂账"),
		chromedp.SetUploadFiles(chromedp.CSS(card+` form[data-form="completion"] input[type="file"]`), []string{evidence}))
	follow(t, ctx, "send it", card+` button[data-action="completion"]`)
	if text := mainText(t, ctx); !strings.Contains(text, "销号申请已提交") || !strings.Contains(text, "等待审核：申请销号") {
		t.Errorf("after sending:\n%s", text)
	}
	reqs, err := f.st.ListRequests(t.Context(), store.RequestFilter{Status: ledger.RequestPending})
	if err != nil || len(reqs) != 1 || len(reqs[0].Files) != 1 || reqs[0].Files[0].Name != "验收单.pdf" || reqs[0].On.String() != "2026-11-24" {
		t.Fatalf("the request the browser sent: %+v %v", reqs, err)
	}

	step(t, ctx, "open the console", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("user"), "admin"), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	follow(t, ctx, "log in", `section.login button[type="submit"]`)
	step(t, ctx, "open 待审核", chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.CSS(`article[data-kind="completion"]`)))
	noSideways(t, ctx, "the review queue")
}

// noSideways fails the test when the page is wider than the window.
func noSideways(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	widths := evaluate[[]int](t, ctx, `[document.documentElement.scrollWidth, document.body.scrollWidth, document.documentElement.clientWidth]`)
	if len(widths) != 3 || widths[2] != 390 || widths[0] > widths[2] || widths[1] > widths[2] {
		t.Errorf("%s on a 390px screen: page %dpx, body %dpx wide in a %dpx window", what, widths[0], widths[1], widths[2])
	}
}
