package config_test

import (
	"reflect"
	"testing"
	"time"

	"duban/config"
	"duban/ledger"
)

func TestEnvOverrides(t *testing.T) {
	t.Parallel()
	fileWithDB := "[database]\nurl = \"sqlite:file.db\"\n" + base
	tests := []struct {
		name  string
		body  string
		env   []string
		check func(*config.Config) (got, want any)
	}{
		{"nested integer", base, []string{"DUBAN_MAIL__SMTP__PORT=1025"},
			func(c *config.Config) (any, any) { return c.Mail.SMTP.Port, 1025 }},
		{"case-insensitive name", base, []string{"duban_mail__transport=smtp", "Duban_Mail__Smtp__Host=localhost"},
			func(c *config.Config) (any, any) {
				return []string{c.Mail.Transport, c.Mail.SMTP.Host}, []string{"smtp", "localhost"}
			}},
		{"top-level key without __", base, []string{"DUBAN_TIMEZONE=UTC"},
			func(c *config.Config) (any, any) { return c.Location.String(), "UTC" }},
		{"integer list", base, []string{"DUBAN_POLICY__LEAD_DAYS=5,2"},
			func(c *config.Config) (any, any) { return c.Policy.LeadDays, []int{5, 2} }},
		{"string list", base, []string{"DUBAN_SUPERVISORS=zgb@zgh.example.org, bgs@zgh.example.org"},
			func(c *config.Config) (any, any) {
				return c.Supervisors, []string{"zgb@zgh.example.org", "bgs@zgh.example.org"}
			}},
		{"boolean", base, []string{"DUBAN_POLICY__WORKDAYS_ONLY=false"},
			func(c *config.Config) (any, any) { return c.Policy.WorkdaysOnly, false }},
		{"duration", base, []string{"DUBAN_MAIL__SMTP__TIMEOUT=5s"},
			func(c *config.Config) (any, any) { return c.Mail.SMTP.Timeout.Duration, 5 * time.Second }},
		{"calendar days", base, []string{"DUBAN_CALENDAR__HOLIDAYS=2027-01-04, 2027-01-05"},
			func(c *config.Config) (any, any) {
				return c.Calendar.Holidays, []ledger.Date{ledger.NewDate(2027, 1, 4), ledger.NewDate(2027, 1, 5)}
			}},
		{"job schedule", base, []string{"DUBAN_JOBS__DEADLINES__SCHEDULE=@every 5s"},
			func(c *config.Config) (any, any) { return c.Jobs["deadlines"].Schedule, "@every 5s" }},
		{"overrides the file", fileWithDB, []string{"DUBAN_DATABASE__URL=sqlite:env.db"},
			func(c *config.Config) (any, any) { return c.Database.URL, "sqlite:env.db" }},
		{"DUBAN_DATABASE_URL beats DUBAN_DATABASE__URL", fileWithDB,
			[]string{"DUBAN_DATABASE_URL=postgres://duban@db/duban", "DUBAN_DATABASE__URL=sqlite:env.db"},
			func(c *config.Config) (any, any) { return c.Database.URL, "postgres://duban@db/duban" }},
		{"secrets", base, []string{"DUBAN_SMTP_PASSWORD=smtp-pw", "DUBAN_ADMIN_PASSWORD=admin-pw"},
			func(c *config.Config) (any, any) {
				return []string{c.Mail.SMTP.Password, c.Admin.Password}, []string{"smtp-pw", "admin-pw"}
			}},
		{"not config variables ignored", base,
			[]string{"DUBAN_CONFIG=/etc/duban.toml", "DUBAN_TEST_DATABASE_URL=postgres://x", "DUBAN_SOMETHING=1", "HOME=/root", "DUBAN_LOGLEVEL=x", "NOEQUALS"},
			func(c *config.Config) (any, any) { return c.Database.URL, "sqlite:duban.db" }},
		{"empty value is unset", base, []string{"DUBAN_TIMEZONE=", "DUBAN_MAIL__SMTP__PORT="},
			func(c *config.Config) (any, any) {
				return []any{c.Timezone, c.Mail.SMTP.Port}, []any{"Asia/Shanghai", 587}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, want := tt.check(mustLoad(t, tt.body, tt.env...))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestEnvErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  string
		want string
	}{
		{"bad integer", "DUBAN_MAIL__SMTP__PORT=abc", `environment DUBAN_MAIL__SMTP__PORT: mail.smtp.port: want an integer, got "abc"`},
		{"bad boolean", "DUBAN_POLICY__WORKDAYS_ONLY=maybe", `environment DUBAN_POLICY__WORKDAYS_ONLY: policy.workdays_only: want true or false`},
		{"bad list element", "DUBAN_POLICY__LEAD_DAYS=5,x", `environment DUBAN_POLICY__LEAD_DAYS: policy.lead_days[1]: want an integer, got "x"`},
		{"unsorted list", "DUBAN_POLICY__LEAD_DAYS=1,5", `environment DUBAN_POLICY__LEAD_DAYS: policy.lead_days[1]: must be smaller`},
		{"invalid value", "DUBAN_TIMEZONE=Mars/Olympus", `environment DUBAN_TIMEZONE: timezone: invalid time zone "Mars/Olympus"`},
		{"invalid schedule", "DUBAN_JOBS__SUMMARY__SCHEDULE=every monday", `environment DUBAN_JOBS__SUMMARY__SCHEDULE: jobs.summary.schedule: invalid schedule`},
		{"unknown key", "DUBAN_MAIL__SMTP__PROT=1025", `environment DUBAN_MAIL__SMTP__PROT: mail.smtp.prot: unknown key (did you mean "port"?)`},
		{"unknown section", "DUBAN_FOO__BAR=1", `environment DUBAN_FOO__BAR: foo: unknown key`},
		{"unknown job", "DUBAN_JOBS__WEEKLY__SCHEDULE=@daily", `environment DUBAN_JOBS__WEEKLY__SCHEDULE: jobs.weekly: unknown job`},
		{"a table", "DUBAN_JOBS__DEADLINES=@daily", `environment DUBAN_JOBS__DEADLINES: jobs.deadlines: is a table`},
		{"into a list of tables", "DUBAN_UNITS__CODE=x", `environment DUBAN_UNITS__CODE: units.code: units is not a table`},
		{"a list of tables", "DUBAN_MAIL__FROM=x@y.org\nDUBAN_DUTIES__ID=x", `environment DUBAN_DUTIES__ID: duties.id: duties is not a table`},
		{"bad date", "DUBAN_CALENDAR__WORKDAYS=2027-01-04,2027/01/05", `environment DUBAN_CALENDAR__WORKDAYS: calendar.workdays[1]: invalid date "2027/01/05": want YYYY-MM-DD`},
		{"bad duration", "DUBAN_JOBS__SUMMARY__CATCH_UP=1 day", `environment DUBAN_JOBS__SUMMARY__CATCH_UP: jobs.summary.catch_up: invalid duration "1 day"`},
		{"empty key", "DUBAN_MAIL__FROM=x@y.org\nDUBAN_UNITS__=x", `environment DUBAN_UNITS__: invalid name`},
		{"below a scalar", "DUBAN_TIMEZONE__X=1", `environment DUBAN_TIMEZONE__X: timezone: wrong type: want a string, got a table`},
		{"bad address", "DUBAN_SUPERVISORS=zgb@zgh.example.org,nobody", `environment DUBAN_SUPERVISORS: supervisors[1]: invalid email address "nobody"`},
		{"line break", "DUBAN_MAIL__FROM=a@b.org\r\nBcc: c@d.org", `environment DUBAN_MAIL__FROM: mail.from: must not contain a line break`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, base, splitLines(tt.env)...)
			ce := findError(t, err, []string{tt.want})
			if ce.File != "" || ce.Line != 0 {
				t.Errorf("error from the environment names file %q line %d", ce.File, ce.Line)
			}
		})
	}
}

// splitLines splits on "\n" only, so a value may hold a "\r".
func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' && (i == 0 || s[i-1] != '\r') {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
