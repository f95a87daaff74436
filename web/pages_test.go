package web

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// rowsOf counts the body rows of the first table of a page.
func rowsOf(body string) int {
	i := strings.Index(body, "<tbody>")
	j := strings.Index(body, "</tbody>")
	if i < 0 || j < i {
		return 0
	}
	return strings.Count(body[i:j], "<tr>")
}

func TestItemPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.runDeadlines()
		ctx := t.Context()
		if err := st.AddProgress(ctx, "2024-7", "四.2", ledger.EventProgress, ledger.NewDate(2026, 11, 24),
			"已召开专题推进会", store.Actor{Name: "tester", Kind: store.ActorCLI}, asOf.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		// 整改情况 changes by an edit, which the timeline shows before → after.
		if _, err := st.EditItem(ctx, "2024-7", "四.2", []ledger.Field{ledger.FieldProgress},
			ledger.Item{Progress: "已追回两笔借款"},
			store.Edit{By: store.Actor{Name: "张三", Kind: store.ActorCLI}, At: asOf.Add(-30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		b := consoleFor(t, f)
		b.mustLogin()

		tests := []struct {
			query string
			rows  int
			want  string
		}{
			{"", 25, "一.1.(1)"},
			{"?status=open", 4, "四.2"},
			{"?status=done", 21, "三.1"},
			{"?light=red", 1, "四.2"},
			{"?light=blue", 1, "二.3.(3)"},
			{"?unit=cwb&status=open", 3, "四.1"},
			// The words the console prints work in a link too.
			{"?status=" + url.QueryEscape("未完成"), 4, "四.2"},
			{"?light=" + url.QueryEscape("红灯"), 1, "四.2"},
			{"?unit=" + url.QueryEscape("财务部") + "&status=" + url.QueryEscape("正在整改"), 3, "四.1"},
			{"?leader=chen", 1, "内部审计流于形式"},
			{"?q=" + url.QueryEscape("审计"), 4, "四.2"},
			{"?q=" + url.QueryEscape("追回两笔"), 1, "四.2"},
			{"?round=2024-7&status=closed", 0, "没有符合条件的问题"},
			{"?status=bogus&light=bogus", 25, "一.1.(1)"}, // unknown values filter nothing
		}
		for _, tt := range tests {
			res := b.get("/items" + tt.query)
			if res.status != http.StatusOK || rowsOf(res.body) != tt.rows || !strings.Contains(res.body, tt.want) {
				t.Errorf("/items%s: %d, %d rows, want %d rows with %q", tt.query, res.status, rowsOf(res.body), tt.rows, tt.want)
			}
		}

		item := b.get("/items/2024-7/" + url.PathEscape("四.2"))
		for _, want := range []string{
			"四.2 审计发现问题整改抓得不紧", "红灯", "逾期5天", "财务资产部、组织部、离退休党支部", "李某某",
			"导入台账", "整改进展", "已召开专题推进会", "tester", // the timeline: a note,
			"修改</strong>\n整改情况：<span class=\"before\">在前期清理收回的基础上", // an edit, before →
			`<span class="after">已追回两笔借款</span>`, "张三",             // after, and who
			"cwb@zgh.example.org", "zzb@zgh.example.org", "ltxdzb@zgh.example.org", `<td data-label="阶段">逾期催办</td>`, // its dispatches, tagged as the email
		} {
			if !strings.Contains(item.body, want) {
				t.Errorf("item page lacks %q", want)
			}
		}
		if strings.Contains(item.body, "bgs@zgh.example.org") {
			t.Error("item page lists a dispatch that did not concern it")
		}
		if res := b.get("/items/2024-7/" + url.PathEscape("九.9")); res.status != http.StatusNotFound {
			t.Errorf("unknown item: %d, want 404", res.status)
		}
	})
}

func TestDispatchLog(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.runDeadlines()
		b := consoleFor(t, f)
		b.mustLogin()

		tests := []struct {
			query string
			rows  int
		}{
			{"", 5},
			{"?status=sent", 5},
			{"?status=failed", 0},
			{"?job=deadlines", 5},
			{"?job=到期提醒", 5},
			{"?job=duties", 0},
			{"?to=CWB@zgh.example.org", 1},
			{"?since=2026-11-25&until=2026-11-25", 5},
			{"?since=2026-11-26", 0},
			{"?until=2026-11-24", 0},
			{"?channel=email", 5},
			{"?channel=wecom", 0},
			{"?channel=nonsense", 5}, // ignored
		}
		for _, tt := range tests {
			res := b.get("/dispatches" + tt.query)
			if res.status != http.StatusOK || rowsOf(res.body) != tt.rows {
				t.Errorf("/dispatches%s: %d with %d rows, want %d", tt.query, res.status, rowsOf(res.body), tt.rows)
			}
		}
		if res := b.get("/dispatches?since=2026-13-01"); !strings.Contains(res.body, "起始日期“2026-13-01”无效") {
			t.Errorf("a bad date is not reported:\n%s", res.body)
		}

		res := b.get("/dispatches.csv?status=sent")
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("CSV export: %d %q", res.status, res.header.Get("Content-Type"))
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != 6 || records[0][4] != "收件人" || records[1][3] != "邮件" || records[1][5] != "已发送" {
			t.Errorf("CSV export: %q", records)
		}

		page := b.get("/dispatches/2")
		for _, want := range []string{
			"cwb@zgh.example.org", "【整改督办】1项已逾期、1项即将到期", // recipient, subject
			">四.2</a> <small>逾期催办</small>", ">四.1</a> <small>提醒</small>", // what it concerned, tagged as the email
			"财务资产部", "Message-ID: &lt;", "Auto-Submitted: auto-generated", "X-Duban-Key: deadlines/", // headers
			`<iframe class="mail" sandbox src="/dispatches/2/html"`, "&lt;!DOCTYPE html&gt;", // HTML, framed and as source
		} {
			if !strings.Contains(page.body, want) {
				t.Errorf("dispatch page lacks %q", want)
			}
		}
		html := b.get("/dispatches/2/html")
		if !strings.HasPrefix(html.body, "<!DOCTYPE html>") || !strings.Contains(html.body, "审计发现问题整改抓得不紧") {
			t.Errorf("dispatch HTML: %q", html.body[:min(200, len(html.body))])
		}
		for _, path := range []string{"/dispatches/999", "/dispatches/abc", "/dispatches/999/html"} {
			if res := b.get(path); res.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, res.status)
			}
		}
	})
}

func TestDutiesAndJobsPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	f.runDeadlines()
	ctx := t.Context()
	subs := []store.Submission{
		{Duty: "sanhuiyike", Unit: "jgdzb1", Period: "2026-Q3", On: ledger.NewDate(2026, 10, 9)},  // on time (due 10-10)
		{Duty: "sanhuiyike", Unit: "jgdzb2", Period: "2026-Q3", On: ledger.NewDate(2026, 10, 20)}, // late
	}
	for _, sub := range subs {
		sub.Actor, sub.CreatedAt = "test", asOf
		if err := f.st.AddSubmission(ctx, sub, store.Actor{Name: "test", Kind: store.ActorCLI}); err != nil {
			t.Fatal(err)
		}
	}
	b := consoleFor(t, f)
	b.mustLogin()

	page := b.get("/duties?duty=sanhuiyike")
	for _, want := range []string{
		"<footer>督办系统 · 整改办</footer>", // the house style: 督办系统 and the office, not duban
		"“三会一课”落实情况", "2026年第3季度", "截止 2026-10-10",
		`<tr><th>机关第一党支部</th><td class="duty-submitted" data-label="2026年第3季度"><a class="cell" href="/duties/sanhuiyike/jgdzb1/2026-Q3" data-duty="sanhuiyike" data-unit="jgdzb1" data-period="2026-Q3">已报送</a><br><small>2026-10-09</small></td>` +
			`<td class="duty-not_due" data-label="2026年第4季度"><a class="cell" href="/duties/sanhuiyike/jgdzb1/2026-Q4" data-duty="sanhuiyike" data-unit="jgdzb1" data-period="2026-Q4">未到期</a></td></tr>`,
		`<td class="duty-late" data-label="2026年第3季度"><a class="cell" href="/duties/sanhuiyike/jgdzb2/2026-Q3" data-duty="sanhuiyike" data-unit="jgdzb2" data-period="2026-Q3">逾期报送</a><br><small>2026-10-20</small></td>`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("duties page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "三重一大事项情况报告表》 <small>") {
		t.Error("a duty filter shows other duties")
	}
	overview := b.get("/")
	if !strings.Contains(overview.body, `<td data-label="已报送">2/4</td>`) && !strings.Contains(overview.body, `<td data-label="已报送">2/4 <small>（逾期报送1）</small></td>`) {
		t.Errorf("overview's duty line for 三会一课 lacks 2/4:\n%s", overview.body)
	}

	jobs := b.get("/jobs")
	for _, want := range []string{"到期提醒", "<code>0 9 * * *</code>", "2026-11-25 09:00", "成功", "2026-11-26 09:00", "从未运行"} {
		if !strings.Contains(jobs.body, want) {
			t.Errorf("jobs page lacks %q", want)
		}
	}
	if rows := rowsOf(jobs.body[strings.Index(jobs.body, "运行记录"):]); rows != 1 {
		t.Errorf("jobs page lists %d runs, want 1", rows)
	}
}

// A run done again after a failure says so, on both tables of 任务运行.
func TestJobsPageShowsARunDoneAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"), "DUBAN_ADMIN_PASSWORD="+testPassword)
	ctx := t.Context()
	retry := store.Retry{StaleAfter: time.Minute, Attempts: 3}
	for i, outcome := range []string{"failed", "ok"} {
		start := asOf.Add(time.Duration(i) * 5 * time.Minute)
		run, err := f.st.ClaimRun(ctx, ledger.JobSummary, asOf, "host", start, retry)
		if err != nil {
			t.Fatal(err)
		}
		errText := map[string]string{"failed": "database gone"}[outcome]
		if err := f.st.FinishRun(ctx, run, outcome, 0, 1, errText, start.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	b := consoleFor(t, f)
	b.mustLogin()
	jobs := b.get("/jobs")
	if n := strings.Count(jobs.body, `<span class="outcome outcome-ok">成功</span> <small>第2次运行</small>`); n != 2 {
		t.Errorf("jobs page shows the second attempt %d times, want 2 (last run, run log):\n%s", n, jobs.body)
	}
	if strings.Contains(jobs.body, "database gone") {
		t.Error("jobs page shows the error of the attempt before the one that succeeded")
	}
}

func TestOpenConsoleOnLoopback(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"))
	f.run()
	failFirstDispatch(t, f)
	if !f.server.open(t.Context()) {
		t.Fatal("a console without a password is not open")
	}
	b := consoleFor(t, f)
	page := b.get("/dispatches/1")
	if page.status != http.StatusOK || !strings.Contains(page.body, "重新发送") {
		t.Fatalf("open console: %d\n%s", page.status, page.body)
	}
	if strings.Contains(page.body, "退出") {
		t.Error("an open console offers to log out")
	}
	if res := b.get("/login"); res.status != http.StatusSeeOther {
		t.Errorf("/login on an open console: %d, want 303 to /", res.status)
	}
	// Writes still need the CSRF token of the browser's session.
	if res := b.post("/dispatches/1/retry", url.Values{"csrf": {"forged"}}); res.status != http.StatusForbidden {
		t.Errorf("forged retry on an open console: %d, want 403", res.status)
	}
	if res := b.post("/dispatches/1/retry", url.Values{"csrf": {hidden(t, page.body, "csrf")}}); res.status != http.StatusSeeOther {
		t.Errorf("retry on an open console: %d, want 303", res.status)
	}
}

// bigLedger adds n items to the fixture's ledger in round 2099-1, after
// the example's in ledger order: every other one open, their deadlines
// from ten days overdue to nineteen days ahead, shared among four units.
func bigLedger(t *testing.T, f *fixture, n int) []ledger.Item {
	t.Helper()
	today := ledger.DateOf(asOf)
	units := []string{"cwb", "zzb", "bgs", "jjb"}
	var items []ledger.Item
	for i := range n {
		it := ledger.Item{
			Round: "2099-1", No: fmt.Sprintf("P%03d", i), Seq: i + 1, Problem: fmt.Sprintf("生成的问题%03d", i),
			Units: []string{units[i%len(units)]}, Leader: "li", Deadline: today.AddDays(i%30 - 10), Status: ledger.StatusOpen,
		}
		if i%2 == 1 {
			it.Status, it.CompletedOn = ledger.StatusDone, today
		}
		items = append(items, it)
	}
	if _, err := f.st.ImportItems(t.Context(), items, store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: asOf}); err != nil {
		t.Fatal(err)
	}
	all, err := f.st.ListItems(t.Context(), store.ItemFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

var pageLink = regexp.MustCompile(`<a href="([^"]*)">(‹ 上一页|下一页 ›)</a>`)

// pagerLinks returns the previous and next page links of a list page.
func pagerLinks(body string) (prev, next string) {
	for _, m := range pageLink.FindAllStringSubmatch(body, -1) {
		if strings.HasPrefix(m[2], "‹") {
			prev = html.UnescapeString(m[1])
		} else {
			next = html.UnescapeString(m[1])
		}
	}
	return prev, next
}

// itemNos lists the item numbers of the rows of an items table, in order.
var itemCell = regexp.MustCompile(`<td class="nowrap" data-label="编号"><a href="/items/[^"]*">([^<]*)</a></td>`)

func itemNos(body string) []string {
	var out []string
	for _, m := range itemCell.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestItemListPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		all := bigLedger(t, f, 120)
		b := consoleFor(t, f)
		today, yellow := ledger.DateOf(asOf), f.cfg.Policy.YellowDays

		// The whole ledger, a page at a time, following 下一页.
		var seen []string
		path, pages := "/items", 0
		for path != "" {
			res := b.get(path)
			pages++
			if res.status != http.StatusOK || !strings.Contains(res.body, fmt.Sprintf("%d 个问题", len(all))) {
				t.Fatalf("%s: %d, without the total %d", path, res.status, len(all))
			}
			if want := fmt.Sprintf("第 %d 页，共 %d 页", pages, (len(all)+itemsPerPage-1)/itemsPerPage); !strings.Contains(res.body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
			nos := itemNos(res.body)
			if len(nos) != min(itemsPerPage, len(all)-len(seen)) {
				t.Errorf("%s: %d rows", path, len(nos))
			}
			prev, next := pagerLinks(res.body)
			if (prev == "") != (pages == 1) {
				t.Errorf("%s: previous page link %q", path, prev)
			}
			seen = append(seen, nos...)
			path = next
		}
		var want []string
		for _, it := range all {
			want = append(want, it.No)
		}
		if !slices.Equal(seen, want) {
			t.Errorf("the pages list %q,\nwant the ledger in order %q", seen, want)
		}

		// A filter and the light on every page, and its count.
		const filter = "unit=cwb&status=open&light=red"
		var red []string
		for _, it := range all {
			if slices.Contains(it.Units, "cwb") && ledger.LightOf(it, today, yellow) == ledger.LightRed {
				red = append(red, it.No)
			}
		}
		res := b.get("/items?" + filter + "&page=1")
		if !strings.Contains(res.body, fmt.Sprintf("%d 个问题", len(red))) || !slices.Equal(itemNos(res.body), red) {
			t.Errorf("/items?%s: %q, want %d: %q", filter, itemNos(res.body), len(red), red)
		}

		var open []string
		for _, it := range all {
			if it.Status == ledger.StatusOpen {
				open = append(open, it.No)
			}
		}
		res = b.get("/items?status=open&leader=&q=")
		_, next := pagerLinks(res.body)
		u, err := url.Parse(next)
		if err != nil || u.Query().Get("status") != "open" || u.Query().Get("page") != "2" || u.Query().Has("leader") {
			t.Fatalf("next page of the open items: %q", next)
		}
		res = b.get(next)
		if got := itemNos(res.body); !slices.Equal(got, open[itemsPerPage:min(2*itemsPerPage, len(open))]) {
			t.Errorf("second page of the open items: %q, want %q", got, open[itemsPerPage:])
		}

		// 近14天内到期: open, due from today to 14 days on.
		var due []string
		for _, it := range all {
			if it.Status == ledger.StatusOpen && !it.LongTerm && !it.Deadline.Before(today) && it.Deadline.DaysSince(today) <= dueSoonDays {
				due = append(due, it.No)
			}
		}
		res = b.get(fmt.Sprintf("/items?due=%d", dueSoonDays))
		if !strings.Contains(res.body, fmt.Sprintf("%d 个问题", len(due))) || !strings.Contains(res.body, `value="14" checked> 近14天内到期`) {
			t.Errorf("/items?due=14 lacks its %d items or its ticked box", len(due))
		}
	})
}

// The overview counts every item but lists only the most urgent, with a
// link to the rest.
func TestOverviewOfALargeLedger(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		all := bigLedger(t, f, 120)
		b := consoleFor(t, f)
		today, yellow := ledger.DateOf(asOf), f.cfg.Policy.YellowDays
		lights := map[ledger.Light]int{}
		var overdue []ledger.Item
		for _, it := range all {
			lights[ledger.LightOf(it, today, yellow)]++
			if ledger.LightOf(it, today, yellow) == ledger.LightRed {
				overdue = append(overdue, it)
			}
		}
		if len(overdue) <= overviewRows {
			t.Fatalf("the ledger has %d overdue items, want more than the overview's %d", len(overdue), overviewRows)
		}
		res := b.get("/")
		if !strings.Contains(res.body, fmt.Sprintf("共 %d 个", len(all))) {
			t.Errorf("overview lacks the total %d", len(all))
		}
		open := 0
		for l, n := range lights {
			if card := fmt.Sprintf(`href="/items?light=%s"><span class="n">%d</span>`, l, n); !strings.Contains(res.body, card) {
				t.Errorf("overview lacks %s", card)
			}
			if l != ledger.LightDone && l != ledger.LightClosed {
				open += n
			}
		}
		if want := fmt.Sprintf(`<a href="/items?status=open">正在整改 %d 个</a>`, open); !strings.Contains(res.body, want) {
			t.Errorf("overview lacks %s", want)
		}
		// Each count once: 已完成 and 已销号 are lights.
		for _, label := range []string{"已完成", "已销号"} {
			if n := strings.Count(res.body, `<span class="l">`+label+`</span>`); n != 1 {
				t.Errorf("overview shows %s %d times, want once", label, n)
			}
		}
		section := res.body[strings.Index(res.body, "逾期事项"):strings.Index(res.body, "近14天内到期")]
		if !strings.Contains(section, fmt.Sprintf("%d 个", len(overdue))) || !strings.Contains(section, `<a href="/items?light=red">查看全部逾期事项</a>`) {
			t.Errorf("overdue section lacks its total %d or the link to all", len(overdue))
		}
		slices.SortStableFunc(overdue, func(a, b ledger.Item) int { return a.Deadline.Compare(b.Deadline) })
		deadlines := map[string]ledger.Date{}
		for _, it := range all {
			deadlines[it.No] = it.Deadline
		}
		got := itemNos(section)
		if len(got) != overviewRows {
			t.Fatalf("overdue section lists %d items, want %d", len(got), overviewRows)
		}
		for i, no := range got {
			if !deadlines[no].Equal(overdue[i].Deadline) {
				t.Errorf("overdue item %d is %s due %s, want the %d-th most overdue, due %s", i+1, no, deadlines[no], i+1, overdue[i].Deadline)
			}
		}
	})
}

// A robot's message shows its channel and markdown, and no mail headers.
func TestRobotDispatchPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"))
	digest := store.Digest{Recipient: "wecom:unit/bgs", Key: "deadlines/x/wecom:unit/bgs",
		Reminders: []store.Reminder{{Rule: "deadline", Subject: "2024-7/四.1", Stage: "remind-7d"}}}
	build := func(store.Digest, []store.Reminder) (store.Message, error) {
		return store.Message{Subject: "【整改督办】1项即将到期", Text: "**办公室**：\n1. **【提醒】四.1**", Refs: "[]"}, nil
	}
	if _, _, err := f.st.CommitDigests(t.Context(), "deadlines", 0, []store.Digest{digest}, build, asOf); err != nil {
		t.Fatal(err)
	}
	ds, err := f.st.ListDispatches(t.Context(), store.DispatchFilter{Channel: "wecom"})
	if err != nil || len(ds) != 1 {
		t.Fatalf("robot dispatches %v, %v", ds, err)
	}
	b := consoleFor(t, f)
	page := b.get("/dispatches/" + strconv.FormatInt(ds[0].ID, 10))
	for _, want := range []string{"<dt>渠道</dt><dd>企业微信</dd>", "wecom:unit/bgs", "消息正文（Markdown）", "**【提醒】四.1**"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("robot dispatch page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "邮件头") {
		t.Error("robot dispatch page shows mail headers")
	}
	if list := b.get("/dispatches?channel=wecom"); !strings.Contains(list.body, `<td class="nowrap" data-label="渠道">企业微信</td>`) {
		t.Errorf("the log lacks the channel column:\n%s", list.body)
	}
}
