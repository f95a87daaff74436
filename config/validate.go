package config

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"duban/ledger"
)

// finalize fills in the defaults that depend on other settings and reads
// the SMTP password file.
func (d *decoder) finalize(c *Config) {
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
	d.readPasswordFile(&c.Mail.SMTP)
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

// readPasswordFile reads the SMTP password from password_file, unless
// DUBAN_SMTP_PASSWORD already supplied it. One trailing line break, as
// editors and `echo` leave it, is not part of the password.
func (d *decoder) readPasswordFile(s *SMTPConfig) {
	const path = "mail.smtp.password_file"
	if s.PasswordFile == "" || d.envPaths["mail.smtp.password"] != "" {
		return
	}
	if s.Password != "" {
		d.errorf(path, "set either mail.smtp.password or mail.smtp.password_file, not both")
		return
	}
	b, err := readSmallFile(s.PasswordFile, maxPasswordFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		d.errorf(path, "cannot read password file %q: %v", s.PasswordFile, err)
		return
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	switch {
	case len(b) > maxPasswordFile:
		d.errorf(path, "password file %q is too large for a password", s.PasswordFile)
	case pw == "":
		d.errorf(path, "password file %q is empty", s.PasswordFile)
	case strings.ContainsAny(pw, "\r\n"):
		d.errorf(path, "password file %q must hold the password on one line", s.PasswordFile)
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

// validate checks every setting and every reference between settings.
func (d *decoder) validate(c *Config) {
	d.checkTimezone(c)
	d.checkAddresses("supervisors", c.Supervisors)
	d.checkDatabase(c.Database)
	d.checkMail(c.Mail)
	d.checkAdmin(c.Admin)
	d.checkHeartbeat(c.Heartbeat)
	d.checkLog(c.Log)
	d.checkPolicy(c.Policy)
	d.checkCalendar(c.Calendar)
	d.checkJobs(c.Jobs)
	d.checkRounds(c.Rounds)
	d.checkLeaders(c.Leaders)
	d.checkUnits(c)
	d.checkDuties(c)
}

func (d *decoder) checkTimezone(c *Config) {
	if c.Timezone == "" {
		d.errorf("timezone", "must not be empty: want an IANA zone like Asia/Shanghai")
		return
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		d.errorf("timezone", "invalid time zone %q: want an IANA zone like Asia/Shanghai", c.Timezone)
		return
	}
	c.Location = loc
}

func (d *decoder) checkDatabase(db DatabaseConfig) {
	const path = "database.url"
	switch {
	case strings.HasPrefix(db.URL, "sqlite:"):
		if strings.TrimPrefix(db.URL, "sqlite:") == "" {
			d.errorf(path, "sqlite: needs a file path, like sqlite:duban.db")
		}
	case strings.HasPrefix(db.URL, "postgres://"), strings.HasPrefix(db.URL, "postgresql://"):
		if _, err := url.Parse(db.URL); err != nil {
			d.errorf(path, "invalid PostgreSQL URL: %v", errors.Unwrap(err))
		}
	default:
		d.errorf(path, "want sqlite:PATH or postgres://user@host/db")
	}
}

func (d *decoder) checkMail(m MailConfig) {
	switch m.Transport {
	case TransportOutbox:
		if m.OutboxDir == "" {
			d.errorf("mail.outbox_dir", "is required for the outbox transport")
		}
	case TransportSMTP:
		if m.SMTP.Host == "" {
			d.errorf("mail.smtp.host", "is required for the smtp transport")
		}
	default:
		d.errorf("mail.transport", "unknown transport %q: want outbox or smtp", m.Transport)
	}
	if m.From == "" {
		d.errorf("mail.from", "is required, like \"整改办 <zgb@zgh.example.org>\"")
	} else if _, err := mail.ParseAddress(m.From); err != nil {
		d.errorf("mail.from", "invalid email address %q", m.From)
	}
	d.atLeast("mail.max_attempts", m.MaxAttempts, 1)
	if m.Lease.Duration != 0 && m.Lease.Duration < time.Second {
		d.errorf("mail.lease", "must be 1s or more (or 0s: four times mail.smtp.timeout), got %s", m.Lease)
	}
	if m.RetryBase.Duration <= 0 {
		d.errorf("mail.retry_base", "must be positive, got %s", m.RetryBase)
	}

	s := m.SMTP
	if defaultSMTPPort(s.TLS) == 0 {
		d.errorf("mail.smtp.tls", "unknown TLS mode %q: want starttls, tls or none", s.TLS)
	}
	if s.Port < 0 || s.Port > 65535 {
		d.errorf("mail.smtp.port", "must be between 1 and 65535, got %d", s.Port)
	}
	d.atLeast("mail.smtp.max_connections", s.MaxConnections, 1)
	d.atLeast("mail.smtp.rate_per_minute", s.RatePerMinute, 0)
	if s.Timeout.Duration <= 0 {
		d.errorf("mail.smtp.timeout", "must be positive, got %s", s.Timeout)
	}
}

func (d *decoder) checkAdmin(a AdminConfig) {
	_, port, err := net.SplitHostPort(a.Listen)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		d.errorf("admin.listen", "invalid address %q: want host:port, like 127.0.0.1:8080", a.Listen)
	}
}

// checkHeartbeat accepts an absolute http or https URL: the request is a
// plain GET, and anything else (a file, a mailto:) would never arrive.
func (d *decoder) checkHeartbeat(h HeartbeatConfig) {
	if h.URL != "" {
		u, err := url.Parse(h.URL)
		switch {
		case err != nil:
			d.errorf("heartbeat.url", "invalid URL: %v", errors.Unwrap(err))
		case u.Scheme != "http" && u.Scheme != "https":
			d.errorf("heartbeat.url", "want an http:// or https:// URL, got scheme %q", u.Scheme)
		case u.Host == "":
			d.errorf("heartbeat.url", "has no host: want like https://hc-ping.com/UUID")
		}
	}
	if h.Timeout.Duration <= 0 {
		d.errorf("heartbeat.timeout", "must be positive, got %s", h.Timeout)
	}
}

func (d *decoder) checkLog(l LogConfig) {
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		d.errorf("log.level", "unknown level %q: want debug, info, warn or error", l.Level)
	}
	switch l.Format {
	case "text", "json":
	default:
		d.errorf("log.format", "unknown format %q: want text or json", l.Format)
	}
}

func (d *decoder) checkPolicy(p ledger.Policy) {
	d.descendingDays("policy.lead_days", p.LeadDays)
	d.atLeast("policy.overdue_every_days", p.OverdueEveryDays, 1)
	d.atLeast("policy.escalate_after_days", p.EscalateAfterDays, 0)
	d.atLeast("policy.severe_after_days", p.SevereAfterDays, 0)
	d.atLeast("policy.yellow_days", p.YellowDays, 0)
	for i, n := range p.FollowupDays {
		path := indexPath("policy.followup_days", i)
		switch {
		case n <= 0:
			d.errorf(path, "must be positive, got %d", n)
		case i > 0 && n <= p.FollowupDays[i-1]:
			d.errorf(path, "must be greater than the one before: the list goes up, like [90, 180]")
		}
	}
}

// descendingDays checks a list of "N days before" reminders.
func (d *decoder) descendingDays(path string, days []int) {
	for i, n := range days {
		el := indexPath(path, i)
		switch {
		case n <= 0:
			d.errorf(el, "must be positive, got %d", n)
		case i > 0 && n >= days[i-1]:
			d.errorf(el, "must be smaller than the one before: the list goes down, like [7, 3, 1]")
		}
	}
}

func (d *decoder) atLeast(path string, n, low int) {
	if n < low {
		d.errorf(path, "must be %d or more, got %d", low, n)
	}
}

func (d *decoder) checkCalendar(cal CalendarConfig) {
	for i, day := range cal.Workdays {
		if slices.ContainsFunc(cal.Holidays, day.Equal) {
			d.errorf(indexPath("calendar.workdays", i), "%s is also listed in calendar.holidays", day)
		}
	}
}

func (d *decoder) checkJobs(jobs map[string]Job) {
	for _, name := range jobNames() {
		job := jobs[name]
		path := "jobs." + name
		if _, err := ParseSchedule(job.Schedule); err != nil {
			d.errorf(path+".schedule", "%v: want 5 fields (minute hour day month weekday) like \"0 9 * * *\", or @daily, @every 1h", err)
		}
		if job.CatchUp.Duration < 0 {
			d.errorf(path+".catch_up", "must not be negative, got %s", job.CatchUp)
		}
	}
}

func (d *decoder) checkRounds(rounds []ledger.Round) {
	seen := d.uniqueness("code")
	for i, r := range rounds {
		path := d.elemPaths["rounds"][i]
		if d.checkCode(path+".code", r.Code) {
			seen.check(path+".code", r.Code)
		}
	}
}

func (d *decoder) checkLeaders(leaders []ledger.Leader) {
	codes, names := d.uniqueness("code"), d.uniqueness("name")
	for i, l := range leaders {
		path := d.elemPaths["leaders"][i]
		if d.checkCode(path+".code", l.Code) {
			codes.check(path+".code", l.Code)
		}
		if d.required(path+".name", l.Name) {
			names.check(path+".name", l.Name)
		}
		if d.required(path+".email", l.Email) {
			d.checkAddress(path+".email", l.Email)
		}
	}
}

func (d *decoder) checkUnits(c *Config) {
	codes, names := d.uniqueness("code"), d.uniqueness("name")
	for i, u := range c.Units {
		path := d.elemPaths["units"][i]
		if d.checkCode(path+".code", u.Code) {
			codes.check(path+".code", u.Code)
		}
		if d.required(path+".name", u.Name) {
			names.check(path+".name", u.Name)
		}
		if !validKind(u.Kind) {
			d.errorf(path+".kind", "unknown kind %q: want department, unit or branch", u.Kind)
		}
		// An address rejected while decoding is not also "missing".
		if len(u.Emails) == 0 && !d.failedUnder(path+".emails") {
			d.errorf(path+".emails", "is required: at least one address")
		}
		d.checkAddresses(path+".emails", u.Emails)
		if _, ok := c.Leader(u.Leader); u.Leader != "" && !ok {
			d.errorf(path+".leader", "unknown leader %q: no [[leaders]] has this code", u.Leader)
		}
	}
}

func validKind(k ledger.UnitKind) bool {
	return k == ledger.KindDepartment || k == ledger.KindUnit || k == ledger.KindBranch
}

func (d *decoder) checkDuties(c *Config) {
	ids := d.uniqueness("id")
	for i, duty := range c.Duties {
		path := d.elemPaths["duties"][i]
		if d.checkCode(path+".id", duty.ID) {
			ids.check(path+".id", duty.ID)
		}
		d.required(path+".name", duty.Name)
		d.checkPeriod(path, duty)
		switch {
		case duty.DueDay == 0:
			d.errorf(path+".due_day", "is required: days after the period ends, 1 to 366")
		case duty.DueDay < 1 || duty.DueDay > 366:
			d.errorf(path+".due_day", "must be between 1 and 366, got %d", duty.DueDay)
		}
		d.descendingDays(path+".remind_days", duty.RemindDays)
		d.atLeast(path+".overdue_every_days", duty.OverdueEveryDays, 1)
		d.atLeast(path+".escalate_after_days", duty.EscalateAfterDays, 0)
		d.checkDutyUnits(c, path, duty)
		d.checkAddresses(path+".supervisors", duty.Supervisors)
	}
}

func (d *decoder) checkPeriod(path string, duty Duty) {
	switch duty.Period {
	case PeriodMonthly, PeriodQuarterly, PeriodHalfYearly, PeriodYearly:
	case "":
		d.errorf(path+".period", "is required: monthly, quarterly, half-yearly or yearly")
		return
	default:
		d.errorf(path+".period", "unknown period %q: want monthly, quarterly, half-yearly or yearly", duty.Period)
		return
	}
	if duty.Start == "" {
		d.errorf(path+".start", "is required: the first period supervised, like %s", periodExample(duty.Period))
	} else if !validPeriod(duty.Period, duty.Start) {
		d.errorf(path+".start", "invalid %s period %q: want like %s", duty.Period, duty.Start, periodExample(duty.Period))
	}
}

func periodExample(period string) string {
	switch period {
	case PeriodMonthly:
		return "2025-01"
	case PeriodQuarterly:
		return "2025-Q1"
	case PeriodHalfYearly:
		return "2025-H1"
	}
	return "2025"
}

// validPeriod reports whether s names one period of the given kind:
// 2025-03 (monthly), 2025-Q1 (quarterly), 2025-H1 (half-yearly), 2025 (yearly).
func validPeriod(period, s string) bool {
	if len(s) < 4 || !allDigits(s[:4]) || s[:4] == "0000" {
		return false
	}
	rest := s[4:]
	switch period {
	case PeriodMonthly:
		if len(rest) != 3 || rest[0] != '-' || !allDigits(rest[1:]) {
			return false
		}
		m, _ := strconv.Atoi(rest[1:])
		return m >= 1 && m <= 12
	case PeriodQuarterly:
		return len(rest) == 3 && rest[:2] == "-Q" && rest[2] >= '1' && rest[2] <= '4'
	case PeriodHalfYearly:
		return len(rest) == 3 && rest[:2] == "-H" && (rest[2] == '1' || rest[2] == '2')
	case PeriodYearly:
		return rest == ""
	}
	return false
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func (d *decoder) checkDutyUnits(c *Config, path string, duty Duty) {
	if len(duty.Units) == 0 {
		d.errorf(path+".units", "is required: unit codes, \"kind:department\", \"kind:unit\", \"kind:branch\" or \"*\"")
		return
	}
	selectorsOK := true
	for j, sel := range duty.Units {
		if !d.checkSelector(c, indexPath(path+".units", j), sel) {
			selectorsOK = false
		}
	}
	for j, code := range duty.Exempt {
		if _, ok := c.Unit(code); !ok {
			d.errorf(indexPath(path+".exempt", j), "unknown unit %q: no [[units]] has this code", code)
		}
	}
	if selectorsOK && len(c.DutyUnits(duty)) == 0 {
		d.errorf(path+".units", "assigns the duty to no unit")
	}
}

func (d *decoder) checkSelector(c *Config, path, sel string) bool {
	if sel == "*" {
		return true
	}
	if kind, ok := strings.CutPrefix(sel, "kind:"); ok {
		if !validKind(ledger.UnitKind(kind)) {
			d.errorf(path, "unknown unit kind %q: want kind:department, kind:unit or kind:branch", kind)
			return false
		}
		return true
	}
	if _, ok := c.Unit(sel); !ok {
		d.errorf(path, "unknown unit %q: no [[units]] has this code", sel)
		return false
	}
	return true
}

// failedUnder reports whether a field at or under path has an error.
func (d *decoder) failedUnder(path string) bool {
	for p := range d.failed {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return false
}

// required reports an empty required field; it returns whether s is set.
func (d *decoder) required(path, s string) bool {
	if s == "" {
		d.errorf(path, "is required")
		return false
	}
	return true
}

// checkCode checks a code or id: required, and free of the characters that
// separate codes elsewhere (",", "、", ":", "|", spaces), so that codes can
// be listed in a sheet cell, a duty's units and a reminder key.
func (d *decoder) checkCode(path, code string) bool {
	if !d.required(path, code) {
		return false
	}
	for _, r := range code {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			d.errorf(path, "invalid code %q: use letters, digits, \"-\", \"_\" or \".\"", code)
			return false
		}
	}
	return true
}

func (d *decoder) checkAddresses(path string, addrs []string) {
	for i, a := range addrs {
		d.checkAddress(indexPath(path, i), a)
	}
}

// checkAddress accepts a bare address only (no display name, no angle
// brackets): these fields name mailboxes, and the names come from the
// units and leaders.
func (d *decoder) checkAddress(path, s string) {
	a, err := mail.ParseAddress(s)
	switch {
	case err != nil:
		d.errorf(path, "invalid email address %q", s)
	case a.Address != s:
		d.errorf(path, "want a bare address like bgs@zgh.example.org, got %q", s)
	}
}

// uniqueness finds duplicate values among the elements of one list.
type uniqueness struct {
	d     *decoder
	what  string
	first map[string]string // value → path of its first use
}

func (d *decoder) uniqueness(what string) *uniqueness {
	return &uniqueness{d: d, what: what, first: map[string]string{}}
}

func (u *uniqueness) check(path, value string) {
	firstPath, dup := u.first[value]
	if !dup {
		u.first[value] = path
		return
	}
	where := parentPath(firstPath) // the element, like units[0]
	if env, line := u.d.locate(firstPath); env == "" && line > 0 {
		where += " on line " + strconv.Itoa(line)
	}
	u.d.errorf(path, "duplicate %s %q: already used by %s", u.what, value, where)
}
