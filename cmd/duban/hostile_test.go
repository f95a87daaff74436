package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// hostileOrg is a valid config on an SQLite file in dir, its own copy so
// that the line numbers the table expects stay put.
func hostileOrg(dir string) string {
	return testOrg + fmt.Sprintf("\n[database]\nurl = %q\n", "sqlite:"+filepath.Join(dir, "duban.db"))
}

// hostileCase is one malformed input: a config (checked with check-config)
// or a ledger (imported). want is the message's exact text after
// "duban: ", with {config} and {dir} standing for the config file and the
// test's directory.
type hostileCase struct {
	name   string
	config func(dir string) string               // the config file's text; nil: hostileOrg
	env    []string                              // extra environment
	ledger func(t *testing.T, dir string) string // writes a ledger, returns its path; nil: check-config
	want   string
}

// replace returns the organisation's config with old replaced by new.
func replace(old, new string) func(string) string {
	return func(dir string) string {
		s := hostileOrg(dir)
		if !strings.Contains(s, old) {
			panic("hostile case: config has no " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func appendConfig(extra string) func(string) string {
	return func(dir string) string { return hostileOrg(dir) + extra }
}

// csvLedger writes a CSV with the standard header and the given rows.
func csvLedger(name, rows string) func(*testing.T, string) string {
	return rawLedger(name, []byte("编号,问题,责任领导,责任部门,完成时限,整改状态\n"+rows))
}

func rawLedger(name string, data []byte) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

func xlsxLedger(name string, rows [][]any) func(*testing.T, string) string {
	return func(t *testing.T, dir string) string {
		f := excelize.NewFile()
		defer f.Close()
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(dir, name)
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

var hostileCases = []hostileCase{
	{name: "unterminated string", want: "{config}:2: invalid TOML: basic strings cannot have new lines", config: replace(`timezone = "Asia/Shanghai"`, `timezone = "Asia/Shanghai`)},
	{name: "unknown key", want: "{config}:8: mail.fromm: unknown key (did you mean \"from\"?)", config: replace(`max_attempts = 3`, `max_attempts = 3`+"\nfromm = \"x@y.org\"")},
	{name: "bad timezone", want: "{config}:2: timezone: invalid time zone \"Mars/Olympus\": want an IANA zone like Asia/Shanghai", config: replace(`timezone = "Asia/Shanghai"`, `timezone = "Mars/Olympus"`)},
	{name: "bad supervisor", want: "{config}:3: supervisors[0]: invalid email address \"sup-at-jw.example.net\"", config: replace(`supervisors = ["sup@jw.example.net"]`, `supervisors = ["sup-at-jw.example.net"]`)},
	{name: "CRLF in unit name", want: "{config}:25: units[0].name: must not contain a line break (CR or LF)", config: replace(`name = "综合科"`, `name = "综合科\r\nBcc: spy@evil.example"`)},
	{name: "LF in unit address", want: "{config}:26: units[0].emails[0]: must not contain a line break (CR or LF)", config: replace(`emails = ["a@jw.example.net"]`, `emails = ["a@jw.example.net\nBcc: spy@evil.example"]`)},
	{name: "CRLF in sender from env", want: "environment DUBAN_MAIL__FROM: mail.from: must not contain a line break (CR or LF)", env: []string{"DUBAN_MAIL__FROM=督查室 <dcs@jw.example.net>\r\nBcc: spy@evil.example"}},
	{name: "CRLF in sender", want: "{config}:6: mail.from: must not contain a line break (CR or LF)", config: replace(`from = "督查室 <dcs@jw.example.net>"`, `from = "督查室 <dcs@jw.example.net>\r\nBcc: spy@evil.example"`)},
	{name: "CR in leader name", want: "{config}:15: leaders[0].name: must not contain a line break (CR or LF)", config: replace(`name = "甲领导"`, `name = "甲领导\rX-Injected: 1"`)},
	{name: "LF in round name", want: "{config}:11: rounds[0].name: must not contain a line break (CR or LF)", config: replace(`name = "省委巡视反馈意见整改"`, `name = "省委巡视\nSubject: 假"`)},
	{name: "display name in unit address", want: "{config}:38: units[2].emails[0]: want a bare address like bgs@zgh.example.org, got \"监督科 <c@jw.example.net>\"", config: replace(`emails = ["c@jw.example.net"]`, `emails = ["监督科 <c@jw.example.net>"]`)},
	{name: "two addresses in one", want: "{config}:21: leaders[1].email: invalid email address \"l2@jw.example.net, spy@evil.example\"", config: replace(`email = "l2@jw.example.net"`, `email = "l2@jw.example.net, spy@evil.example"`)},
	{name: "duplicate unit code", want: "{config}:36: units[2].code: duplicate code \"ua\": already used by units[0] on line 24", config: replace(`code = "uc"`, `code = "ua"`)},
	{name: "unknown leader", want: "{config}:33: units[1].leader: unknown leader \"l9\": no [[leaders]] has this code", config: replace(`leader = "l2"`, `leader = "l9"`)},
	{name: "code with a comma", want: "{config}:30: units[1].code: invalid code \"u,b\": use letters, digits, \"-\", \"_\" or \".\"", config: replace(`code = "ub"`, `code = "u,b"`)},
	{name: "bad schedule", want: "{config}:45: jobs.deadlines.schedule: invalid schedule \"61 9 * * *\": end of range (61) above maximum (59): 61: want 5 fields (minute hour day month weekday) like \"0 9 * * *\", or @daily, @every 1h", config: appendConfig("\n[jobs.deadlines]\nschedule = \"61 9 * * *\"\n")},
	{name: "bad catch_up", want: "{config}:45: jobs.deadlines.catch_up: invalid duration \"1 day\": want a number with a unit, like \"24h\" or \"90m\"", config: appendConfig("\n[jobs.deadlines]\ncatch_up = \"1 day\"\n")},
	{name: "unknown job", want: "{config}:44: jobs.reports: unknown job: the jobs are deadlines, duties, followups, summary", config: appendConfig("\n[jobs.reports]\nschedule = \"@daily\"\n")},
	{name: "unknown transport", want: "environment DUBAN_MAIL__TRANSPORT: mail.transport: unknown transport \"pigeon\": want outbox or smtp", env: []string{"DUBAN_MAIL__TRANSPORT=pigeon"}},
	{name: "smtp without host", want: "{config}:5: mail.smtp.host: is required for the smtp transport", env: []string{"DUBAN_MAIL__TRANSPORT=smtp"}},
	{name: "port out of range", want: "environment DUBAN_MAIL__SMTP__PORT: mail.smtp.port: must be between 1 and 65535, got 70000", env: []string{"DUBAN_MAIL__SMTP__PORT=70000"}},
	{name: "wrong type", want: "{config}:7: mail.max_attempts: wrong type: want an integer, got a string (\"three\")", config: replace(`max_attempts = 3`, `max_attempts = "three"`)},
	{name: "unknown database", want: "environment DUBAN_DATABASE_URL: database.url: want sqlite:PATH or postgres://user@host/db", env: []string{"DUBAN_DATABASE_URL=mysql://root@db/duban"}},
	{name: "lead days ascending", want: "{config}:45: policy.lead_days[1]: must be smaller than the one before: the list goes down, like [7, 3, 1]\n{config}:45: policy.lead_days[2]: must be smaller than the one before: the list goes down, like [7, 3, 1]", config: appendConfig("\n[policy]\nlead_days = [1, 3, 7]\n")},
	{name: "duty with unknown period", want: "{config}:47: duties[0].period: unknown period \"weekly\": want monthly, quarterly, half-yearly or yearly", config: appendConfig("\n[[duties]]\nid = \"d1\"\nname = \"月报\"\nperiod = \"weekly\"\ndue_day = 5\nunits = [\"*\"]\nstart = \"2025-01\"\n")},
	{name: "duty with bad start", want: "{config}:50: duties[0].start: invalid quarterly period \"2025-Q5\": want like 2025-Q1", config: appendConfig("\n[[duties]]\nid = \"d1\"\nname = \"月报\"\nperiod = \"quarterly\"\ndue_day = 5\nunits = [\"*\"]\nstart = \"2025-Q5\"\n")},
	{name: "heartbeat not http", want: "{config}:45: heartbeat.url: want an http:// or https:// URL, got scheme \"file\"", config: appendConfig("\n[heartbeat]\nurl = \"file:///etc/passwd\"\n")},
	{name: "lease too short", want: "environment DUBAN_MAIL__LEASE: mail.lease: must be 1s or more (or 0s: four times mail.smtp.timeout), got 100ms", env: []string{"DUBAN_MAIL__LEASE=100ms"}},
	{name: "missing password file", want: "environment DUBAN_MAIL__SMTP__PASSWORD_FILE: mail.smtp.password_file: cannot read password file \"/nonexistent/smtp.pw\": no such file or directory", env: []string{"DUBAN_MAIL__SMTP__PASSWORD_FILE=/nonexistent/smtp.pw"}},
	{name: "oversized config", want: "{config}: config file is larger than the 1 MiB limit", config: func(dir string) string { return hostileOrg(dir) + "# " + strings.Repeat("填", 400000) + "\n" }},
	{name: "NUL in config", want: "{config}:37: invalid TOML: basic strings cannot have control characters", config: replace(`name = "监督科"`, "name = \"监督\x00科\"")},

	{name: "bad date", want: "bad-date.csv：第2行 完成时限 \"2025-13-01\"：日期无效", ledger: csvLedger("bad-date.csv", "Z1,问题,甲领导,综合科,2025-13-01,未完成\n")},
	{name: "unknown unit", want: "unit.csv：第2行 责任部门 \"财务科\"：未知的责任部门", ledger: csvLedger("unit.csv", "Z1,问题,甲领导,财务科,2025-12-01,未完成\n")},
	{name: "unknown leader in ledger", want: "leader.csv：第2行 责任领导 \"丙领导\"：未知的责任领导", ledger: csvLedger("leader.csv", "Z1,问题,丙领导,综合科,2025-12-01,未完成\n")},
	{name: "unknown status", want: "status.csv：第2行 整改状态 \"完成了\"：无法识别的整改状态", ledger: csvLedger("status.csv", "Z1,问题,甲领导,综合科,2025-12-01,完成了\n")},
	{name: "duplicate number", want: "dup.csv：第3行 编号 \"Z1\"：编号重复（与第2行）", ledger: csvLedger("dup.csv", "Z1,问题一,甲领导,综合科,2025-12-01,未完成\nZ1,问题二,甲领导,综合科,2025-12-01,未完成\n")},
	{name: "line break in units", want: "crlf-units.csv：第2行 责任部门 \"综合科\\nBcc: spy@evil.example\"：责任部门不能包含换行或控制字符", ledger: csvLedger("crlf-units.csv", "Z1,问题,甲领导,\"综合科\r\nBcc: spy@evil.example\",2025-12-01,未完成\n")},
	{name: "line break in number", want: "crlf-no.csv：第2行 编号 \"Z1\\nSubject: 假\"：编号不能包含换行或控制字符", ledger: csvLedger("crlf-no.csv", "\"Z1\nSubject: 假\",问题,甲领导,综合科,2025-12-01,未完成\n")},
	{name: "missing column", want: "cols.csv：第1行：缺少必需的列：完成时限（deadline）；表头中的列：编号、问题、责任部门、整改状态", ledger: rawLedger("cols.csv", []byte("编号,问题,责任部门,整改状态\nZ1,问题,综合科,未完成\n"))},
	{name: "no data rows", want: "empty.csv：没有数据行", ledger: rawLedger("empty.csv", []byte("编号,问题,责任领导,责任部门,完成时限,整改状态\n"))},
	{name: "old xls", want: "old.xls：不支持 .xls 格式，请在 Excel 中另存为 .xlsx 后再导入", ledger: rawLedger("old.xls", []byte{0xD0, 0xCF, 0x11, 0xE0})},
	{name: "text file", want: "ledger.txt：不支持的文件类型 \".txt\"，请使用 .csv 或 .xlsx 文件", ledger: rawLedger("ledger.txt", []byte("编号\n"))},
	{name: "UTF-16 CSV", want: "utf16.csv：不支持 UTF-16 编码的文本文件，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入", ledger: rawLedger("utf16.csv", []byte{0xFF, 0xFE, 0x16, 0x7F, 0xF7, 0x53})},
	{name: "xlsx named csv", want: "zip.csv：文件内容是 Excel 工作簿而不是 CSV，请将扩展名改为 .xlsx 后再导入", ledger: rawLedger("zip.csv", []byte("PK\x03\x04 not really"))},
	{name: "corrupt xlsx", want: "broken.xlsx：无法打开 .xlsx 文件（文件可能已损坏，或解压后超过 100 MiB）：zip: not a valid zip file", ledger: rawLedger("broken.xlsx", []byte("PK\x03\x04 not really a workbook"))},
	{name: "oversized ledger", want: "huge.csv：文件超过 20 MiB 上限", ledger: rawLedger("huge.csv", bytes.Repeat([]byte("x"), 20<<20+1))},
	{name: "oversized cell", want: "cell.csv：第2行 问题 \"问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问问…\"：单元格超过 32767 个字符的上限", ledger: csvLedger("cell.csv", "Z1,"+strings.Repeat("问", 32768)+",甲领导,综合科,2025-12-01,未完成\n")},
	{name: "xlsx bad date", want: "bad.xlsx：第2行 完成时限 \"2025年2月30日\"：日期无效", ledger: xlsxLedger("bad.xlsx", [][]any{
		{"编号", "问题", "责任领导", "责任部门", "完成时限", "整改状态"},
		{"Z1", "问题", "甲领导", "综合科", "2025年2月30日", "未完成"},
	})},
	{name: "xlsx line break in leader", want: "crlf.xlsx：第2行 责任领导 \"甲领导\\r\\nBcc: spy@evil.example\"：责任领导不能包含换行或控制字符", ledger: xlsxLedger("crlf.xlsx", [][]any{
		{"编号", "问题", "责任领导", "责任部门", "完成时限", "整改状态"},
		{"Z1", "问题", "甲领导\r\nBcc: spy@evil.example", "综合科", "2025-12-01", "未完成"},
	})},
}

// TestHostileInput runs every malformed config (through check-config) and
// ledger (through import) of the table: each must exit 2 with exactly its
// message, naming the file and line, the variable, or the row and column.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	if len(hostileCases) < 30 {
		t.Fatalf("only %d hostile cases", len(hostileCases))
	}
	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			text := hostileOrg(dir)
			if tc.config != nil {
				text = tc.config(dir)
			}
			path := filepath.Join(dir, "duban.toml")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"--config", path, "check-config"}
			if tc.ledger != nil {
				args = []string{"--config", path, "import", tc.ledger(t, dir)}
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), args, &out, &errOut, append([]string{"USER=tester"}, tc.env...))
			want := "duban: " + strings.NewReplacer("{config}", path, "{dir}", dir).Replace(tc.want) + "\n"
			if code != exitBadUse || errOut.String() != want {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and:\n%s", code, errOut.String(), want)
			}
			if tc.ledger != nil && strings.Contains(out.String(), "imported") {
				t.Errorf("a bad ledger was imported: %s", out.String())
			}
		})
	}
}
