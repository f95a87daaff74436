package config

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"duban/ledger"
)

// defaultConfig is the configuration of an empty file. Lists are empty,
// not nil, so that a loaded config and its printed form compare equal.
func defaultConfig() Config {
	return Config{
		Timezone:    "Asia/Shanghai",
		Supervisors: []string{},
		Database:    DatabaseConfig{URL: "sqlite:duban.db"},
		Mail: MailConfig{
			Transport:   TransportOutbox,
			OutboxDir:   "outbox",
			MaxAttempts: 8,
			RetryBase:   Duration{Duration: time.Minute},
			SMTP: SMTPConfig{
				TLS:            TLSStartTLS,
				MaxConnections: 2,
				Timeout:        Duration{Duration: 30 * time.Second},
			},
		},
		Admin: AdminConfig{Listen: "127.0.0.1:8080", TrustedProxies: []string{},
			LinkTTL: Duration{Duration: 30 * 24 * time.Hour}, MaxUploadMB: 20},
		Heartbeat: HeartbeatConfig{Timeout: Duration{Duration: 10 * time.Second}},
		Log:       LogConfig{Level: "info", Format: "text"},
		Notice:    defaultNotice(),
		Policy:    ledger.DefaultPolicy(),
		Calendar:  CalendarConfig{Holidays: []ledger.Date{}, Workdays: []ledger.Date{}},
		Jobs:      defaultJobs(),
		Rounds:    []ledger.Round{},
		Leaders:   []ledger.Leader{},
		Units:     []ledger.Unit{},
		Duties:    []Duty{},
	}
}

func defaultJobs() map[string]Job {
	day := Duration{Duration: 24 * time.Hour}
	return map[string]Job{
		JobDeadlines: {Schedule: "0 9 * * *", CatchUp: day},
		JobDuties:    {Schedule: "30 9 * * *", CatchUp: day},
		JobFollowups: {Schedule: "0 10 * * 1", CatchUp: day},
		JobSummary:   {Schedule: "0 8 * * 1", CatchUp: day},
	}
}

func jobNames() []string {
	return []string{JobDeadlines, JobDuties, JobFollowups, JobSummary}
}

// elementDefaults fills in the keys a [[units]] or [[duties]] table leaves
// out: go-toml starts every element of a list from zero, so whether a key
// is there is asked of the parsed file. A duty's supervisors stay nil
// until finalize, which tells "unset" from an explicit empty list.
func (p *problems) elementDefaults(c *Config) {
	for i := range c.Units {
		if !p.inFile(indexPath("units", i) + ".kind") {
			c.Units[i].Kind = ledger.KindDepartment
		}
	}
	for i := range c.Duties {
		d, at := &c.Duties[i], indexPath("duties", i)+"."
		if !p.inFile(at + "remind_days") {
			d.RemindDays = []int{3, 1}
		}
		if !p.inFile(at + "overdue_every_days") {
			d.OverdueEveryDays = 3
		}
		if !p.inFile(at + "exempt") {
			d.Exempt = []string{}
		}
		if !p.inFile(at + "due_on_workday") {
			d.DueOnWorkday = true
		}
	}
}

func (p *problems) inFile(path string) bool {
	_, ok := valueAt(p.tree, path)
	return ok
}

// calendarDays reads a [calendar] list, whose days may be TOML dates
// (2027-01-01) or strings ("2027-01-01").
func (p *problems) calendarDays(path string, raw []any) []ledger.Date {
	days := make([]ledger.Date, 0, len(raw))
	for i, v := range raw {
		el := indexPath(path, i)
		switch x := v.(type) {
		case toml.LocalDate:
			days = append(days, ledger.NewDate(x.Year, time.Month(x.Month), x.Day))
		case string:
			day, err := ledger.ParseDate(x)
			if err != nil {
				p.errorf(el, "%v", err)
				continue
			}
			days = append(days, day)
		default:
			p.errorf(el, "%s", wrongType(el, "a date (YYYY-MM-DD)", v))
		}
	}
	return days
}

// finalize fills in the defaults that depend on other settings and reads
// the SMTP password file.
func (p *problems) finalize(c *Config) {
	if c.Mail.SMTP.Port == 0 {
		c.Mail.SMTP.Port = defaultSMTPPort(c.Mail.SMTP.TLS)
	}
	for i := range c.Rounds {
		if c.Rounds[i].Name == "" {
			c.Rounds[i].Name = c.Rounds[i].Code
		}
	}
	for i := range c.Duties {
		if c.Duties[i].Supervisors == nil {
			c.Duties[i].Supervisors = slices.Clone(c.Supervisors)
		}
	}
	p.readPasswordFile(&c.Mail.SMTP)
	p.readSecretKeyFile(&c.Admin)
}

func defaultSMTPPort(tlsMode string) int {
	switch tlsMode {
	case TLSStartTLS:
		return 587
	case TLSImplicit:
		return 465
	case TLSNone:
		return 25
	}
	return 0 // an unknown mode is reported by checkMail
}

// deriveDelivery sets the lease when the file leaves it at 0s: long enough
// for a slow SMTP exchange, short enough that a crashed replica's work is
// soon picked up by another. Idle workers poll at half the lease, so that
// another replica's expired leases are taken over within about one lease,
// between every second and every half minute.
func deriveDelivery(m *MailConfig) {
	if m.Lease.Duration == 0 {
		m.Lease.Duration = 2 * time.Minute
		if m.Transport == TransportSMTP && m.SMTP.Timeout.Duration > 0 {
			m.Lease.Duration = 4 * m.SMTP.Timeout.Duration
		}
	}
	m.PollEvery = min(maxPollEvery, max(m.Lease.Duration/2, time.Second))
}

// maxPollEvery bounds the idle poll of a long lease: new dispatches of
// another replica wait no longer than this.
const maxPollEvery = 30 * time.Second

// readPasswordFile reads the SMTP password from password_file, unless
// DUBAN_SMTP_PASSWORD already supplied it. One trailing line break, as
// editors and `echo` leave it, is not part of the password.
func (p *problems) readPasswordFile(s *SMTPConfig) {
	const path = "mail.smtp.password_file"
	if s.PasswordFile == "" || p.envPaths["mail.smtp.password"] != "" {
		return
	}
	if s.Password != "" {
		p.errorf(path, "set either mail.smtp.password or mail.smtp.password_file, not both")
		return
	}
	b, err := readSmallFile(s.PasswordFile, maxPasswordFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		p.errorf(path, "cannot read password file %q: %v", s.PasswordFile, err)
		return
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	switch {
	case len(b) > maxPasswordFile:
		p.errorf(path, "password file %q is too large for a password", s.PasswordFile)
	case pw == "":
		p.errorf(path, "password file %q is empty", s.PasswordFile)
	case strings.ContainsAny(pw, "\r\n"):
		p.errorf(path, "password file %q must hold the password on one line", s.PasswordFile)
	default:
		s.Password = pw
	}
}

// maxPasswordFile bounds what is read of a password file, so that a
// mistaken path (a log, a device) cannot exhaust memory.
const maxPasswordFile = 4096

// readSmallFile reads at most limit+1 bytes of a file: more than limit
// bytes means the file is too large.
func readSmallFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}
