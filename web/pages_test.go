package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
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
		t.Parallel()
		f := newFixture(t, st, "DUBAN_ADMIN_PASSWORD="+testPassword)
		f.runDeadlines()
		ctx := t.Context()
		if err := st.AddProgress(ctx, "2024-7", "四.2", ledger.EventProgress, ledger.NewDate(2026, 11, 24),
			"已追回两笔借款", "cli:tester", asOf.Add(-time.Hour)); err != nil {
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
			"导入台账", "整改进展", "已追回两笔借款", // the timeline
			"cwb@zgh.example.org", "zzb@zgh.example.org", "ltxdzb@zgh.example.org", "<td>逾期催办</td>", // its dispatches, tagged as the email
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
		t.Parallel()
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
			{"?job=duties", 0},
			{"?to=CWB@zgh.example.org", 1},
			{"?since=2026-11-25&until=2026-11-25", 5},
			{"?since=2026-11-26", 0},
			{"?until=2026-11-24", 0},
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
		if len(records) != 6 || records[0][3] != "收件人" || records[1][4] != "已发送" {
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
		if err := f.st.AddSubmission(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	b := consoleFor(t, f)
	b.mustLogin()

	page := b.get("/duties?duty=sanhuiyike")
	for _, want := range []string{
		"“三会一课”落实情况", "2026年第3季度", "截止 2026-10-10",
		`<tr><th>机关第一党支部</th><td class="duty-submitted">已报送<br><small>2026-10-09</small></td><td class="duty-not_due">未到期</td></tr>`,
		`<td class="duty-late">逾期报送<br><small>2026-10-20</small></td>`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("duties page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "三重一大事项情况报告表》 <small>") {
		t.Error("a duty filter shows other duties")
	}
	overview := b.get("/")
	if !strings.Contains(overview.body, "<td>2/4</td>") && !strings.Contains(overview.body, "<td>2/4 <small>(逾期报送1)</small></td>") {
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

func TestOpenConsoleOnLoopback(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.Open(t, "sqlite"))
	f.run()
	failFirstDispatch(t, f)
	if !f.server.Open() {
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

func TestCSVTextDefusesFormulas(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)",
		"550 5.1.1 no such user": "550 5.1.1 no such user", "【整改督办】": "【整改督办】", "": "",
	} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
}
