// Package config loads duban's TOML configuration, applies DUBAN_*
// environment overrides, fills in defaults and validates the result.
//
// Every problem is reported with where it is: the file and line, the field
// path (like units[3].leader, indexes counted from 0) or the environment
// variable that supplied the value. Load reports all problems it finds at
// once, so that an administrator fixes a config in one pass.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"duban/internal/password"
	"duban/ledger"
)

// Config is the effective configuration: the file, overridden by the
// environment, with every optional setting defaulted. The toml tags are the
// file format: Load decodes the file into this struct and Redacted prints it.
type Config struct {
	Timezone string         `toml:"timezone"` // IANA name, default Asia/Shanghai
	Location *time.Location `toml:"-"`        // resolved from Timezone

	// Supervisors are the addresses of the 整改领导小组办公室: they get the
	// summaries and severe escalations, and they supervise every duty that
	// names no supervisors of its own.
	Supervisors []string `toml:"supervisors"`
	// SupervisorRobots are the supervisors' group-chat robots: they get
	// what the supervisors' mailboxes get.
	SupervisorRobots ledger.Robots `toml:"supervisor_robots"`

	Database  DatabaseConfig  `toml:"database"`
	Mail      MailConfig      `toml:"mail"`
	Admin     AdminConfig     `toml:"admin"`
	Heartbeat HeartbeatConfig `toml:"heartbeat"`
	Log       LogConfig       `toml:"log"`
	Report    ReportConfig    `toml:"report"`
	Notice    NoticeConfig    `toml:"notice"`
	Policy    ledger.Policy   `toml:"policy"`
	Calendar  CalendarConfig  `toml:"calendar"`

	// Warnings are problems that do not stop duban, such as a config file
	// that others may read although it holds a secret; the caller logs them.
	Warnings []string `toml:"-"`

	// Jobs always holds the four jobs (JobDeadlines, JobDuties,
	// JobFollowups, JobSummary), defaulted when the file leaves them out.
	Jobs map[string]Job `toml:"jobs"`

	Rounds  []ledger.Round  `toml:"rounds"`
	Leaders []ledger.Leader `toml:"leaders"`
	Units   []ledger.Unit   `toml:"units"`
	Duties  []Duty          `toml:"duties"`
}

// DatabaseConfig is the [database] table.
type DatabaseConfig struct {
	URL string `toml:"url"` // "sqlite:PATH" (default sqlite:duban.db) or "postgres://…"; DUBAN_DATABASE_URL overrides
	// SeedLedger is a ledger file that serve imports into an empty database,
	// so that a first start shows the daemon at work; "" = none.
	SeedLedger string `toml:"seed_ledger"`
}

// MailConfig is the [mail] table.
type MailConfig struct {
	Transport    string `toml:"transport"`     // TransportOutbox (default) or TransportSMTP
	From         string `toml:"from"`          // required; may carry a display name: "整改办 <zgb@zgh.example.org>"
	OutboxDir    string `toml:"outbox_dir"`    // where the outbox transport writes .eml files, default "outbox"
	MaxAttempts  int    `toml:"max_attempts"`  // delivery attempts before a dispatch fails, default 8
	TemplatesDir string `toml:"templates_dir"` // overrides of the embedded templates; "" = embedded only
	// Lease is how long a replica owns a dispatch it claimed; a crashed
	// replica's dispatches are taken over by the others once it expires.
	// 0s in the file = derived: four times the SMTP timeout for smtp, 2m
	// for the outbox. Always set after Load.
	Lease Duration `toml:"lease"`
	// PollEvery is how often an idle delivery worker looks for work it was
	// not woken for (dispatches queued by another replica, leases of a
	// replica that died): half the lease, between 1s and 30s, so that a dead
	// replica's work is taken over within about one lease. Derived, not in
	// the file.
	PollEvery time.Duration `toml:"-"`
	// RetryBase is the wait after the first failed attempt; each further
	// failure doubles it (with jitter), up to 6h. Default 1m.
	RetryBase Duration   `toml:"retry_base"`
	SMTP      SMTPConfig `toml:"smtp"`
}

// SMTPConfig is the [mail.smtp] table.
type SMTPConfig struct {
	Host     string `toml:"host"`
	Port     int    `toml:"port"` // default 587 for starttls, 465 for tls, 25 for none
	TLS      string `toml:"tls"`  // TLSStartTLS (default), TLSImplicit or TLSNone
	Username string `toml:"username"`
	// Password is a secret: from DUBAN_SMTP_PASSWORD, else read from
	// PasswordFile, else the password key of the file.
	Password       string   `toml:"password"`
	PasswordFile   string   `toml:"password_file"`   // relative to the working directory, like the other paths
	MaxConnections int      `toml:"max_connections"` // pooled connections, default 2
	RatePerMinute  int      `toml:"rate_per_minute"` // messages per minute, 0 = no limit
	Timeout        Duration `toml:"timeout"`         // per SMTP command, default 30s
}

// AdminConfig is the [admin] table of the admin console.
type AdminConfig struct {
	Listen string `toml:"listen"` // host:port, default 127.0.0.1:8080
	// Password and PasswordHash are the bootstrap account "admin"'s.
	Password     string `toml:"password"`      // secret; DUBAN_ADMIN_PASSWORD overrides
	PasswordHash string `toml:"password_hash"` // secret, a bcrypt hash
	// PublicURL is where people reach the console, like
	// https://duban.example.org; with https the cookies are Secure.
	PublicURL string `toml:"public_url"`
	// TrustedProxies are the reverse proxies (CIDRs or addresses) whose
	// X-Forwarded-For names the client; from any other peer it is a lie
	// that could dodge the login throttle.
	TrustedProxies []string       `toml:"trusted_proxies"`
	Proxies        []netip.Prefix `toml:"-"` // TrustedProxies parsed
	// SecretKey signs the units' links (a secret, DUBAN_SECRET_KEY, at
	// least 32 characters); else it is read from SecretKeyFile; with
	// neither, a key is generated once and kept in the database, so that
	// every replica shares it.
	SecretKey     string `toml:"secret_key"`
	SecretKeyFile string `toml:"secret_key_file"`
	// LinkTTL is how long a unit's link stays valid, default 720h (30 days).
	LinkTTL Duration `toml:"link_ttl"`
	// MaxUploadMB bounds each file a unit uploads through its link, in MiB
	// (default 20).
	MaxUploadMB int `toml:"max_upload_mb"`
	// Contact is how a unit reaches the office when its messages carry no
	// link (no public_url), e.g. "电话 0531-12345678"; default: the sender's address.
	Contact string `toml:"contact"`
}

// SecureCookies reports whether the console is reached over HTTPS, so
// that its cookies must never travel in clear.
func (a AdminConfig) SecureCookies() bool {
	return strings.HasPrefix(strings.ToLower(a.PublicURL), "https://")
}

// CheckSecrets checks the bootstrap account's password: a password_hash
// must be a bcrypt hash, and a password must be long enough where other
// machines can reach the console. Load leaves this to check-config and
// serve, so that Redacted's output, where secrets are "******", loads again.
// The messages never quote the secrets.
func (a AdminConfig) CheckSecrets() error {
	var errs []error
	if a.Password != "" && !IsLoopback(a.Listen) {
		if err := password.Check(a.Password); err != nil {
			errs = append(errs, fmt.Errorf("admin.password (DUBAN_ADMIN_PASSWORD): %w, since admin.listen %s accepts connections from other machines", err, a.Listen))
		}
	}
	if a.PasswordHash != "" {
		if err := password.CheckHash(a.PasswordHash); err != nil {
			errs = append(errs, fmt.Errorf("admin.password_hash: %w", err))
		}
	}
	return errors.Join(errs...)
}

// IsLoopback reports whether a listen address (host:port) accepts
// connections from this machine only: localhost or a loopback IP. An empty
// host listens on every interface.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// HeartbeatConfig is the [heartbeat] table: a URL requested (GET) after
// every successful job run, so that an external monitor (healthchecks.io,
// Uptime Kuma, …) notices a daemon that stopped running its jobs, and with
// "/fail" appended after a failed run or delivery.
type HeartbeatConfig struct {
	URL     string   `toml:"url"`     // http(s) URL, a secret (it can ping the check); "" = no heartbeat
	Timeout Duration `toml:"timeout"` // of each request, default 10s
}

// LogConfig is the [log] table.
type LogConfig struct {
	Level  string `toml:"level"`  // debug, info (default), warn or error
	Format string `toml:"format"` // text (default) or json
}

// ReportConfig is the [report] table of the progress notice (duban report).
type ReportConfig struct {
	// LatestNotes is how many of an item's latest progress notes (item
	// progress --note) the notice prints after its 整改情况; 0 = none.
	LatestNotes int `toml:"latest_notes"`
}

// CalendarConfig is the [calendar] table: corrections to the built-in
// Chinese workday calendar. The file may write the days as TOML dates
// (2027-01-01) or as strings ("2027-01-01").
type CalendarConfig struct {
	Holidays []ledger.Date `toml:"holidays"` // extra non-workdays
	Workdays []ledger.Date `toml:"workdays"` // extra workdays (调休)
}

// Job is one [jobs.NAME] table. Its schedule parsed at load time (see
// ParseSchedule).
type Job struct {
	Schedule string   `toml:"schedule"` // robfig/cron: 5 fields or a descriptor like @daily, @every 1h
	CatchUp  Duration `toml:"catch_up"` // how far back a missed run is caught up at start, default 24h; 0 = never
}

// Duty is one [[duties]] table: a recurring report every assigned unit must
// submit for each period.
type Duty struct {
	ID     string `toml:"id"`
	Name   string `toml:"name"`
	Period string `toml:"period"`  // PeriodMonthly, PeriodQuarterly, PeriodHalfYearly or PeriodYearly
	DueDay int    `toml:"due_day"` // due this many days after the period ends

	RemindDays        []int `toml:"remind_days"`         // remind N days before the due date, descending, default [3 1]
	OverdueEveryDays  int   `toml:"overdue_every_days"`  // repeat the overdue reminder every N days, default 3
	EscalateAfterDays int   `toml:"escalate_after_days"` // supervisors get the non-submitters N days after the due date, default 0

	Units  []string `toml:"units"`  // unit codes, "kind:KIND" or "*"; see Config.DutyUnits
	Exempt []string `toml:"exempt"` // unit codes left out
	Start  string   `toml:"start"`  // first period supervised, like 2025-01, 2025-Q1, 2025-H1 or 2025; "" = see FirstSeen
	// FirstSeen is the day the database first saw the duty, filled in by
	// whoever opens the store. A duty without a start supervises the
	// periods due from that day on (ledger.DutySpec.FirstDueFrom).
	FirstSeen ledger.Date `toml:"-"`
	// DueOnWorkday moves a due date on a non-workday to the next workday (default true).
	DueOnWorkday bool `toml:"due_on_workday"`
	// Supervisors are addresses; default Config.Supervisors, and then the
	// supervisors' robots too.
	Supervisors []string `toml:"supervisors"`
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
type Duration struct {
	time.Duration
	invalid string // text that did not parse; Load reports it with its place
}

// UnmarshalText parses a Go duration string. Text that does not parse is
// kept for Load to report, so that the decoder carries on and every problem
// of the file is reported at once, each with its line.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		*d = Duration{invalid: string(b)}
		return nil
	}
	*d = Duration{Duration: v}
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

// UnitName is the name of the unit with the given code; an unknown code
// stands for itself.
func (c *Config) UnitName(code string) string {
	if u, ok := c.Unit(code); ok {
		return u.Name
	}
	return code
}

// UnitNames are the names of the units with the given codes, in order.
func (c *Config) UnitNames(codes []string) []string {
	names := make([]string, len(codes))
	for i, code := range codes {
		names[i] = c.UnitName(code)
	}
	return names
}

// LeaderName is the name of the leader with the given code; an unknown
// code stands for itself.
func (c *Config) LeaderName(code string) string {
	if l, ok := c.Leader(code); ok {
		return l.Name
	}
	return code
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

// RoundFor is the code of the round a command means: s is a configured
// round's code or name; when s is empty, the config's only round, so that
// an office with one inspection never has to name it.
func (c *Config) RoundFor(s string) (string, error) {
	if s = strings.TrimSpace(s); s != "" {
		for _, r := range c.Rounds {
			if r.Code == s || r.Name == s {
				return r.Code, nil
			}
		}
		known := make([]string, len(c.Rounds))
		for i, r := range c.Rounds {
			known[i] = r.Code
			if r.Name != "" && r.Name != r.Code {
				known[i] += " (" + r.Name + ")"
			}
		}
		if len(known) == 0 {
			return "", fmt.Errorf("unknown round %q: add it under [[rounds]] in the config", s)
		}
		return "", fmt.Errorf("unknown round %q: want %s, or add it under [[rounds]] in the config", s, strings.Join(known, ", "))
	}
	switch len(c.Rounds) {
	case 0:
		return "", errors.New("no [[rounds]] in the config: add one, e.g. code = \"2024-7\"")
	case 1:
		return c.Rounds[0].Code, nil
	}
	codes := make([]string, len(c.Rounds))
	for i, r := range c.Rounds {
		codes[i] = r.Code
	}
	return "", fmt.Errorf("several rounds in the config (%s): pass --round", strings.Join(codes, ", "))
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

// ResolveUnit maps a unit's code, name or alias, as a ledger sheet, a
// submission or a command line writes it, to the unit's code.
func (c *Config) ResolveUnit(s string) (string, bool) {
	u, ok := ledger.FindUnit(c.Units, s)
	return u.Code, ok
}

// ParseUnit is ResolveUnit with an error that lists the units, for a
// command-line flag.
func (c *Config) ParseUnit(s string) (string, error) {
	return ledger.ParseUnit(c.Units, s)
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
