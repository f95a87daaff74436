package config

import (
	"net/url"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"duban/ledger"
)

// redactedSecret replaces every secret that is set in Redacted's output.
const redactedSecret = "******"

// Redacted prints the effective configuration as TOML, every section with
// its defaults filled in, secrets (SMTP and admin passwords, the password
// hash, a password in the database or heartbeat URL) shown as "******"
// when set and "" when not. The output loads again with Load.
func (c *Config) Redacted() string {
	out, err := toml.Marshal(c.printable())
	if err != nil {
		// Unreachable: printable holds only strings, numbers, booleans and
		// lists of them. Still, a printout must not take the daemon down.
		return "# config: cannot print the configuration: " + err.Error() + "\n"
	}
	return string(out)
}

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedSecret
}

// redactURL hides the password of a database URL, in its user info or in a
// password= query parameter. It builds the text by hand where url.URL would
// percent-encode the asterisks.
func redactURL(raw string) string {
	if strings.HasPrefix(raw, "sqlite:") {
		return raw // a file path has no secret
	}
	u, err := url.Parse(raw)
	if err != nil {
		return redactedSecret // cannot tell where the password is: hide it all
	}
	_, hasPassword := u.User.Password()
	if hasPassword {
		u.User = url.User(u.User.Username())
	}
	params := strings.Split(u.RawQuery, "&")
	for i, p := range params {
		if key, _, ok := strings.Cut(p, "="); ok && strings.EqualFold(key, "password") {
			params[i] = key + "=" + redactedSecret
		}
	}
	u.RawQuery = strings.Join(params, "&")
	s := u.String()
	if hasPassword {
		at := strings.Index(s, "@")
		s = s[:at] + ":" + redactedSecret + s[at:]
	}
	return s
}

// The file* types mirror the TOML layout for printing.

type fileConfig struct {
	Timezone    string             `toml:"timezone"`
	Supervisors []string           `toml:"supervisors"`
	Database    fileDatabase       `toml:"database"`
	Mail        fileMail           `toml:"mail"`
	Admin       fileAdmin          `toml:"admin"`
	Heartbeat   fileHeartbeat      `toml:"heartbeat"`
	Log         fileLog            `toml:"log"`
	Policy      filePolicy         `toml:"policy"`
	Calendar    fileCalendar       `toml:"calendar"`
	Jobs        map[string]fileJob `toml:"jobs"`
	Rounds      []fileRound        `toml:"rounds"`
	Leaders     []fileLeader       `toml:"leaders"`
	Units       []fileUnit         `toml:"units"`
	Duties      []fileDuty         `toml:"duties"`
}

type fileDatabase struct {
	URL        string `toml:"url"`
	SeedLedger string `toml:"seed_ledger"`
}

type fileMail struct {
	Transport    string   `toml:"transport"`
	From         string   `toml:"from"`
	OutboxDir    string   `toml:"outbox_dir"`
	MaxAttempts  int      `toml:"max_attempts"`
	TemplatesDir string   `toml:"templates_dir"`
	Lease        string   `toml:"lease"`
	RetryBase    string   `toml:"retry_base"`
	SMTP         fileSMTP `toml:"smtp"`
}

type fileSMTP struct {
	Host           string `toml:"host"`
	Port           int    `toml:"port"`
	TLS            string `toml:"tls"`
	Username       string `toml:"username"`
	Password       string `toml:"password"`
	PasswordFile   string `toml:"password_file"`
	MaxConnections int    `toml:"max_connections"`
	RatePerMinute  int    `toml:"rate_per_minute"`
	Timeout        string `toml:"timeout"`
	Pipelining     bool   `toml:"pipelining"`
}

type fileAdmin struct {
	Listen       string `toml:"listen"`
	Password     string `toml:"password"`
	PasswordHash string `toml:"password_hash"`
}

type fileHeartbeat struct {
	URL     string `toml:"url"`
	Timeout string `toml:"timeout"`
}

type fileLog struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

type filePolicy struct {
	LeadDays          []int `toml:"lead_days"`
	OverdueEveryDays  int   `toml:"overdue_every_days"`
	EscalateAfterDays int   `toml:"escalate_after_days"`
	SevereAfterDays   int   `toml:"severe_after_days"`
	YellowDays        int   `toml:"yellow_days"`
	WorkdaysOnly      bool  `toml:"workdays_only"`
	FollowupDays      []int `toml:"followup_days"`
}

type fileCalendar struct {
	Holidays []string `toml:"holidays"`
	Workdays []string `toml:"workdays"`
}

type fileJob struct {
	Schedule string `toml:"schedule"`
	CatchUp  string `toml:"catch_up"`
}

type fileRound struct {
	Code string `toml:"code"`
	Name string `toml:"name"`
}

type fileLeader struct {
	Code  string `toml:"code"`
	Name  string `toml:"name"`
	Title string `toml:"title"`
	Email string `toml:"email"`
}

type fileUnit struct {
	Code   string   `toml:"code"`
	Name   string   `toml:"name"`
	Kind   string   `toml:"kind"`
	Emails []string `toml:"emails"`
	Leader string   `toml:"leader"`
}

type fileDuty struct {
	ID                string   `toml:"id"`
	Name              string   `toml:"name"`
	Period            string   `toml:"period"`
	DueDay            int      `toml:"due_day"`
	RemindDays        []int    `toml:"remind_days"`
	OverdueEveryDays  int      `toml:"overdue_every_days"`
	EscalateAfterDays int      `toml:"escalate_after_days"`
	Units             []string `toml:"units"`
	Exempt            []string `toml:"exempt"`
	Start             string   `toml:"start"`
	DueOnWorkday      bool     `toml:"due_on_workday"`
	Supervisors       []string `toml:"supervisors"`
}

// printable converts the config to its TOML layout, secrets redacted and
// nil lists printed as [].
func (c *Config) printable() fileConfig {
	s := c.Mail.SMTP
	p := c.Policy
	f := fileConfig{
		Timezone:    c.Timezone,
		Supervisors: list(c.Supervisors),
		Database:    fileDatabase{URL: redactURL(c.Database.URL), SeedLedger: c.Database.SeedLedger},
		Mail: fileMail{
			Transport: c.Mail.Transport, From: c.Mail.From, OutboxDir: c.Mail.OutboxDir,
			MaxAttempts: c.Mail.MaxAttempts, TemplatesDir: c.Mail.TemplatesDir,
			Lease: c.Mail.Lease.String(), RetryBase: c.Mail.RetryBase.String(),
			SMTP: fileSMTP{
				Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username,
				Password: redact(s.Password), PasswordFile: s.PasswordFile,
				MaxConnections: s.MaxConnections, RatePerMinute: s.RatePerMinute,
				Timeout: s.Timeout.String(), Pipelining: s.Pipelining,
			},
		},
		Admin: fileAdmin{
			Listen: c.Admin.Listen, Password: redact(c.Admin.Password),
			PasswordHash: redact(c.Admin.PasswordHash),
		},
		Heartbeat: fileHeartbeat{URL: redactURL(c.Heartbeat.URL), Timeout: c.Heartbeat.Timeout.String()},
		Log:       fileLog{Level: c.Log.Level, Format: c.Log.Format},
		Policy: filePolicy{
			LeadDays: list(p.LeadDays), OverdueEveryDays: p.OverdueEveryDays,
			EscalateAfterDays: p.EscalateAfterDays, SevereAfterDays: p.SevereAfterDays,
			YellowDays: p.YellowDays, WorkdaysOnly: p.WorkdaysOnly, FollowupDays: list(p.FollowupDays),
		},
		Calendar: fileCalendar{Holidays: dateStrings(c.Calendar.Holidays), Workdays: dateStrings(c.Calendar.Workdays)},
		Jobs:     map[string]fileJob{},
		Rounds:   []fileRound{},
		Leaders:  []fileLeader{},
		Units:    []fileUnit{},
		Duties:   []fileDuty{},
	}
	for name, j := range c.Jobs {
		f.Jobs[name] = fileJob{Schedule: j.Schedule, CatchUp: j.CatchUp.String()}
	}
	for _, r := range c.Rounds {
		f.Rounds = append(f.Rounds, fileRound(r))
	}
	for _, l := range c.Leaders {
		f.Leaders = append(f.Leaders, fileLeader(l))
	}
	for _, u := range c.Units {
		f.Units = append(f.Units, fileUnit{Code: u.Code, Name: u.Name, Kind: string(u.Kind), Emails: list(u.Emails), Leader: u.Leader})
	}
	for _, d := range c.Duties {
		f.Duties = append(f.Duties, fileDuty{
			ID: d.ID, Name: d.Name, Period: d.Period, DueDay: d.DueDay,
			RemindDays: list(d.RemindDays), OverdueEveryDays: d.OverdueEveryDays,
			EscalateAfterDays: d.EscalateAfterDays, Units: list(d.Units), Exempt: list(d.Exempt),
			Start: d.Start, DueOnWorkday: d.DueOnWorkday, Supervisors: list(d.Supervisors),
		})
	}
	return f
}

func list[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func dateStrings(days []ledger.Date) []string {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.String()
	}
	return out
}
