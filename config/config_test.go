package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/config"
	"duban/ledger"
)

// base is a small valid config; cases edit one line of it.
const base = `[mail]
from = "整改办 <zgb@zgh.example.org>"

[[rounds]]
code = "2024-7"

[[leaders]]
code = "wang"
name = "王某某"
email = "wang@zgh.example.org"

[[units]]
code = "bgs"
name = "办公室"
emails = ["bgs@zgh.example.org"]
leader = "wang"

[[units]] # second unit
code = "zb1"
name = "机关第一党支部"
kind = "branch"
emails = ["zb1@zgh.example.org"]

[[duties]]
id = "sanzhongyida"
name = "三重一大"
period = "monthly"
due_day = 5
units = ["kind:department"]
start = "2025-01"
`

// edit returns base with old replaced by new; old must occur in base.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base has no %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

// writeConfig writes body to duban.toml in a fresh directory.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "duban.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func load(t *testing.T, body string, env ...string) (*config.Config, string, error) {
	t.Helper()
	path := writeConfig(t, body)
	c, err := config.Load(path, env)
	return c, path, err
}

func mustLoad(t *testing.T, body string, env ...string) *config.Config {
	t.Helper()
	c, _, err := load(t, body, env...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// lineOf returns the 1-based line of body holding marker.
func lineOf(t *testing.T, body, marker string) int {
	t.Helper()
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("body has no %q", marker)
	}
	return strings.Count(body[:i], "\n") + 1
}

// configErrors flattens Load's error into its *config.Error parts,
// failing when any part is of another type.
func configErrors(t *testing.T, err error) []*config.Error {
	t.Helper()
	var parts []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		parts = j.Unwrap()
	} else {
		parts = []error{err}
	}
	var out []*config.Error
	for _, p := range parts {
		ce, ok := p.(*config.Error)
		if !ok {
			t.Fatalf("error %v is a %T, want *config.Error", p, p)
		}
		out = append(out, ce)
	}
	return out
}

// findError returns the problem whose text has every wanted substring.
func findError(t *testing.T, err error, want []string) *config.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("Load succeeded, want an error with %q", want)
	}
	for _, ce := range configErrors(t, err) {
		if containsAll(ce.Error(), want) {
			return ce
		}
	}
	t.Fatalf("no error has all of %q; got:\n%v", want, err)
	return nil
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestErrorsNameFileLineAndField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		at   string // marker of the line the error must name; "" = no line
		want []string
	}{
		// TOML itself
		{"syntax error", edit(t, `code = "zb1"`, `code = "zb1`), `code = "zb1`,
			[]string{"invalid TOML"}},
		{"key defined twice", edit(t, `name = "三重一大"`, "name = \"三重一大\"\nname = \"again\""), `name = "again"`,
			[]string{"invalid TOML", "already defined"}},
		{"unknown top-level key", base + "colour = \"red\"\n", `colour`,
			[]string{"colour: unknown key"}},
		{"unknown key with suggestion", edit(t, `leader = "wang"`, `leadr = "wang"`), `leadr`,
			[]string{`units[0].leadr: unknown key (did you mean "leader"?)`}},
		{"unknown key in second table", edit(t, `kind = "branch"`, "kind = \"branch\"\ncolour = 1"), `colour`,
			[]string{`units[1].colour: unknown key`}},
		{"unknown section", base + "[smtp]\nhost = \"x\"\n", `[smtp]`,
			[]string{"smtp: unknown key"}},
		{"unknown job", base + "[jobs.weekly]\nschedule = \"@daily\"\n", `[jobs.weekly]`,
			[]string{"jobs.weekly: unknown job"}},
		{"wrong type", edit(t, `due_day = 5`, `due_day = "5"`), `due_day`,
			[]string{`duties[0].due_day: wrong type: want an integer, got a string ("5")`}},
		{"wrong type in list", edit(t, `emails = ["bgs@zgh.example.org"]`, `emails = ["bgs@zgh.example.org", 3]`), `emails = ["bgs`,
			[]string{"units[0].emails[1]: wrong type: want a string, got an integer (3)"}},
		{"wrong type for table", "log = \"debug\"\n" + base, `log =`,
			[]string{"log: wrong type: want a table"}},
		{"float for integer", edit(t, `due_day = 5`, `due_day = 5.0`), `due_day`,
			[]string{"duties[0].due_day: wrong type: want an integer, got a float"}},
		{"unknown key in an inline table", "rounds = [{code = \"r1\"}, {code = \"r2\", nmae = \"x\"}]\n" + edit(t, "[[rounds]]\ncode = \"2024-7\"\n", ""), `nmae`,
			[]string{`rounds[1].nmae: unknown key (did you mean "name"?)`}},
		{"unknown list of tables", base + "[[units.extra]]\nx = 1\n", `[[units.extra]]`,
			[]string{"units[1].extra: unknown key"}},
		{"list of tables for a table", base + "[[log]]\nlevel = \"debug\"\n", `[[log]]`,
			[]string{"log: wrong type: want a table, got an array"}},
		{"table for a duration", base + "[jobs.duties]\ncatch_up = {}\n", `catch_up`,
			[]string{"jobs.duties.catch_up: wrong type: want a string, got a table"}},
		{"integer for a duration", base + "[jobs.duties]\ncatch_up = 24\n", `catch_up`,
			[]string{`jobs.duties.catch_up: invalid duration "24"`}},
		{"pipelining is gone", base + "[mail.smtp]\npipelining = false\n", `pipelining`,
			[]string{"mail.smtp.pipelining: unknown key"}},

		// required fields
		{"mail.from missing", edit(t, `from = "整改办 <zgb@zgh.example.org>"`, `transport = "outbox"`), `[mail]`,
			[]string{"mail.from: is required"}},
		{"unit code missing", edit(t, `code = "zb1"`, ``), `[[units]] # second`,
			[]string{"units[1].code: is required"}},
		{"unit name missing", edit(t, `name = "办公室"`, ``), `[[units]]`,
			[]string{"units[0].name: is required"}},
		{"unit emails missing", edit(t, `emails = ["zb1@zgh.example.org"]`, ``), `[[units]] # second`,
			[]string{"units[1].emails: is required"}},
		{"leader email missing", edit(t, `email = "wang@zgh.example.org"`, ``), `[[leaders]]`,
			[]string{"leaders[0].email: is required"}},
		{"leader name missing", edit(t, `name = "王某某"`, ``), `[[leaders]]`,
			[]string{"leaders[0].name: is required"}},
		{"leader code missing", edit(t, `code = "wang"`, ``), `[[leaders]]`,
			[]string{"leaders[0].code: is required"}},
		{"round code missing", edit(t, `code = "2024-7"`, `name = "第七轮"`), `[[rounds]]`,
			[]string{"rounds[0].code: is required"}},
		{"duty id missing", edit(t, `id = "sanzhongyida"`, ``), `[[duties]]`,
			[]string{"duties[0].id: is required"}},
		{"duty name missing", edit(t, `name = "三重一大"`, ``), `[[duties]]`,
			[]string{"duties[0].name: is required"}},
		{"duty period missing", edit(t, `period = "monthly"`, ``), `[[duties]]`,
			[]string{"duties[0].period: is required"}},
		{"duty units missing", edit(t, `units = ["kind:department"]`, ``), `[[duties]]`,
			[]string{"duties[0].units: is required"}},
		{"duty due_day missing", edit(t, `due_day = 5`, ``), `[[duties]]`,
			[]string{"duties[0].due_day: is required"}},

		// duplicates and references
		{"duplicate unit code", edit(t, `code = "zb1"`, `code = "bgs" # dup`), `code = "bgs" # dup`,
			[]string{`units[1].code: duplicate code "bgs": already used by units[0] on line 13`}},
		{"duplicate leader code", base + "[[leaders]]\ncode = \"wang\" # dup\nname = \"王二\"\nemail = \"w2@zgh.example.org\"\n", `# dup`,
			[]string{`leaders[1].code: duplicate code "wang"`}},
		{"duplicate round code", base + "[[rounds]]\ncode = \"2024-7\" # dup\n", `# dup`,
			[]string{`rounds[1].code: duplicate code "2024-7"`}},
		{"duplicate duty id", base + "[[duties]]\nid = \"sanzhongyida\" # dup\nname = \"x\"\nperiod = \"yearly\"\ndue_day = 31\nunits = [\"*\"]\nstart = \"2025\"\n", `# dup`,
			[]string{`duties[1].id: duplicate id "sanzhongyida"`}},
		{"duplicate unit name", edit(t, `name = "机关第一党支部"`, `name = "办公室" # dup`), `# dup`,
			[]string{`units[1].name: duplicate name "办公室"`}},
		{"unit names unknown leader", edit(t, `leader = "wang"`, `leader = "nobody"`), `leader = "nobody"`,
			[]string{`units[0].leader: unknown leader "nobody"`}},
		{"duty names unknown unit", edit(t, `units = ["kind:department"]`, `units = ["bgs", "zzb"]`), `units = ["bgs"`,
			[]string{`duties[0].units[1]: unknown unit "zzb"`}},
		{"duty names unknown kind", edit(t, `units = ["kind:department"]`, `units = ["kind:office"]`), `kind:office`,
			[]string{`duties[0].units[0]: unknown unit kind "office"`}},
		{"duty exempts unknown unit", edit(t, `start = "2025-01"`, "start = \"2025-01\"\nexempt = [\"zzb\"]"), `exempt`,
			[]string{`duties[0].exempt[0]: unknown unit "zzb"`}},
		{"duty assigns nobody", edit(t, `units = ["kind:department"]`, `units = ["kind:unit"]`), `kind:unit`,
			[]string{`duties[0].units: assigns the duty to no unit`}},
		{"alias is another unit's name", edit(t, `kind = "branch"`, "kind = \"branch\"\naliases = [\"支部\", \"办公室\"] # dup"), `# dup`,
			[]string{`units[1].aliases[1]: alias "办公室" names another unit: already used by units[0].name on line 14`}},
		{"alias is another unit's code", edit(t, `kind = "branch"`, "kind = \"branch\"\naliases = [\"bgs\"] # dup"), `# dup`,
			[]string{`units[1].aliases[0]: alias "bgs" names another unit: already used by units[0].code on line 13`}},
		{"alias of two units", strings.Replace(edit(t, `kind = "branch"`, "kind = \"branch\"\naliases = [\"综合\"] # dup"), `leader = "wang"`, "leader = \"wang\"\naliases = [\"综合\"]", 1), `# dup`,
			[]string{`units[1].aliases[0]: alias "综合" names another unit: already used by units[0].aliases[0]`}},
		{"empty alias", edit(t, `kind = "branch"`, "kind = \"branch\"\naliases = [\" \"] # dup"), `# dup`,
			[]string{`units[1].aliases[0]: must not be empty`}},
		{"code with separator", edit(t, `code = "zb1"`, `code = "zb,1"`), `zb,1`,
			[]string{`units[1].code: invalid code "zb,1"`}},

		// addresses and header injection
		{"invalid address", edit(t, `emails = ["bgs@zgh.example.org"]`, `emails = ["bgs@"]`), `bgs@"`,
			[]string{`units[0].emails[0]: invalid email address "bgs@"`}},
		{"display name in plain address", edit(t, `email = "wang@zgh.example.org"`, `email = "王某某 <wang@zgh.example.org>"`), `王某某 <wang`,
			[]string{`leaders[0].email: want a bare address`}},
		{"invalid from", edit(t, `from = "整改办 <zgb@zgh.example.org>"`, `from = "整改办"`), `from =`,
			[]string{`mail.from: invalid email address "整改办"`}},
		{"line break in unit name", edit(t, `name = "办公室"`, `name = "办公室\r\nBcc: x@example.org"`), `name = "办公室\r`,
			[]string{`units[0].name: must not contain a line break`}},
		{"line break in from", edit(t, `from = "整改办 <zgb@zgh.example.org>"`, `from = "zgb@zgh.example.org\nBcc: x@example.org"`), `from =`,
			[]string{`mail.from: must not contain a line break`}},
		{"line break in address", edit(t, `email = "wang@zgh.example.org"`, `email = "wang@zgh.example.org\r\n"`), `email = "wang`,
			[]string{`leaders[0].email: must not contain a line break`}},
		{"line break in duty name", edit(t, `name = "三重一大"`, `name = """三重
一大"""`), `name = """三重`,
			[]string{`duties[0].name: must not contain a line break`}},
		{"invalid supervisor", "supervisors = [\"zgb@zgh.example.org\", \"nobody\"]\n" + base, `supervisors`,
			[]string{`supervisors[1]: invalid email address "nobody"`}},

		// values
		{"invalid time zone", "timezone = \"Mars/Olympus\"\n" + base, `timezone`,
			[]string{`timezone: invalid time zone "Mars/Olympus"`}},
		{"bad cron", base + "[jobs.deadlines]\nschedule = \"61 9 * * *\"\n", `schedule`,
			[]string{`jobs.deadlines.schedule: invalid schedule "61 9 * * *"`}},
		{"cron that panics robfig", base + "[jobs.summary]\nschedule = \"TZ=\"\n", `schedule`,
			[]string{`jobs.summary.schedule: invalid schedule "TZ="`}},
		{"cron with seconds", base + "[jobs.duties]\nschedule = \"0 0 9 * * *\"\n", `schedule`,
			[]string{`jobs.duties.schedule: invalid schedule`}},
		{"bad catch_up", base + "[jobs.duties]\ncatch_up = \"1 day\"\n", `catch_up`,
			[]string{`jobs.duties.catch_up: invalid duration "1 day"`}},
		{"negative catch_up", base + "[jobs.duties]\ncatch_up = \"-1h\"\n", `catch_up`,
			[]string{`jobs.duties.catch_up: must not be negative`}},
		{"lead_days unsorted", base + "[policy]\nlead_days = [1, 3]\n", `lead_days`,
			[]string{`policy.lead_days[1]: must be smaller than the one before`}},
		{"lead_days not strictly descending", base + "[policy]\nlead_days = [3, 3]\n", `lead_days`,
			[]string{`policy.lead_days[1]: must be smaller`}},
		{"lead_days negative", base + "[policy]\nlead_days = [7, -1]\n", `lead_days`,
			[]string{`policy.lead_days[1]: must be positive, got -1`}},
		{"followup_days descending", base + "[policy]\nfollowup_days = [180, 90]\n", `followup_days`,
			[]string{`policy.followup_days[1]: must be greater than the one before`}},
		{"followup_days zero", base + "[policy]\nfollowup_days = [0]\n", `followup_days`,
			[]string{`policy.followup_days[0]: must be positive`}},
		{"remind_days ascending", edit(t, `due_day = 5`, "due_day = 5\nremind_days = [1, 3]"), `remind_days`,
			[]string{`duties[0].remind_days[1]: must be smaller than the one before`}},
		{"overdue_every_days zero", base + "[policy]\noverdue_every_days = 0\n", `overdue_every_days`,
			[]string{`policy.overdue_every_days: must be 1 or more, got 0`}},
		{"duty overdue_every_days zero", edit(t, `due_day = 5`, "due_day = 5\noverdue_every_days = 0"), `overdue_every_days`,
			[]string{`duties[0].overdue_every_days: must be 1 or more`}},
		{"negative yellow_days", base + "[policy]\nyellow_days = -1\n", `yellow_days`,
			[]string{`policy.yellow_days: must be 0 or more, got -1`}},
		{"negative escalate", edit(t, `due_day = 5`, "due_day = 5\nescalate_after_days = -2"), `escalate_after_days`,
			[]string{`duties[0].escalate_after_days: must be 0 or more`}},
		{"max_attempts zero", edit(t, `[mail]`, "[mail]\nmax_attempts = 0"), `max_attempts`,
			[]string{`mail.max_attempts: must be 1 or more`}},
		{"due_day too large", edit(t, `due_day = 5`, `due_day = 400`), `due_day`,
			[]string{`duties[0].due_day: must be between 1 and 366, got 400`}},
		{"unknown transport", edit(t, `[mail]`, "[mail]\ntransport = \"sendmail\""), `transport`,
			[]string{`mail.transport: unknown transport "sendmail"`}},
		{"smtp without host", edit(t, `[mail]`, "[mail]\ntransport = \"smtp\""), `[mail]`,
			[]string{`mail.smtp.host: is required for the smtp transport`}},
		{"unknown tls mode", base + "[mail.smtp]\ntls = \"ssl\"\n", `tls =`,
			[]string{`mail.smtp.tls: unknown TLS mode "ssl"`}},
		{"port out of range", base + "[mail.smtp]\nport = 70000\n", `port`,
			[]string{`mail.smtp.port: must be between 1 and 65535`}},
		{"zero timeout", base + "[mail.smtp]\ntimeout = \"0s\"\n", `timeout`,
			[]string{`mail.smtp.timeout: must be positive`}},
		{"unknown period", edit(t, `period = "monthly"`, `period = "weekly"`), `weekly`,
			[]string{`duties[0].period: unknown period "weekly"`}},
		{"unknown unit kind", edit(t, `kind = "branch"`, `kind = "party"`), `party`,
			[]string{`units[1].kind: unknown kind "party"`}},
		{"unknown log format", base + "[log]\nformat = \"xml\"\n", `format`,
			[]string{`log.format: unknown format "xml"`}},
		{"unknown log level", base + "[log]\nlevel = \"verbose\"\n", `level`,
			[]string{`log.level: unknown level "verbose"`}},
		{"bad database url", base + "[database]\nurl = \"mysql://x\"\n", `url`,
			[]string{`database.url: want sqlite:PATH or postgres://`}},
		{"bad listen", base + "[admin]\nlisten = \"8080\"\n", `listen`,
			[]string{`admin.listen: invalid address "8080"`}},
		{"calendar date not ISO", base + "[calendar]\nholidays = [\"2027/01/01\"]\n", `holidays`,
			[]string{`calendar.holidays[0]: invalid date "2027/01/01": want YYYY-MM-DD`}},
		{"calendar date impossible", base + "[calendar]\nworkdays = [\n  \"2027-02-07\",\n  \"2027-02-30\",\n]\n", `"2027-02-30"`,
			[]string{`calendar.workdays[1]: invalid date "2027-02-30"`}},
		{"calendar day both", base + "[calendar]\nholidays = [2027-01-04]\nworkdays = [2027-01-04]\n", `workdays`,
			[]string{`calendar.workdays[0]: 2027-01-04 is also listed in calendar.holidays`}},
		{"monthly start as quarter", edit(t, `start = "2025-01"`, `start = "2025-Q1"`), `start`,
			[]string{`duties[0].start: invalid monthly period "2025-Q1": want like 2025-01`}},
		{"monthly start month 13", edit(t, `start = "2025-01"`, `start = "2025-13"`), `start`,
			[]string{`duties[0].start: invalid monthly period "2025-13"`}},
		{"quarterly start Q5", strings.Replace(edit(t, `period = "monthly"`, `period = "quarterly"`),
			`start = "2025-01"`, `start = "2025-Q5"`, 1), `start`,
			[]string{`duties[0].start: invalid quarterly period "2025-Q5": want like 2025-Q1`}},
		{"half-yearly start H3", strings.Replace(edit(t, `period = "monthly"`, `period = "half-yearly"`),
			`start = "2025-01"`, `start = "2025-H3"`, 1), `start`,
			[]string{`duties[0].start: invalid half-yearly period "2025-H3": want like 2025-H1`}},
		{"yearly start with month", edit(t, "period = \"monthly\"", "period = \"yearly\""), `start`,
			[]string{`duties[0].start: invalid yearly period "2025-01": want like 2025`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, path, err := load(t, tt.body)
			ce := findError(t, err, tt.want)
			if ce.File != path {
				t.Errorf("File = %q, want %q", ce.File, path)
			}
			wantLine := 0
			if tt.at != "" {
				wantLine = lineOf(t, tt.body, tt.at)
			}
			if ce.Line != wantLine {
				t.Errorf("Line = %d, want %d (%s)", ce.Line, wantLine, ce)
			}
			if wantLine > 0 && !strings.HasPrefix(ce.Error(), path+":"+strconv.Itoa(wantLine)+": ") {
				t.Errorf("error %q does not start with FILE:LINE", ce)
			}
		})
	}
}

func TestAllProblemsReported(t *testing.T) {
	t.Parallel()
	body := edit(t, `leader = "wang"`, `leader = "nobody"`) +
		"colour = 1\n" + // lands in the last [[duties]] table
		"[policy]\nlead_days = [1, 3]\n"
	_, path, err := load(t, body)
	errs := configErrors(t, err)
	want := []string{
		path + ":" + strconv.Itoa(lineOf(t, body, "nobody")) + ": units[0].leader: unknown leader",
		path + ":" + strconv.Itoa(lineOf(t, body, "colour")) + ": duties[0].colour: unknown key",
		path + ":" + strconv.Itoa(lineOf(t, body, "lead_days")) + ": policy.lead_days[1]: must be smaller",
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i], w)
		}
	}
}

func TestWrongTypeIsNotAlsoReportedMissing(t *testing.T) {
	t.Parallel()
	_, _, err := load(t, edit(t, `code = "zb1"`, `code = 1`))
	errs := configErrors(t, err)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "units[1].code: wrong type") {
		t.Fatalf("got %v, want one wrong-type error", err)
	}
}

func TestMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "none.toml")
	_, err := config.Load(path, nil)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.File != path {
		t.Fatalf("got %v, want a *config.Error for %s", err, path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false for %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  config.Error
		want string
	}{
		{config.Error{File: "duban.toml", Line: 3, Field: "units[0].leader", Msg: "unknown leader"}, "duban.toml:3: units[0].leader: unknown leader"},
		{config.Error{File: "duban.toml", Field: "mail.from", Msg: "is required"}, "duban.toml: mail.from: is required"},
		{config.Error{File: "duban.toml", Line: 7, Msg: "invalid TOML"}, "duban.toml:7: invalid TOML"},
		{config.Error{Env: "DUBAN_MAIL__SMTP__PORT", Field: "mail.smtp.port", Msg: "bad"}, "environment DUBAN_MAIL__SMTP__PORT: mail.smtp.port: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestUTF8BOMAccepted(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "\ufefftimezone = \"UTC\"\n"+base)
	if c.Timezone != "UTC" {
		t.Errorf("Timezone = %q", c.Timezone)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, base)
	checks := []struct {
		name      string
		got, want any
	}{
		{"timezone", c.Timezone, "Asia/Shanghai"},
		{"location", c.Location.String(), "Asia/Shanghai"},
		{"supervisors", c.Supervisors, []string{}},
		{"database", c.Database.URL, "sqlite:duban.db"},
		{"transport", c.Mail.Transport, "outbox"},
		{"outbox_dir", c.Mail.OutboxDir, "outbox"},
		{"max_attempts", c.Mail.MaxAttempts, 8},
		{"templates_dir", c.Mail.TemplatesDir, ""},
		{"smtp tls", c.Mail.SMTP.TLS, "starttls"},
		{"smtp port", c.Mail.SMTP.Port, 587},
		{"smtp max_connections", c.Mail.SMTP.MaxConnections, 2},
		{"smtp rate", c.Mail.SMTP.RatePerMinute, 0},
		{"smtp timeout", c.Mail.SMTP.Timeout.Duration, 30 * time.Second},
		{"admin listen", c.Admin.Listen, "127.0.0.1:8080"},
		{"log level", c.Log.Level, "info"},
		{"log format", c.Log.Format, "text"},
		{"policy", c.Policy, ledger.DefaultPolicy()},
		{"holidays", c.Calendar.Holidays, []ledger.Date{}},
		{"jobs", c.Jobs, map[string]config.Job{
			"deadlines": {Schedule: "0 9 * * *", CatchUp: config.Duration{Duration: 24 * time.Hour}},
			"duties":    {Schedule: "30 9 * * *", CatchUp: config.Duration{Duration: 24 * time.Hour}},
			"followups": {Schedule: "0 10 * * 1", CatchUp: config.Duration{Duration: 24 * time.Hour}},
			"summary":   {Schedule: "0 8 * * 1", CatchUp: config.Duration{Duration: 24 * time.Hour}},
		}},
		{"round name", c.Rounds[0].Name, "2024-7"},
		{"unit kind", c.Units[0].Kind, ledger.KindDepartment},
		{"duty remind_days", c.Duties[0].RemindDays, []int{3, 1}},
		{"duty overdue_every_days", c.Duties[0].OverdueEveryDays, 3},
		{"duty escalate_after_days", c.Duties[0].EscalateAfterDays, 0},
		{"duty due_on_workday", c.Duties[0].DueOnWorkday, true},
		{"duty exempt", c.Duties[0].Exempt, []string{}},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
}

func TestDefaultsThatDependOnOtherKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		check func(*config.Config) (got, want any)
	}{
		{"port for tls", base + "[mail.smtp]\ntls = \"tls\"\n",
			func(c *config.Config) (any, any) { return c.Mail.SMTP.Port, 465 }},
		{"port for none", base + "[mail.smtp]\ntls = \"none\"\n",
			func(c *config.Config) (any, any) { return c.Mail.SMTP.Port, 25 }},
		{"explicit port kept", base + "[mail.smtp]\ntls = \"tls\"\nport = 2465\n",
			func(c *config.Config) (any, any) { return c.Mail.SMTP.Port, 2465 }},
		{"duty supervisors from top level", "supervisors = [\"zgb@zgh.example.org\"]\n" + base,
			func(c *config.Config) (any, any) { return c.Duties[0].Supervisors, []string{"zgb@zgh.example.org"} }},
		{"duty supervisors explicitly none", "supervisors = [\"zgb@zgh.example.org\"]\n" + edit(t, `due_day = 5`, "due_day = 5\nsupervisors = []"),
			func(c *config.Config) (any, any) { return c.Duties[0].Supervisors, []string{} }},
		{"due_on_workday false", edit(t, `due_day = 5`, "due_day = 5\ndue_on_workday = false"),
			func(c *config.Config) (any, any) { return c.Duties[0].DueOnWorkday, false }},
		{"job partly set keeps catch_up", base + "[jobs.summary]\nschedule = \"@weekly\"\n",
			func(c *config.Config) (any, any) {
				return c.Jobs["summary"], config.Job{Schedule: "@weekly", CatchUp: config.Duration{Duration: 24 * time.Hour}}
			}},
		{"duty keys set to what is not their default", edit(t, `due_day = 5`, "due_day = 5\nremind_days = []\noverdue_every_days = 5\nexempt = [\"zb1\"]"),
			func(c *config.Config) (any, any) {
				d := c.Duties[0]
				return []any{d.RemindDays, d.OverdueEveryDays, d.Exempt}, []any{[]int{}, 5, []string{"zb1"}}
			}},
		{"calendar TOML dates", base + "[calendar]\nholidays = [2027-01-04, \"2027-01-05\"]\n",
			func(c *config.Config) (any, any) {
				return c.Calendar.Holidays, []ledger.Date{ledger.NewDate(2027, 1, 4), ledger.NewDate(2027, 1, 5)}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, want := tt.check(mustLoad(t, tt.body))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestPasswordFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "smtp.pw")
	if err := os.WriteFile(pwFile, []byte("s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withFile := func(name string) string {
		return base + "[mail.smtp]\npassword_file = " + strconv.Quote(name) + "\n"
	}

	c := mustLoad(t, withFile(pwFile))
	if c.Mail.SMTP.Password != "s3cret-from-file" {
		t.Errorf("Password = %q, want the file's first line", c.Mail.SMTP.Password)
	}

	c = mustLoad(t, withFile(pwFile), "DUBAN_SMTP_PASSWORD=from-env")
	if c.Mail.SMTP.Password != "from-env" {
		t.Errorf("Password = %q, want DUBAN_SMTP_PASSWORD to win", c.Mail.SMTP.Password)
	}

	missing := filepath.Join(dir, "nope.pw")
	body := withFile(missing)
	_, _, err := load(t, body)
	ce := findError(t, err, []string{"mail.smtp.password_file: cannot read password file", missing})
	if ce.Line != lineOf(t, body, "password_file") {
		t.Errorf("Line = %d, want the password_file line", ce.Line)
	}

	_, _, err = load(t, withFile(pwFile)+"password = \"inline\"\n")
	findError(t, err, []string{"mail.smtp.password_file: set either mail.smtp.password or mail.smtp.password_file"})
}

func TestLookups(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, base+`
[[units]]
code = "zb2"
name = "机关第二党支部"
kind = "branch"
emails = ["zb2@zgh.example.org"]

[[units]]
code = "fwzx"
name = "职工服务中心"
aliases = ["服务中心", "中心"]
kind = "unit"
emails = ["fwzx@zgh.example.org"]
`)
	if u, ok := c.Unit("zb1"); !ok || u.Name != "机关第一党支部" || u.Kind != ledger.KindBranch {
		t.Errorf("Unit(zb1) = %+v, %v", u, ok)
	}
	if _, ok := c.Unit("nope"); ok {
		t.Error("Unit(nope) found")
	}
	if l, ok := c.Leader("wang"); !ok || l.Email != "wang@zgh.example.org" {
		t.Errorf("Leader(wang) = %+v, %v", l, ok)
	}
	if r, ok := c.Round("2024-7"); !ok || r.Code != "2024-7" {
		t.Errorf("Round = %+v, %v", r, ok)
	}
	if d, ok := c.Duty("sanzhongyida"); !ok || d.Period != config.PeriodMonthly {
		t.Errorf("Duty = %+v, %v", d, ok)
	}

	resolve := []struct {
		fn        func(string) (string, bool)
		in, want  string
		wantFound bool
	}{
		{c.ResolveUnit, "bgs", "bgs", true},
		{c.ResolveUnit, "办公室", "bgs", true},
		{c.ResolveUnit, " 办公室 ", "bgs", true},
		{c.ResolveUnit, "办公", "", false},
		{c.ResolveUnit, "服务中心", "fwzx", true},
		{c.ResolveUnit, "fwzx", "fwzx", true},
		{c.ResolveLeader, "王某某", "wang", true},
		{c.ResolveLeader, "wang", "wang", true},
		{c.ResolveLeader, "李某某", "", false},
	}
	for _, r := range resolve {
		got, ok := r.fn(r.in)
		if got != r.want || ok != r.wantFound {
			t.Errorf("resolve(%q) = %q, %v; want %q, %v", r.in, got, ok, r.want, r.wantFound)
		}
	}

	if _, err := c.ParseUnit("组织部"); err == nil || !strings.Contains(err.Error(), "bgs (办公室), zb1 (机关第一党支部)") {
		t.Errorf("ParseUnit(组织部): %v, want an error listing the units", err)
	}
	if got := c.UnitNames([]string{"zb1", "gone"}); !slices.Equal(got, []string{"机关第一党支部", "gone"}) {
		t.Errorf("UnitNames = %q: want the names, an unknown code standing for itself", got)
	}
	if got, unknown := c.LeaderName("wang"), c.LeaderName("gone"); got != "王某某" || unknown != "gone" {
		t.Errorf("LeaderName = %q, %q", got, unknown)
	}

	dutyUnits := []struct {
		units, exempt []string
		want          []string
	}{
		{[]string{"kind:branch"}, nil, []string{"zb1", "zb2"}},
		{[]string{"*"}, []string{"zb2"}, []string{"bgs", "zb1", "fwzx"}},
		{[]string{"fwzx", "bgs", "kind:unit"}, nil, []string{"bgs", "fwzx"}}, // config order, no repeats
		{[]string{"kind:department", "kind:unit"}, []string{"bgs"}, []string{"fwzx"}},
	}
	for _, du := range dutyUnits {
		got := c.DutyUnits(config.Duty{Units: du.units, Exempt: du.exempt})
		if !slices.Equal(got, du.want) {
			t.Errorf("DutyUnits(%q minus %q) = %q, want %q", du.units, du.exempt, got, du.want)
		}
	}
}

// A command names a round only when the config has several.
func TestRoundFor(t *testing.T) {
	t.Parallel()
	one := mustLoad(t, base)
	two := mustLoad(t, base+"\n[[rounds]]\ncode = \"2025-3\"\nname = \"第三轮\"\n")
	none := *one
	none.Rounds = nil
	tests := []struct {
		name    string
		c       *config.Config
		code    string
		want    string
		wantErr string
	}{
		{"the only round", one, "", "2024-7", ""},
		{"a configured round", two, "2025-3", "2025-3", ""},
		{"a round by its name", two, "第三轮", "2025-3", ""},
		{"an unknown round", two, "2099-1", "", `unknown round "2099-1": want 2024-7, 2025-3 (第三轮)`},
		{"several rounds", two, "", "", "several rounds in the config (2024-7, 2025-3): pass --round"},
		{"no round", &none, "", "", "no [[rounds]] in the config"},
	}
	for _, tt := range tests {
		got, err := tt.c.RoundFor(tt.code)
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: RoundFor(%q) = %q, %v; want %q, %q", tt.name, tt.code, got, err, tt.want, tt.wantErr)
		}
	}
}

// A duty's start may be written as the office writes periods.
func TestDutyStartAsTheOfficeWritesIt(t *testing.T) {
	t.Parallel()
	for start, want := range map[string]string{"2025年1月": "2025-01", "2025/01": "2025-01", "2025-01": "2025-01"} {
		c := mustLoad(t, edit(t, `start = "2025-01"`, `start = "`+start+`"`))
		if specs := c.DutySpecs(); len(specs) != 1 || specs[0].Start.String() != want {
			t.Errorf("start = %q: specs %+v, want start %s", start, specs, want)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"0 9 * * *", "30 9 * * 1-5", "@daily", "@every 5s", "CRON_TZ=UTC 0 9 * * *"} {
		if _, err := config.ParseSchedule(spec); err != nil {
			t.Errorf("ParseSchedule(%q): %v", spec, err)
		}
	}
	for _, spec := range []string{"", "0 9 * *", "0 0 9 * * *", "@sometimes", "TZ=", "CRON_TZ=Nowhere 0 9 * * *"} {
		if _, err := config.ParseSchedule(spec); err == nil {
			t.Errorf("ParseSchedule(%q) succeeded", spec)
		}
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	_, _, err := load(t, base+"[mail.smtp]\npassword = 31415926\n[admin]\npassword_hash = 27182818\n")
	findError(t, err, []string{"mail.smtp.password: wrong type: want a string, got an integer"})
	if strings.Contains(err.Error(), "31415926") || strings.Contains(err.Error(), "27182818") {
		t.Errorf("error shows a secret: %v", err)
	}
}

// A duty without a start supervises the periods due from the day the
// database first saw it; an explicit start wins over that day.
func TestDutyStartFromFirstSeen(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, edit(t, `start = "2025-01"`, ``))
	if got := c.DutySpecs()[0].Start; !got.IsZero() {
		t.Errorf("unseen duty without start: start %s, want none", got)
	}
	c.Duties[0].FirstSeen = ledger.NewDate(2026, time.December, 8) // November was due Monday Dec 7
	if got := c.DutySpecs()[0].Start.String(); got != "2026-12" {
		t.Errorf("seen on 2026-12-08: start %s, want 2026-12", got)
	}
	explicit := mustLoad(t, base)
	explicit.Duties[0].FirstSeen = ledger.NewDate(2026, time.December, 8)
	if got := explicit.DutySpecs()[0].Start.String(); got != "2025-01" {
		t.Errorf("start 2025-01 seen on 2026-12-08: start %s, want 2025-01", got)
	}
}
