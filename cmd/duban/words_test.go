package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"duban/sheet"
)

// wordsOrg is testOrg and its duties with an alias for 规划科.
func wordsOrg(dbURL string) string {
	org := configWith(dbURL, testDuties)
	return strings.Replace(org, `name = "规划科"`, "name = \"规划科\"\naliases = [\"规划处\"]", 1)
}

func itemNumbers(t *testing.T, c *cli, args ...string) []string {
	t.Helper()
	var items []itemJSON
	c.jsonOut(&items, append([]string{"items"}, args...)...)
	var nos []string
	for _, it := range items {
		nos = append(nos, it.No)
	}
	return nos
}

// Every filter takes the words duban prints as well as the codes, and an
// unknown word exits 2 naming what is allowed.
func TestFiltersTakeTheOfficesWords(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := newCLI(t, wordsOrg(dbURL))
		c.env = append(c.env, "DUBAN_MAIL__OUTBOX_DIR="+c.dir+"/outbox")
		// A ledger may name a unit by its alias.
		c.ok("import", c.write("ledger.csv", testLedger+"X8,别名问题,补充,乙领导,规划处,2025-12-31,未完成\n"))

		same := []struct{ codes, words []string }{
			{[]string{"--status", "open"}, []string{"--status", "未完成"}},
			{[]string{"--status", "open"}, []string{"--status", "正在整改"}},
			{[]string{"--status", "done"}, []string{"--status", "已完成"}},
			{[]string{"--light", "red"}, []string{"--light", "红灯"}},
			{[]string{"--light", "red"}, []string{"--light", "红"}},
			{[]string{"--light", "blue"}, []string{"--light", "蓝灯"}},
			{[]string{"--unit", "ub"}, []string{"--unit", "规划科"}},
			{[]string{"--unit", "ub"}, []string{"--unit", "规划处"}},
			{[]string{"--round", "r1"}, []string{"--round", "省委巡视反馈意见整改"}},
		}
		for _, s := range same {
			want, got := itemNumbers(t, c, s.codes...), itemNumbers(t, c, s.words...)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("items %s: %q; items %s: %q", strings.Join(s.words, " "), got, strings.Join(s.codes, " "), want)
			}
		}
		if got := itemNumbers(t, c, "--unit", "规划处", "--status", "已完成"); !slices.Equal(got, []string{"X5"}) {
			t.Errorf("items of 规划处 已完成: %q", got)
		}
		if got := itemNumbers(t, c, "--unit", "ub", "--status", "未完成"); !slices.Equal(got, []string{"X2", "X6", "X8"}) {
			t.Errorf("open items of ub: %q, want X2, X6 and X8 (imported under the alias 规划处)", got)
		}

		c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00")
		var all, byLabel, toUnit, toTwoMailboxes []dispatchJSON
		c.jsonOut(&all, "logs", "--job", "deadlines")
		c.jsonOut(&byLabel, "logs", "--job", "到期提醒")
		if len(all) == 0 || len(byLabel) != len(all) {
			t.Errorf("logs --job 到期提醒: %d dispatches, --job deadlines: %d", len(byLabel), len(all))
		}
		var pending, pendingByLabel []dispatchJSON
		c.jsonOut(&pending, "logs", "--status", "sent")
		c.jsonOut(&pendingByLabel, "logs", "--status", "已发送")
		if len(pending) == 0 || len(pendingByLabel) != len(pending) {
			t.Errorf("logs --status 已发送: %d dispatches, --status sent: %d", len(pendingByLabel), len(pending))
		}
		c.jsonOut(&toUnit, "logs", "--to", "综合科")
		c.jsonOut(&toTwoMailboxes, "logs", "--to", "规划处")
		if len(toUnit) == 0 || toUnit[0].To != "a@jw.example.net" {
			t.Errorf("logs --to 综合科: %+v", toUnit)
		}
		var mailboxes []string
		for _, d := range toTwoMailboxes {
			mailboxes = append(mailboxes, d.To)
		}
		slices.Sort(mailboxes)
		if !slices.Equal(mailboxes, []string{"b1@jw.example.net", "b2@jw.example.net"}) {
			t.Errorf("logs --to 规划处 (two mailboxes): %q", mailboxes)
		}
		for i := 1; i < len(toTwoMailboxes); i++ {
			if toTwoMailboxes[i].ID > toTwoMailboxes[i-1].ID {
				t.Errorf("logs --to 规划处 not newest first: %+v", toTwoMailboxes)
			}
		}
		var one []dispatchJSON
		if c.jsonOut(&one, "logs", "--to", "规划处", "--limit", "1"); len(one) != 1 {
			t.Errorf("logs --to 规划处 --limit 1: %d dispatches", len(one))
		}

		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"items", "--status", "完成了"}, `--status: invalid status "完成了": want open (正在整改, 未完成), done (已完成) or closed (已销号)`},
			{[]string{"items", "--light", "紫灯"}, `--light: invalid light "紫灯": want red (红灯)`},
			{[]string{"items", "--unit", "财务资产部"}, `--unit: unknown unit "财务资产部": want a unit's code, name or alias: ua (综合科), ub (规划科)`},
			{[]string{"items", "--round", "r9"}, `--round: unknown round "r9": want r1 (省委巡视反馈意见整改)`},
			{[]string{"logs", "--status", "已阅"}, `--status: invalid status "已阅": want pending (待发送), sending (发送中), sent (已发送) or failed (发送失败)`},
			{[]string{"logs", "--job", "foo"}, `--job: unknown job "foo": want deadlines (到期提醒), duties (定期任务提醒), followups (回头看提醒) or summary (定期调度汇总)`},
			{[]string{"logs", "--to", "财务资产部"}, `--to: unknown unit "财务资产部": want a unit's code, name or alias: ua (综合科)`},
			{[]string{"plan", "--job", "foo"}, `unknown job "foo": want deadlines (到期提醒)`},
			{[]string{"run", "foo"}, `unknown job "foo": want deadlines (到期提醒)`},
			{[]string{"duties", "--duty", "三会一课"}, `--duty: unknown duty "三会一课": want one of yuebao (月度工作报告), sanhui (“三会一课”落实情况)`},
			{[]string{"duties", "--period", "2025年第5季度"}, `--period: invalid period "2025年第5季度": want a month (2025-03, 2025年3月)`},
		} {
			r := c.run(tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("duban %s: exit %d, stderr %q; want exit 2 with %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.want)
			}
		}
		var plan []struct{ Job string }
		c.jsonOut(&plan, "plan", "--job", "到期提醒", "--as-of", "2025-06-23T09:00")
		for _, p := range plan {
			if p.Job != "deadlines" {
				t.Errorf("plan --job 到期提醒 planned %q", p.Job)
			}
		}
		if out := c.ok("run", "回头看", "--as-of", "2025-06-16T10:00"); !strings.HasPrefix(out, "followups as of") {
			t.Errorf("run 回头看: %q", out)
		}
	})
}

// Periods are read as the office writes them, on the command line and in a
// submissions file; duties are named by id or name.
func TestPeriodsAndDutiesAsTheOfficeWritesThem(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := newCLI(t, wordsOrg(dbURL))
		c.env = append(c.env, "DUBAN_MAIL__OUTBOX_DIR="+c.dir+"/outbox")
		c.ok("submit", "月度工作报告", "--unit", "规划处", "--period", "2025年5月", "--date", "2025-06-03")
		c.ok("submit", "《“三会一课”落实情况》", "--unit", "第一党支部", "--period", "2025年第三季度", "--date", "2025-10-09")
		gb, err := simplifiedchinese.GB18030.NewEncoder().String("任务,部门,期间,报送日期\n" +
			"yuebao,综合科,2025/06,2025-07-03\n" +
			"月度工作报告,规划处,2025年6月,2025-07-04\n" +
			"sanhui,第二党支部,2025-Q3,2025-10-10\n")
		if err != nil {
			t.Fatal(err)
		}
		c.ok("submit", "--file", c.write("subs.csv", gb))

		var cells []dutyCellJSON
		c.jsonOut(&cells, "duties", "--duty", "《月度工作报告》", "--period", "2025年6月", "--as-of", "2025-07-20")
		var got []string
		for _, cell := range cells {
			if cell.SubmittedOn != nil {
				got = append(got, cell.Unit+" "+cell.Period+" "+*cell.SubmittedOn)
			}
		}
		if want := []string{"ua 2025-06 2025-07-03", "ub 2025-06 2025-07-04"}; !slices.Equal(got, want) {
			t.Errorf("duties --duty 《月度工作报告》 --period 2025年6月: %q, want %q", got, want)
		}
		c.jsonOut(&cells, "duties", "--duty", "sanhui", "--period", "2025年第3季度", "--as-of", "2025-10-20")
		got = nil
		for _, cell := range cells {
			if cell.SubmittedOn != nil {
				got = append(got, cell.Unit+" "+cell.Period)
			}
		}
		if want := []string{"zb1 2025-Q3", "zb2 2025-Q3"}; !slices.Equal(got, want) {
			t.Errorf("duties --period 2025年第3季度: %q, want %q", got, want)
		}
		if r := c.run("submit", "yuebao", "--unit", "ub", "--period", "2025年5月"); r.code != 2 || !strings.Contains(r.stderr, "不能重复登记") {
			t.Errorf("a second submission of 2025年5月 as a word: exit %d %s", r.code, r.stderr)
		}
	})
}

// An unknown command or flag exits 2 naming the right help; --version
// prints the version.
func TestCommandLineManners(t *testing.T) {
	t.Parallel()
	c := newCLI(t, configWith("sqlite:"+filepath.Join(t.TempDir(), "d.db"), ""))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"frob"}, `unknown command "frob" for "duban" (see 'duban --help')`},
		{[]string{"sevre"}, `unknown command "sevre" for "duban" (did you mean serve?) (see 'duban --help')`},
		{[]string{"item", "frob"}, `unknown command "frob" for "duban item" (see 'duban item --help')`},
		{[]string{"item", "shwo", "X1"}, `unknown command "shwo" for "duban item" (did you mean show?) (see 'duban item --help')`},
		{[]string{"items", "--frob"}, `unknown flag: --frob (see 'duban items --help')`},
		{[]string{"item", "show", "--frob", "X1"}, `unknown flag: --frob (see 'duban item show --help')`},
		{[]string{"items", "extra"}, `accepts 0 arg(s), received 1 (see 'duban items --help')`},
		{[]string{"--frob"}, `unknown flag: --frob (see 'duban --help')`},
	} {
		r := c.run(tt.args...)
		if r.code != 2 || r.stderr != "duban: "+tt.want+"\n" || r.stdout != "" {
			t.Errorf("duban %s: exit %d, stdout %q, stderr %q; want exit 2 and %q",
				strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.want)
		}
	}
	if out := c.ok("item"); !strings.Contains(out, "Available Commands:") {
		t.Errorf("duban item alone shows no help:\n%s", out)
	}
	version, out := c.ok("version"), c.ok("--version")
	if !strings.HasPrefix(out, "duban ") || out != version {
		t.Errorf("duban --version = %q, duban version = %q", out, version)
	}
}

// Every CSV duban writes keeps a formula a text, and reads back as written.
func TestCSVOutputKeepsFormulasText(t *testing.T) {
	t.Parallel()
	dialects(t, func(t *testing.T, dbURL string) {
		c := newCLI(t, configWith(dbURL, ""))
		c.ok("import", c.write("ledger.csv", "编号,问题,责任部门,完成时限,整改状态\n"+
			"F1,\"=HYPERLINK(\"\"http://x.example\"\",\"\"点击\"\")\",综合科,2025-06-30,未完成\n"+
			"F2,-认真整改,综合科,2025-06-30,未完成\n"))
		out := c.ok("items", "--format", "csv")
		if !strings.HasPrefix(out, "\ufeff") {
			t.Error("items CSV has no byte order mark")
		}
		for _, want := range []string{`"'=HYPERLINK(""http://x.example"",""点击"")"`, ",'-认真整改"} {
			if !strings.Contains(out, want) {
				t.Errorf("items CSV lacks %q:\n%s", want, out)
			}
		}
		records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range records[1:] {
			if c := r[len(r)-1]; strings.HasPrefix(c, "=") || strings.HasPrefix(c, "-") {
				t.Errorf("a cell starts a formula: %q", c)
			}
		}
	})
}

// A hostile ledger is refused with its row, and the import shows no
// progress when stderr is not a terminal.
func TestImportRefusesHostileCSV(t *testing.T) {
	t.Parallel()
	c := newCLI(t, configWith("sqlite:"+filepath.Join(t.TempDir(), "d.db"), ""))
	hdr := "编号,问题,责任部门,完成时限,整改状态\n"
	wide := c.write("wide.csv", hdr+"X1,问题,综合科,2025-06-30,未完成"+strings.Repeat(",", sheet.MaxFields)+"\n")
	r := c.run("import", wide)
	if want := "duban: wide.csv：第2行：超过 256 列，不是整改台账（请检查文件内容和分隔符）\n"; r.code != 2 || r.stderr != want {
		t.Errorf("import of a row of %d fields: exit %d, stderr %q; want %q", sheet.MaxFields+1, r.code, r.stderr, want)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(hdr + "X1,问题,综合科,2025-06-30,未完成\n")
	if err != nil {
		t.Fatal(err)
	}
	bad := c.write("gb.csv", gb+"X2,\x81\x20,综合科,2025-06-30,未完成\n")
	r = c.run("import", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "gb.csv：第3行：含有无法识别的字符（按 GB18030 编码读取）") {
		t.Errorf("import of an undecodable row: exit %d, stderr %q", r.code, r.stderr)
	}
	r = c.run("import", c.write("ok.csv", hdr+"X1,问题,综合科,2025-06-30,未完成\n"))
	if r.code != 0 || strings.Contains(r.stderr, "rows") {
		t.Errorf("import with stderr not a terminal: exit %d, stderr %q; want no progress", r.code, r.stderr)
	}
}

// A database password is hidden and warned about however it is spelt.
func TestCheckConfigHidesOddlySpeltPasswords(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"postgres://duban@db.example.org/duban?pass%77ord=" + secretDB,
		"postgres://duban@db.example.org/duban?PASSWORD=" + secretDB,
		"postgres://duban:" + secretDB + "@db.example.org/duban",
	} {
		c := newCLI(t, configWith(url, ""))
		if err := os.Chmod(c.config, 0o644); err != nil {
			t.Fatal(err)
		}
		r := c.run("check-config")
		if r.code != 0 || strings.Contains(r.stdout+r.stderr, secretDB) || !strings.Contains(r.stdout, "******") ||
			!strings.Contains(r.stderr, "holds secrets (database.url)") {
			t.Errorf("check-config with url %s: exit %d\nstdout:\n%s\nstderr:\n%s", url, r.code, r.stdout, r.stderr)
		}
	}
}
