package main

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"duban/config"
	"duban/internal/smtptest"
	"duban/ledger"
)

// testDuties are duties this project has never seen: a monthly report of
// the three departments with 监督科 exempt, and a quarterly check of the two
// party branches (a third branch exempt). Added to testOrg.
const testDuties = `
[[units]]
code = "zb1"
name = "第一党支部"
kind = "branch"
emails = ["zb1@jw.example.net"]
leader = "l1"

[[units]]
code = "zb2"
name = "第二党支部"
kind = "branch"
emails = ["zb2@jw.example.net"]
leader = "l2"

[[units]]
code = "zb3"
name = "离退休党支部"
kind = "branch"
emails = ["zb3@jw.example.net"]

[[duties]]
id = "yuebao"
name = "月度工作报告"
period = "monthly"
due_day = 5
remind_days = [3, 1]
overdue_every_days = 3
units = ["ua", "ub", "uc"]
exempt = ["uc"]
start = "2025-05"

[[duties]]
id = "sanhui"
name = "“三会一课”落实情况"
period = "quarterly"
due_day = 10
remind_days = [5]
overdue_every_days = 7
units = ["kind:branch"]
exempt = ["zb3"]
start = "2025-Q3"
supervisors = ["dw@jw.example.net"]
`

func dutiesCLI(t *testing.T, dbURL string, srv *smtptest.Server) *cli {
	t.Helper()
	extra := testDuties
	if srv != nil {
		extra += smtpConfig(srv)
	}
	c := newCLI(t, configWith(dbURL, extra))
	if srv != nil {
		c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
	} else {
		c.env = append(c.env, "DUBAN_MAIL__OUTBOX_DIR="+c.dir+"/outbox")
	}
	return c
}

// dutyMessages maps each recipient of the messages received since from to
// the duty periods (and stage tags) their bodies list.
// digestEntry is the first line of an entry of a digest's text body:
// "1. 【提醒】《月度工作报告》2025年5月".
var digestEntry = regexp.MustCompile(`^\d+\. (【.*)`)

func dutyMessages(t *testing.T, msgs []smtptest.Message) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range msgs {
		body := textBody(t, m)
		var got []string
		for _, line := range strings.Split(body, "\n") {
			if m := digestEntry.FindStringSubmatch(line); m != nil {
				got = append(got, strings.TrimSpace(m[1]))
			}
		}
		for _, to := range m.To {
			out[to] = append(out[to], got...)
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// runDuties runs the duties job as of when and returns what the SMTP server
// received from that run.
func runDuties(t *testing.T, c *cli, srv *smtptest.Server, when string) map[string][]string {
	t.Helper()
	before := len(srv.Messages())
	out := c.ok("run", "duties", "--as-of", when)
	if !strings.Contains(out, "failed 0") {
		t.Fatalf("run duties --as-of %s: %s", when, out)
	}
	return dutyMessages(t, srv.Messages()[before:])
}

func wantMessages(t *testing.T, when string, got, want map[string][]string) {
	t.Helper()
	if !mapsEqual(got, want) {
		t.Errorf("as of %s received:\n got %q\nwant %q", when, got, want)
	}
}

func TestDutiesEndToEnd(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		srv := smtptest.New(t)
		c := dutiesCLI(t, dbURL, srv)

		// May 2025 is due June 5 (a Thursday). June 3: remind-3d to the two
		// assigned departments' three mailboxes; 监督科 is exempt.
		got := runDuties(t, c, srv, "2025-06-03T09:30")
		remind := []string{"【提醒】《月度工作报告》2025年5月"}
		wantMessages(t, "06-03", got, map[string][]string{
			"a@jw.example.net": remind, "b1@jw.example.net": remind, "b2@jw.example.net": remind,
		})
		for _, m := range srv.Messages() {
			if m.Subject() != "【报送提醒】1项即将到期" {
				t.Errorf("subject %q", m.Subject())
			}
		}

		// 综合科 submits (by name); only 规划科 is reminded after that.
		c.ok("submit", "yuebao", "--unit", "综合科", "--period", "2025-05", "--date", "2025-06-03", "--note", "已报纸质版")
		due := []string{"【催办】《月度工作报告》2025年5月"}
		wantMessages(t, "06-05", runDuties(t, c, srv, "2025-06-05T09:30"), map[string][]string{
			"b1@jw.example.net": due, "b2@jw.example.net": due,
		})
		// After the due date the supervisors get the roll of non-submitters, once.
		before := len(srv.Messages())
		wantMessages(t, "06-06", runDuties(t, c, srv, "2025-06-06T09:30"), map[string][]string{
			"sup@jw.example.net": {"【逾期未报】《月度工作报告》2025年5月"},
		})
		roll := textBody(t, srv.Messages()[before])
		if !strings.Contains(roll, "尚未报送（1个）：规划科") || strings.Contains(roll, "综合科") {
			t.Errorf("the roll should list 规划科 only:\n%s", roll)
		}
		// A rerun the same day sends nothing; overdue-1 comes three days later.
		wantMessages(t, "06-06 rerun", runDuties(t, c, srv, "2025-06-06T15:00"), map[string][]string{})
		overdue := []string{"【逾期催办】《月度工作报告》2025年5月"}
		wantMessages(t, "06-09", runDuties(t, c, srv, "2025-06-09T09:30"), map[string][]string{
			"b1@jw.example.net": overdue, "b2@jw.example.net": overdue,
		})
		// 规划科 submits late: May is settled; June is not due yet.
		c.ok("submit", "yuebao", "--unit", "ub", "--period", "2025-05", "--date", "2025-06-10")
		wantMessages(t, "06-12", runDuties(t, c, srv, "2025-06-12T09:30"), map[string][]string{})

		// The quarterly check: plan shows the branches' reminders with refs,
		// and the exempt branch is left out.
		var plan []struct {
			To   string                              `json:"to"`
			Refs []struct{ Ref, Stage, Rule string } `json:"refs"`
		}
		c.jsonOut(&plan, "plan", "--job", "duties", "--as-of", "2025-10-09T09:30")
		var quarterly []string
		for _, p := range plan {
			for _, r := range p.Refs {
				if strings.HasPrefix(r.Ref, "sanhui/") {
					quarterly = append(quarterly, p.To+" "+r.Rule+" "+r.Ref+" "+r.Stage)
				}
			}
		}
		sort.Strings(quarterly)
		if want := []string{"zb1@jw.example.net duty sanhui/2025-Q3 remind-5d", "zb2@jw.example.net duty sanhui/2025-Q3 remind-5d"}; !slices.Equal(quarterly, want) {
			t.Errorf("quarterly plan on 2025-10-09:\n got %q\nwant %q", quarterly, want)
		}
		// After its due date (10-10) the duty's own supervisor gets the roll.
		c.ok("submit", "sanhui", "--unit", "zb1", "--period", "2025-Q3", "--date", "2025-10-09")
		before = len(srv.Messages())
		got = runDuties(t, c, srv, "2025-10-13T09:30")
		if !slices.Equal(got["dw@jw.example.net"], []string{"【逾期未报】“三会一课”落实情况2025年第3季度"}) || got["zb1@jw.example.net"] != nil {
			t.Errorf("as of 10-13: %q", got)
		}
		for _, m := range srv.Messages()[before:] {
			if slices.Contains(m.To, "dw@jw.example.net") && !strings.Contains(textBody(t, m), "尚未报送（1个）：第二党支部") {
				t.Errorf("branch roll:\n%s", textBody(t, m))
			}
		}
	})
}

func TestSubmitRejectsBadInput(t *testing.T) {
	t.Parallel()
	c := dutiesCLI(t, "sqlite:"+t.TempDir()+"/d.db", nil)
	c.ok("submit", "yuebao", "--unit", "ua", "--period", "2025-05", "--date", "2025-06-03")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown duty", []string{"submit", "nianbao", "--unit", "ua", "--period", "2025-05"}, "未知的定期任务"},
		{"unknown unit", []string{"submit", "yuebao", "--unit", "宣传科", "--period", "2025-05"}, "未知单位"},
		{"period not ended", []string{"submit", "yuebao", "--unit", "ua", "--period", "2099-01"}, "当天或之后才能报送"},
		{"submitted before the period's last day", []string{"submit", "yuebao", "--unit", "ua", "--period", "2025-06", "--date", "2025-06-29"}, "最后一天是2025年6月30日"},
		{"malformed period", []string{"submit", "yuebao", "--unit", "ua", "--period", "2025-13"}, "期间格式无效"},
		{"period of the wrong kind", []string{"submit", "yuebao", "--unit", "ua", "--period", "2025-Q2"}, "按月度报送"},
		{"exempt unit", []string{"submit", "yuebao", "--unit", "监督科", "--period", "2025-05"}, "免报"},
		{"unit not assigned", []string{"submit", "yuebao", "--unit", "第一党支部", "--period", "2025-05"}, "不承担"},
		{"duplicate", []string{"submit", "yuebao", "--unit", "综合科", "--period", "2025-05"}, "不能重复登记"},
		{"date in the future", []string{"submit", "yuebao", "--unit", "ub", "--period", "2025-05", "--date", "2099-01-01"}, "晚于今天"},
		{"missing flags", []string{"submit", "yuebao", "--unit", "ub"}, "--period"},
	} {
		r := c.run(tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 mentioning %q", tt.name, r.code, r.stderr, tt.want)
		}
	}
	var cells []dutyCellJSON
	c.jsonOut(&cells, "duties", "--duty", "yuebao", "--period", "2025-05", "--as-of", "2025-06-20")
	var submitted []string
	for _, cell := range cells {
		if cell.SubmittedOn != nil {
			submitted = append(submitted, cell.Unit)
		}
	}
	if !slices.Equal(submitted, []string{"ua"}) {
		t.Errorf("after the rejected submissions: submitted %q, want only ua", submitted)
	}
}

// The matrix of a quarter that crosses the year end: 2025-Q4 is due ten
// days after December 31, on Saturday 2026-01-10, moved to Monday the 12th.
func TestDutiesMatrixAcrossYearEnd(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := dutiesCLI(t, dbURL, nil)
		c.ok("submit", "sanhui", "--unit", "zb1", "--period", "2025-Q3", "--date", "2025-10-09")
		c.ok("submit", "sanhui", "--unit", "zb2", "--period", "2025-Q3", "--date", "2025-10-20")
		c.ok("submit", "sanhui", "--unit", "第一党支部", "--period", "2025-q4", "--date", "2026-01-12")

		matrix := func(asOf string) map[string]string {
			var cells []dutyCellJSON
			c.jsonOut(&cells, "duties", "--duty", "sanhui", "--as-of", asOf)
			out := map[string]string{}
			for _, cell := range cells {
				v := cell.Label
				if cell.SubmittedOn != nil {
					v += "(" + *cell.SubmittedOn + ")"
				}
				out[cell.Unit+" "+cell.Period+" "+cell.DueDate] = v
			}
			return out
		}
		got := matrix("2026-01-20")
		want := map[string]string{
			"zb1 2025-Q3 2025-10-10": "已报送(2025-10-09)",
			"zb1 2025-Q4 2026-01-12": "已报送(2026-01-12)",
			"zb1 2026-Q1 2026-04-10": "未到期",
			"zb2 2025-Q3 2025-10-10": "逾期报送(2025-10-20)",
			"zb2 2025-Q4 2026-01-12": "逾期未报",
			"zb2 2026-Q1 2026-04-10": "未到期",
			"zb3 2025-Q3 2025-10-10": "免报",
			"zb3 2025-Q4 2026-01-12": "免报",
			"zb3 2026-Q1 2026-04-10": "免报",
		}
		if !mapsEqual(got, want) {
			t.Errorf("matrix as of 2026-01-20:\n got %v\nwant %v", got, want)
		}
		// Between the quarter's end and its due date: 未报送, not yet late.
		if got := matrix("2026-01-05")["zb2 2025-Q4 2026-01-12"]; got != "未报送" {
			t.Errorf("zb2 2025-Q4 as of 2026-01-05 = %q, want 未报送", got)
		}
		// On the due date itself it is still on time.
		if got := matrix("2026-01-12")["zb2 2025-Q4 2026-01-12"]; got != "未报送" {
			t.Errorf("zb2 2025-Q4 on its due date = %q, want 未报送", got)
		}

		table := c.ok("duties", "--duty", "sanhui", "--period", "2025-Q4", "--as-of", "2026-01-20")
		for _, want := range []string{"“三会一课”落实情况 [sanhui]", "2025-Q4(截止2026-01-12)", "第一党支部", "已报送(2026-01-12)", "第二党支部", "逾期未报", "离退休党支部", "免报"} {
			if !strings.Contains(table, want) {
				t.Errorf("table lacks %q:\n%s", want, table)
			}
		}
		if strings.Contains(table, "2025-Q3") {
			t.Errorf("--period 2025-Q4 shows other periods:\n%s", table)
		}
		csvOut := c.ok("duties", "--period", "2025-Q4", "--as-of", "2026-01-20", "--format", "csv")
		if !strings.Contains(csvOut, "sanhui,“三会一课”落实情况,zb2,第二党支部,2025-Q4,2026-01-12,overdue,逾期未报,") || strings.Contains(csvOut, "yuebao") {
			t.Errorf("csv:\n%s", csvOut)
		}
		for _, args := range [][]string{
			{"duties", "--duty", "nosuch"},
			{"duties", "--duty", "sanhui", "--period", "2025-10"},
			{"duties", "--period", "2025-H1"},
		} {
			if r := c.run(args...); r.code != 2 {
				t.Errorf("duban %s: exit %d, want 2", strings.Join(args, " "), r.code)
			}
		}
	})
}

func TestSubmitFile(t *testing.T) {
	t.Parallel()
	c := dutiesCLI(t, "sqlite:"+t.TempDir()+"/d.db", nil)
	c.ok("submit", "yuebao", "--unit", "ua", "--period", "2025-05", "--date", "2025-06-03")
	bad := "任务,部门,期间,报送日期,备注\n" +
		"yuebao,规划科,2025-05,2025/6/4,按时\n" + // fine
		"yuebao,综合科,2025-05,2025-06-03,\n" + // already recorded
		"月度工作报告,监督科,2025-06,2025-07-03,\n" + // exempt
		"yuebao,规划科,2025-Q2,2025-07-03,\n" + // wrong kind
		"nianbao,规划科,2025,2026-01-10,\n" + // unknown duty
		"yuebao,规划科,2025-05,2025-06-04,\n" // duplicate of row 2
	r := c.run("submit", "--file", c.write("subs.csv", bad))
	if r.code != 2 {
		t.Fatalf("bad file: exit %d, want 2\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		`subs.csv：第3行 期间 "2025-05"：已于2025年6月3日登记过报送`,
		`subs.csv：第4行 部门 "监督科"：该单位免报《月度工作报告》`,
		`subs.csv：第5行 期间 "2025-Q2"：该任务按月度报送`,
		`subs.csv：第6行 任务 "nianbao"：未知的定期任务`,
		`subs.csv：第7行 期间 "2025-05"：与第2行重复`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("errors lack %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "subs.csv：第2行") {
		t.Errorf("the good row is reported:\n%s", r.stderr)
	}
	count := func() int {
		var cells []dutyCellJSON
		c.jsonOut(&cells, "duties", "--as-of", "2025-10-20")
		n := 0
		for _, cell := range cells {
			if cell.SubmittedOn != nil {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("a bad file recorded something: %d submissions", n)
	}

	// The office's Excel, saved as CSV on a Chinese Windows: GB18030.
	good := "部门,任务,期间,报送日期,备注\r\n" +
		"规划科,yuebao,2025-05,2025/6/4,按时\r\n" +
		"第一党支部,“三会一课”落实情况,2025-Q3,2025年10月8日,\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(good)
	if err != nil {
		t.Fatal(err)
	}
	out := c.ok("submit", "--file", c.write("good.csv", gb))
	if !strings.Contains(out, "recorded 2 submissions") {
		t.Errorf("good file: %s", out)
	}
	if n := count(); n != 3 {
		t.Errorf("after the good file: %d submissions, want 3", n)
	}
	var cells []dutyCellJSON
	c.jsonOut(&cells, "duties", "--duty", "yuebao", "--period", "2025-05", "--as-of", "2025-07-20")
	states := map[string]string{}
	for _, cell := range cells {
		states[cell.Unit] = cell.Status
	}
	if want := map[string]string{"ua": "submitted", "ub": "submitted", "uc": "exempt"}; !mapsEqual(states, want) {
		t.Errorf("yuebao 2025-05: %v, want %v", states, want)
	}
	for _, tt := range []struct{ name, content, want string }{
		{"no header", "yuebao,ub,2025-05\n", "缺少“任务”列"},
		{"xlsx", "PK\x03\x04", "xlsx"},
	} {
		r := c.run("submit", "--file", c.write(tt.name+".csv", tt.content))
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, %q; want 2 mentioning %q", tt.name, r.code, r.stderr, tt.want)
		}
	}
	if r := c.run("submit", "--file", c.write("subs.xlsx", "x")); r.code != 2 {
		t.Errorf("an .xlsx file: exit %d, want 2", r.code)
	}
}

// The example config's duties load, resolve to units and make sense as the
// rules read them: without a start, a database that first sees them on
// 2026-12-02 supervises the periods due from then on.
func TestExampleConfigDuties(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../../config.example.toml", nil)
	if err != nil {
		t.Fatalf("load example config: %v", err)
	}
	for i := range cfg.Duties {
		cfg.Duties[i].FirstSeen = ledger.NewDate(2026, time.December, 2)
	}
	set, err := settingsOf(cfg)
	if err != nil {
		t.Fatalf("settingsOf: %v", err)
	}
	got := map[string]string{}
	for _, d := range set.Duties {
		got[d.ID] = fmt.Sprintf("%s %s due+%d %d units", d.Kind, d.Start, d.DueDay, len(d.Units))
		if len(d.Supervisors) == 0 && len(cfg.Supervisors) == 0 {
			t.Errorf("duty %s has nobody to report non-submitters to", d.ID)
		}
	}
	want := map[string]string{
		"sanzhongyida":    "monthly 2026-11 due+5 11 units", // every department and affiliated unit; due Monday 12-07
		"sanhuiyike":      "quarterly 2026-Q4 due+10 4 units",
		"congyanzhidang":  "half-yearly 2026-H2 due+15 2 units",
		"lianzhengtanhua": "yearly 2026 due+31 2 units",
		"dangfeigongshi":  "yearly 2026 due+31 4 units",
	}
	if !mapsEqual(got, want) {
		t.Errorf("example duties:\n got %v\nwant %v", got, want)
	}
}
