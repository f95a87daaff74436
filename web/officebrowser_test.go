package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duban/store/storetest"
)

// serveBrowser serves the fixture's console on a port of its own for a
// real browser, and returns its base URL.
func serveBrowser(t *testing.T, f *fixture) string {
	t.Helper()
	ln, base := listenLocal(t)
	serveOn(t, ln, f.server)
	return base
}

// listenLocal listens on a free port of the loopback, and returns the
// listener and its base URL: a console built after it can know its address.
func listenLocal(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

// serveOn serves h on ln until the test ends.
func serveOn(t *testing.T, ln net.Listener, h http.Handler) {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	})
}

// wantNotice fails the test unless the page says text in its notice.
func wantNotice(t *testing.T, ctx context.Context, what, text string) {
	t.Helper()
	got := evaluate[string](t, ctx, `(document.getElementById("notice") || {innerText: ""}).innerText`)
	if !strings.Contains(got, text) {
		t.Errorf("%s: notice %q, want %q\n%s", what, got, text, mainText(t, ctx))
	}
}

// TestBrowserOfficeForms does the office's work in a real browser, by the
// forms alone (the console has no script): create an item, note its
// progress, mark it done, import a ledger after its preview, record a
// submission from the duty matrix, resend the failed messages.
func TestBrowserOfficeForms(t *testing.T) {
	t.Parallel()
	ctx := newChromium(t)
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	f.run()
	failFirstDispatch(t, f)
	base := serveBrowser(t, f)

	step(t, ctx, "open the login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("user"), "admin"), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	follow(t, ctx, "log in", `section.login button[type="submit"]`)

	step(t, ctx, "open the ledger", chromedp.Navigate(base+"/items"), chromedp.WaitVisible(chromedp.ID("new-item")))
	follow(t, ctx, "open the new item form", "#new-item")
	step(t, ctx, "fill in the item",
		chromedp.SetValue(chromedp.ID("f-no"), "五.1"),
		chromedp.SendKeys(chromedp.ID("f-problem"), "制度执行不到位"),
		chromedp.SendKeys(chromedp.ID("f-measures"), "完善制度"),
		chromedp.SetValue(chromedp.ID("f-leader"), "wang"),
		chromedp.SetValue(chromedp.ID("f-lead"), "bgs"),
		chromedp.Click(chromedp.CSS(`#f-units input[value="cwb"]`)),
		chromedp.SetValue(chromedp.ID("f-deadline"), "2026-12-31"))
	follow(t, ctx, "save the item", "#item-save")
	wantNotice(t, ctx, "create", "已新建问题")
	if text := mainText(t, ctx); !strings.Contains(text, "五.1 制度执行不到位") || !strings.Contains(text, "办公室、财务资产部") {
		t.Errorf("the new item's page:\n%s", text)
	}

	step(t, ctx, "write a note", chromedp.SendKeys(chromedp.CSS(`#note-form textarea[name="note"]`), "召开推进会"))
	follow(t, ctx, "record the note", "#note-submit")
	wantNotice(t, ctx, "note", "已记录整改进展")
	follow(t, ctx, "mark it done", "#done-submit")
	wantNotice(t, ctx, "done", "已标记为已完成")
	if st := evaluate[string](t, ctx, `document.getElementById("item-status").dataset.status`); st != "done" {
		t.Errorf("status after done: %q", st)
	}

	records := exampleLedgerRecords(t)
	measures := slices.Index(records[0], "整改措施")
	for i, r := range records {
		if r[0] == "四.1" {
			records[i][measures] = "限期解决历史遗留问题"
		}
	}
	file := filepath.Join(t.TempDir(), "台账.csv")
	if err := os.WriteFile(file, csvBytes(t, records), 0o600); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "choose a ledger file", chromedp.Navigate(base+"/import"), chromedp.WaitVisible(chromedp.ID("import-file")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}))
	follow(t, ctx, "upload it", "#import-upload")
	if text := mainText(t, ctx); !strings.Contains(text, "修改 1 个") || !strings.Contains(text, "限期解决历史遗留问题") {
		t.Errorf("the import's preview:\n%s", text)
	}
	follow(t, ctx, "apply it", "#apply-submit")
	wantNotice(t, ctx, "import", "已导入台账：新增 0 个问题，修改 1 个")

	step(t, ctx, "open the duty matrix", chromedp.Navigate(base+"/duties?duty=sanzhongyida"), chromedp.WaitVisible(chromedp.CSS("table.matrix")))
	follow(t, ctx, "open a cell", `a.cell[data-unit="bgs"][data-period="2026-10"]`)
	follow(t, ctx, "record the submission", "#submit-submit")
	wantNotice(t, ctx, "submission", "已登记报送")

	step(t, ctx, "open the failed messages", chromedp.Navigate(base+"/dispatches?status=failed"), chromedp.WaitVisible(chromedp.ID("retry-failed-submit")))
	follow(t, ctx, "resend them", "#retry-failed-submit")
	wantNotice(t, ctx, "resend", "已将发送失败的消息重新排队。（1 条）")
}
