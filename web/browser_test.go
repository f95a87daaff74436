package web

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"duban/store"
	"duban/store/storetest"
)

// chromiumPath is where Debian's chromium package (installed by .ci/run)
// puts the browser.
const chromiumPath = "/usr/bin/chromium"

// newChromium starts a headless Chromium for the test, or skips the test
// when there is none (fails under CI=true, where .ci/run installs it).
func newChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not found at %s (CI=true: .ci/run installs it): %v", chromiumPath, err)
		}
		t.Skipf("chromium not found at %s: skipping the browser test", chromiumPath)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		// The console's users read Chinese: the browser's own words (a
		// file field's button, a date field's placeholder) too.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// Start the browser on a context without a deadline: a deadline on the
	// first run would bound the browser's whole life.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs browser actions with a deadline.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// navigate clicks a link (or a submit button) and waits for the next page.
func follow(t *testing.T, ctx context.Context, what, selector string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("%s (click %s): %v", what, selector, err)
	}
	if res.Status != http.StatusOK {
		t.Fatalf("%s: status %d at %s", what, res.Status, res.URL)
	}
}

func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// mainText is what a person reads in the page's main area.
func mainText(t *testing.T, ctx context.Context) string {
	return evaluate[string](t, ctx, `document.querySelector("main").innerText`)
}

// failLaterDispatch runs the deadlines a week on, fails one of the
// messages that run made as a refused address would, and returns its page.
func failLaterDispatch(t *testing.T, f *fixture) string {
	t.Helper()
	f.runAt(asOf.AddDate(0, 0, 7))
	ctx := t.Context()
	claimed, err := f.st.ClaimDispatches(ctx, "test", f.clock.Now(), time.Minute, 1, true)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim a dispatch: %v %+v", err, claimed)
	}
	failed := store.Outcome{ID: claimed[0].ID, State: store.StateFailed, Error: "smtp: 550 5.1.1 rejected", Reply: "550 5.1.1 rejected"}
	if lost, err := f.st.Settle(ctx, "test", []store.Outcome{failed}, f.clock.Now()); err != nil || len(lost) != 0 {
		t.Fatalf("settle: %v, lost %v", err, lost)
	}
	return "/dispatches/" + strconv.FormatInt(claimed[0].ID, 10)
}

// TestBrowser walks the console as a person does, in a real browser: log
// in, read the overview, follow an overdue item to a reminder sent about
// it, and read that message; a failed message offers 重新发送 to the admin
// and not to a viewer. TestEveryPageFits opens every page on a phone.
func TestBrowser(t *testing.T) {
	t.Parallel()
	ctx := newChromium(t)
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	f.runDeadlines()
	addUser(t, f.st, "李纪检", store.RoleViewer, viewerPassword)
	base := serveBrowser(t, f)

	// The console sends a stranger to the login page.
	step(t, ctx, "open the console", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("password")))
	if loc := evaluate[string](t, ctx, `location.pathname`); loc != "/login" {
		t.Fatalf("a stranger lands on %s, want /login", loc)
	}
	step(t, ctx, "type the name and password", chromedp.SendKeys(chromedp.ID("user"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword))
	follow(t, ctx, "log in", `section.login button[type="submit"]`)

	// 总览, styled (the stylesheet passed the CSP), with the overdue item.
	overview := mainText(t, ctx)
	for _, want := range []string{"总览", "逾期事项", "四.2", "审计发现问题整改抓得不紧", "逾期5天", "近14天内到期", "四.1", "本期定期任务报送"} {
		if !strings.Contains(overview, want) {
			t.Errorf("overview lacks %q:\n%s", want, overview)
		}
	}
	if bg := evaluate[string](t, ctx, `getComputedStyle(document.querySelector("header.top")).backgroundColor`); bg != "rgb(158, 27, 27)" {
		t.Errorf("header background %q: the stylesheet did not load", bg)
	}

	// Follow the overdue item to its page, and from there to a reminder.
	follow(t, ctx, "open item 四.2", `a[href="/items/2024-7/%E5%9B%9B.2"]`)
	item := mainText(t, ctx)
	for _, want := range []string{"四.2 审计发现问题整改抓得不紧", "红灯", "财务资产部、组织部、离退休党支部", "进展记录", "相关发送记录", "逾期催办"} {
		if !strings.Contains(item, want) {
			t.Errorf("item page lacks %q:\n%s", want, item)
		}
	}
	recipient := evaluate[string](t, ctx, `document.querySelector("main table tbody tr td:nth-child(3)").innerText`)
	if !strings.HasSuffix(recipient, "@zgh.example.org") {
		t.Fatalf("first dispatch of the item goes to %q", recipient)
	}
	follow(t, ctx, "open the item's first dispatch", `main table tbody tr a[href^="/dispatches/"]`)
	dispatch := mainText(t, ctx)
	for _, want := range []string{
		"四.2",                // the item it concerned
		recipient,            // to whom
		"【整改督办】",             // the subject, in Chinese
		"已逾期", "已发送", "逾期催办", // what it said and how it went
		"审计发现问题整改抓得不紧", // the message's text
		"Auto-Submitted: auto-generated",
	} {
		if !strings.Contains(dispatch, want) {
			t.Errorf("dispatch page lacks %q:\n%s", want, dispatch)
		}
	}

	// A message that failed: the admin may send it again, a viewer may not.
	failed := failLaterDispatch(t, f)
	retryButton := `document.querySelector('form[action$="/retry"] button') !== null`
	step(t, ctx, "open the failed message", chromedp.Navigate(base+failed), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if !evaluate[bool](t, ctx, retryButton) {
		t.Errorf("the admin sees no 重新发送 on %s", failed)
	}
	follow(t, ctx, "log out", `form.logout button`)
	step(t, ctx, "log in as a viewer", chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), "李纪检"), chromedp.SendKeys(chromedp.ID("password"), viewerPassword))
	follow(t, ctx, "log in", `section.login button[type="submit"]`)
	if who := evaluate[string](t, ctx, `document.querySelector("header .who").innerText`); !strings.Contains(who, "李纪检") || !strings.Contains(who, "只读") {
		t.Errorf("the header names %q, want the viewer and 只读", who)
	}
	step(t, ctx, "open the failed message as a viewer", chromedp.Navigate(base+failed), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if evaluate[bool](t, ctx, retryButton) || !strings.Contains(mainText(t, ctx), "发送失败") {
		t.Errorf("a viewer's page of a failed message:\n%s", mainText(t, ctx))
	}
}
