// Package config loads duban's TOML configuration, applies DUBAN_*
// environment overrides, fills in defaults and validates the result.
//
// Every problem is reported with where it is: the file and line, the field
// path (like units[3].leader, indexes counted from 0) or the environment
// variable that supplied the value. Load reports all problems it finds at
// once, so that an administrator fixes a config in one pass.
package config

import (
	"slices"
	"strings"
	"time"

	"duban/ledger"
)

// Config is the effective configuration: the file, overridden by the
// environment, with every optional setting defaulted.
type Config struct {
	Timezone string         // IANA name, default Asia/Shanghai
	Location *time.Location // resolved from Timezone

	// Supervisors are the addresses of the 整改领导小组办公室: they get the
	// summaries and severe escalations, and they supervise every duty that
	// names no supervisors of its own.
	Supervisors []string

	Database DatabaseConfig
	Mail     MailConfig
	Admin    AdminConfig
	Log      LogConfig
	Policy   ledger.Policy
	Calendar CalendarConfig

	Heartbeat HeartbeatConfig

	// Warnings are problems that do not stop duban, such as a config file
	// that others may read although it holds a secret; the caller logs them.
	Warnings []string

	// Jobs always holds the four jobs (JobDeadlines, JobDuties,
	// JobFollowups, JobSummary), defaulted when the file leaves them out.
	Jobs map[string]Job

	Rounds  []ledger.Round
	Leaders []ledger.Leader
	Units   []ledger.Unit
	Duties  []Duty
}

// DatabaseConfig is the [database] table.
type DatabaseConfig struct {
	URL string // "sqlite:PATH" (default sqlite:duban.db) or "postgres://…"; DUBAN_DATABASE_URL overrides
	// SeedLedger is a ledger file that serve imports into an empty database,
	// so that a first start shows the daemon at work; "" = none.
	SeedLedger string
}

// MailConfig is the [mail] table.
type MailConfig struct {
	Transport    string // TransportOutbox (default) or TransportSMTP
	From         string // required; may carry a display name: "整改办 <zgb@zgh.example.org>"
	OutboxDir    string // where the outbox transport writes .eml files, default "outbox"
	MaxAttempts  int    // delivery attempts before a dispatch fails, default 8
	TemplatesDir string // overrides of the embedded templates; "" = embedded only
	// Lease is how long a replica owns a dispatch it claimed; a crashed
	// replica's dispatches are taken over by the others once it expires.
	// 0 = derived: four times the SMTP timeout (2m for the outbox).
	Lease Duration
	// RetryBase is the wait after the first failed attempt; each further
	// failure doubles it (with jitter), up to 6h. Default 1m.
	RetryBase Duration
	SMTP      SMTPConfig
}

// SMTPConfig is the [mail.smtp] table.
type SMTPConfig struct {
	Host     string
	Port     int    // default 587 for starttls, 465 for tls, 25 for none
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	Username string
	// Password is a secret: from DUBAN_SMTP_PASSWORD, else read from
	// PasswordFile, else the password key of the file.
	Password       string
	PasswordFile   string   // relative to the working directory, like the other paths
	MaxConnections int      // pooled connections, default 2
	RatePerMinute  int      // messages per minute, 0 = no limit
	Timeout        Duration // per SMTP command, default 30s
	// Pipelining sends a message's MAIL, RCPT and DATA together when the
	// server offers PIPELINING (RFC 2920); default true.
	Pipelining bool
}

// AdminConfig is the [admin] table of the admin console.
type AdminConfig struct {
	Listen       string // host:port, default 127.0.0.1:8080
	Password     string // secret; DUBAN_ADMIN_PASSWORD overrides
	PasswordHash string // secret
}

// HeartbeatConfig is the [heartbeat] table: a URL requested (GET) after
// every successful job run, so that an external monitor (healthchecks.io,
// Uptime Kuma, …) notices a daemon that stopped running its jobs.
type HeartbeatConfig struct {
	URL     string   // http(s) URL; "" = no heartbeat
	Timeout Duration // of each request, default 10s
}

// LogConfig is the [log] table.
type LogConfig struct {
	Level  string // debug, info (default), warn or error
	Format string // text (default) or json
}

// CalendarConfig is the [calendar] table: corrections to the built-in
// Chinese workday calendar.
type CalendarConfig struct {
	Holidays []ledger.Date // extra non-workdays
	Workdays []ledger.Date // extra workdays (调休)
}

// Job is one [jobs.NAME] table. Its schedule parsed at load time (see
// ParseSchedule).
type Job struct {
	Schedule string   // robfig/cron: 5 fields or a descriptor like @daily, @every 1h
	CatchUp  Duration // how far back a missed run is caught up at start, default 24h; 0 = never
}

// Duty is one [[duties]] table: a recurring report every assigned unit must
// submit for each period.
type Duty struct {
	ID     string
	Name   string
	Period string // PeriodMonthly, PeriodQuarterly, PeriodHalfYearly or PeriodYearly
	DueDay int    // due this many days after the period ends

	RemindDays        []int // remind N days before the due date, descending, default [3 1]
	OverdueEveryDays  int   // repeat the overdue reminder every N days, default 3
	EscalateAfterDays int   // supervisors get the non-submitters N days after the due date, default 0

	Units  []string // unit codes, "kind:KIND" or "*"; see Config.DutyUnits
	Exempt []string // unit codes left out
	Start  string   // first period supervised, like 2025-01, 2025-Q1, 2025-H1 or 2025
	// DueOnWorkday moves a due date on a non-workday to the next workday (default true).
	DueOnWorkday bool
	Supervisors  []string // addresses; default Config.Supervisors
}

// Job names.
const (
	JobDeadlines = "deadlines"
	JobDuties    = "duties"
	JobFollowups = "followups"
	JobSummary   = "summary"
)

// Mail transports.
const (
	TransportOutbox = "outbox"
	TransportSMTP   = "smtp"
)

// SMTP TLS modes.
const (
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"
)

// Duty periods.
const (
	PeriodMonthly    = "monthly"
	PeriodQuarterly  = "quarterly"
	PeriodHalfYearly = "half-yearly"
	PeriodYearly     = "yearly"
)

// Duration is a time.Duration written in TOML as a string like "24h" or "90m".
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText prints the duration without trailing zero units ("24h", not "24h0m0s").
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d Duration) String() string {
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Unit returns the unit with the given code.
func (c *Config) Unit(code string) (ledger.Unit, bool) {
	for _, u := range c.Units {
		if u.Code == code {
			return u, true
		}
	}
	return ledger.Unit{}, false
}

// Leader returns the leader with the given code.
func (c *Config) Leader(code string) (ledger.Leader, bool) {
	for _, l := range c.Leaders {
		if l.Code == code {
			return l, true
		}
	}
	return ledger.Leader{}, false
}

// Round returns the round with the given code.
func (c *Config) Round(code string) (ledger.Round, bool) {
	for _, r := range c.Rounds {
		if r.Code == code {
			return r, true
		}
	}
	return ledger.Round{}, false
}

// Duty returns the duty with the given id.
func (c *Config) Duty(id string) (Duty, bool) {
	for _, d := range c.Duties {
		if d.ID == id {
			return d, true
		}
	}
	return Duty{}, false
}

// DutyUnits returns the codes of the units that must submit d: those its
// Units name (a code, "kind:KIND" or "*" for all), minus Exempt, in the order
// of the config's units.
func (c *Config) DutyUnits(d Duty) []string {
	var codes []string
	for _, u := range c.Units {
		if slices.Contains(d.Exempt, u.Code) {
			continue
		}
		if dutyAssigns(d.Units, u) {
			codes = append(codes, u.Code)
		}
	}
	return codes
}

// dutyAssigns reports whether one of the duty's unit selectors matches u.
func dutyAssigns(selectors []string, u ledger.Unit) bool {
	for _, s := range selectors {
		if s == "*" || s == u.Code {
			return true
		}
		if kind, ok := strings.CutPrefix(s, "kind:"); ok && ledger.UnitKind(kind) == u.Kind {
			return true
		}
	}
	return false
}

// ResolveUnit maps a unit code or exact unit name, as a ledger sheet writes
// it, to the unit's code.
func (c *Config) ResolveUnit(nameOrCode string) (string, bool) {
	s := strings.TrimSpace(nameOrCode)
	if u, ok := c.Unit(s); ok {
		return u.Code, true
	}
	for _, u := range c.Units {
		if u.Name == s {
			return u.Code, true
		}
	}
	return "", false
}

// ResolveLeader maps a leader code or exact leader name to the leader's code.
func (c *Config) ResolveLeader(nameOrCode string) (string, bool) {
	s := strings.TrimSpace(nameOrCode)
	if l, ok := c.Leader(s); ok {
		return l.Code, true
	}
	for _, l := range c.Leaders {
		if l.Name == s {
			return l.Code, true
		}
	}
	return "", false
}
