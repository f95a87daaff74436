package config

import (
	"errors"
	"maps"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"duban/ledger"
)

// checkValues checks what the type of a field alone does not: that no
// string spans lines (in names and addresses a line break would let a value
// inject mail headers), that integers fit 32 bits and that durations
// parse. It runs before validate, whose checks of the same fields it
// supersedes.
func (p *problems) checkValues(path string, v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[Duration]():
		// go-toml takes a table for a Duration, which is a struct.
		if inFile, ok := valueAt(p.tree, path); ok && p.envPaths[path] == "" {
			if _, table := inFile.(map[string]any); table {
				p.errorf(path, "%s", wrongType(path, "a string", inFile))
			}
		}
		if bad := v.Interface().(Duration).invalid; bad != "" {
			p.errorf(path, "invalid duration %q: want a number with a unit, like \"24h\" or \"90m\"", bad)
		}
	case v.Kind() == reflect.String:
		if strings.ContainsAny(v.String(), "\r\n") {
			p.errorf(path, "must not contain a line break (CR or LF)")
		}
	case v.Kind() == reflect.Int:
		if n := v.Int(); n < math.MinInt32 || n > math.MaxInt32 {
			p.errorf(path, "integer %d is out of range", n)
		}
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			p.checkValues(indexPath(path, i), v.Index(i))
		}
	case v.Kind() == reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			p.checkValues(joinPath(path, k.String()), v.MapIndex(k))
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if key := tomlKey(v.Type().Field(i)); key != "" {
				p.checkValues(joinPath(path, key), v.Field(i))
			}
		}
	}
}

// validate checks every setting and every reference between settings.
func (p *problems) validate(c *Config) {
	p.checkTimezone(c)
	p.checkAddresses("supervisors", c.Supervisors)
	p.checkRobots("supervisor_robots", c.SupervisorRobots)
	p.checkDatabase(c.Database)
	p.checkMail(c.Mail)
	p.checkAdmin(&c.Admin)
	p.checkHeartbeat(c.Heartbeat)
	p.checkLog(c.Log)
	if n := c.Report.LatestNotes; n < 0 || n > maxLatestNotes {
		p.errorf("report.latest_notes", "must be 0 to %d, got %d", maxLatestNotes, n)
	}
	p.checkNotice(c.Notice)
	p.checkPolicy(c.Policy)
	p.checkCalendar(c.Calendar)
	p.checkJobs(c.Jobs)
	p.checkRounds(c.Rounds)
	p.checkLeaders(c.Leaders)
	p.checkUnits(c)
	p.checkDuties(c)
}

func (p *problems) checkTimezone(c *Config) {
	if c.Timezone == "" {
		p.errorf("timezone", "must not be empty: want an IANA zone like Asia/Shanghai")
		return
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		p.errorf("timezone", "invalid time zone %q: want an IANA zone like Asia/Shanghai", c.Timezone)
		return
	}
	c.Location = loc
}

func (p *problems) checkDatabase(db DatabaseConfig) {
	const path = "database.url"
	switch {
	case strings.HasPrefix(db.URL, "sqlite:"):
		if strings.TrimPrefix(db.URL, "sqlite:") == "" {
			p.errorf(path, "sqlite: needs a file path, like sqlite:duban.db")
		}
	case strings.HasPrefix(db.URL, "postgres://"), strings.HasPrefix(db.URL, "postgresql://"):
		if _, err := url.Parse(db.URL); err != nil {
			p.errorf(path, "invalid PostgreSQL URL: %v", errors.Unwrap(err))
		}
	default:
		p.errorf(path, "want sqlite:PATH or postgres://user@host/db")
	}
}

func (p *problems) checkMail(m MailConfig) {
	switch m.Transport {
	case TransportOutbox:
		if m.OutboxDir == "" {
			p.errorf("mail.outbox_dir", "is required for the outbox transport")
		}
	case TransportSMTP:
		if m.SMTP.Host == "" {
			p.errorf("mail.smtp.host", "is required for the smtp transport")
		}
	default:
		p.errorf("mail.transport", "unknown transport %q: want outbox or smtp", m.Transport)
	}
	if m.From == "" {
		p.errorf("mail.from", "is required, like \"整改办 <zgb@zgh.example.org>\"")
	} else if _, err := mail.ParseAddress(m.From); err != nil {
		p.errorf("mail.from", "invalid email address %q", m.From)
	}
	p.atLeast("mail.max_attempts", m.MaxAttempts, 1)
	if m.Lease.Duration != 0 && m.Lease.Duration < time.Second {
		p.errorf("mail.lease", "must be 1s or more (or 0s: four times mail.smtp.timeout), got %s", m.Lease)
	}
	if m.RetryBase.Duration <= 0 {
		p.errorf("mail.retry_base", "must be positive, got %s", m.RetryBase)
	}

	s := m.SMTP
	if defaultSMTPPort(s.TLS) == 0 {
		p.errorf("mail.smtp.tls", "unknown TLS mode %q: want starttls, tls or none", s.TLS)
	}
	if s.Port < 0 || s.Port > 65535 {
		p.errorf("mail.smtp.port", "must be between 1 and 65535, got %d", s.Port)
	}
	p.atLeast("mail.smtp.max_connections", s.MaxConnections, 1)
	p.atLeast("mail.smtp.rate_per_minute", s.RatePerMinute, 0)
	if s.Timeout.Duration <= 0 {
		p.errorf("mail.smtp.timeout", "must be positive, got %s", s.Timeout)
	}
}

func (p *problems) checkAdmin(a *AdminConfig) {
	_, port, err := net.SplitHostPort(a.Listen)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		p.errorf("admin.listen", "invalid address %q: want host:port, like 127.0.0.1:8080", a.Listen)
	}
	p.checkPublicURL(a.PublicURL)
	p.checkLinks(a)
	a.Proxies = make([]netip.Prefix, 0, len(a.TrustedProxies))
	for i, s := range a.TrustedProxies {
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil {
				p.errorf(indexPath("admin.trusted_proxies", i), "invalid address %q: want a CIDR like 10.0.0.0/8 or an address like 127.0.0.1", s)
				continue
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		a.Proxies = append(a.Proxies, prefix.Masked())
	}
}

// checkPublicURL accepts an absolute http or https URL without query or
// fragment: links and redirects are built by appending paths to it.
func (p *problems) checkPublicURL(raw string) {
	if raw == "" {
		return
	}
	const path = "admin.public_url"
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		p.errorf(path, "invalid URL: %v", errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		p.errorf(path, "want an http:// or https:// URL, like https://duban.example.org, got %q", raw)
	case u.Host == "" || u.Hostname() == "":
		p.errorf(path, "has no host: want like https://duban.example.org, got %q", raw)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		p.errorf(path, "want the console's address alone, like https://duban.example.org, got %q", raw)
	}
}

// checkHeartbeat accepts an absolute http or https URL: the request is a
// plain GET, and anything else (a file, a mailto:) would never arrive.
func (p *problems) checkHeartbeat(h HeartbeatConfig) {
	if h.URL != "" {
		u, err := url.Parse(h.URL)
		switch {
		case err != nil:
			p.errorf("heartbeat.url", "invalid URL: %v", errors.Unwrap(err))
		case u.Scheme != "http" && u.Scheme != "https":
			p.errorf("heartbeat.url", "want an http:// or https:// URL, got scheme %q", u.Scheme)
		case u.Host == "":
			p.errorf("heartbeat.url", "has no host: want like https://hc-ping.com/UUID")
		}
	}
	if h.Timeout.Duration <= 0 {
		p.errorf("heartbeat.timeout", "must be positive, got %s", h.Timeout)
	}
}

// maxLatestNotes bounds the notes a notice prints per problem: a notice
// is read on paper.
const maxLatestNotes = 20

func (p *problems) checkLog(l LogConfig) {
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		p.errorf("log.level", "unknown level %q: want debug, info, warn or error", l.Level)
	}
	switch l.Format {
	case "text", "json":
	default:
		p.errorf("log.format", "unknown format %q: want text or json", l.Format)
	}
}

func (p *problems) checkPolicy(pol ledger.Policy) {
	p.descendingDays("policy.lead_days", pol.LeadDays)
	p.atLeast("policy.overdue_every_days", pol.OverdueEveryDays, 1)
	p.atLeast("policy.escalate_after_days", pol.EscalateAfterDays, 0)
	p.atLeast("policy.severe_after_days", pol.SevereAfterDays, 0)
	p.atLeast("policy.yellow_days", pol.YellowDays, 0)
	for i, n := range pol.FollowupDays {
		path := indexPath("policy.followup_days", i)
		switch {
		case n <= 0:
			p.errorf(path, "must be positive, got %d", n)
		case i > 0 && n <= pol.FollowupDays[i-1]:
			p.errorf(path, "must be greater than the one before: the list goes up, like [90, 180]")
		}
	}
}

// descendingDays checks a list of "N days before" reminders.
func (p *problems) descendingDays(path string, days []int) {
	for i, n := range days {
		el := indexPath(path, i)
		switch {
		case n <= 0:
			p.errorf(el, "must be positive, got %d", n)
		case i > 0 && n >= days[i-1]:
			p.errorf(el, "must be smaller than the one before: the list goes down, like [7, 3, 1]")
		}
	}
}

func (p *problems) atLeast(path string, n, low int) {
	if n < low {
		p.errorf(path, "must be %d or more, got %d", low, n)
	}
}

func (p *problems) checkCalendar(cal CalendarConfig) {
	for i, day := range cal.Workdays {
		if slices.ContainsFunc(cal.Holidays, day.Equal) {
			p.errorf(indexPath("calendar.workdays", i), "%s is also listed in calendar.holidays", day)
		}
	}
}

func (p *problems) checkJobs(jobs map[string]Job) {
	for _, name := range slices.Sorted(maps.Keys(jobs)) {
		if !slices.Contains(jobNames(), name) {
			p.errorf("jobs."+name, "unknown job%s: the jobs are %s", suggest(name, jobNames()), strings.Join(jobNames(), ", "))
		}
	}
	for _, name := range jobNames() {
		job := jobs[name]
		path := "jobs." + name
		if _, err := ParseSchedule(job.Schedule); err != nil {
			p.errorf(path+".schedule", "%v: want 5 fields (minute hour day month weekday) like \"0 9 * * *\", or @daily, @every 1h", err)
		}
		if job.CatchUp.Duration < 0 {
			p.errorf(path+".catch_up", "must not be negative, got %s", job.CatchUp)
		}
	}
}

func (p *problems) checkRounds(rounds []ledger.Round) {
	seen := p.uniqueness("code")
	for i, r := range rounds {
		path := indexPath("rounds", i)
		if p.checkCode(path+".code", r.Code) {
			seen.check(path+".code", r.Code)
		}
	}
}

func (p *problems) checkLeaders(leaders []ledger.Leader) {
	codes, names := p.uniqueness("code"), p.uniqueness("name")
	for i, l := range leaders {
		path := indexPath("leaders", i)
		if p.checkCode(path+".code", l.Code) {
			codes.check(path+".code", l.Code)
		}
		if p.required(path+".name", l.Name) {
			names.check(path+".name", l.Name)
		}
		switch {
		case l.Email != "":
			p.checkAddress(path+".email", l.Email)
		case len(l.RobotList()) == 0:
			p.errorf(path+".email", "is required: an address, or a robot (wecom_webhook, dingtalk_webhook, feishu_webhook)")
		}
		p.checkRobots(path, l.Robots())
		if l.Mobile != "" && !validMobile(l.Mobile) {
			p.errorf(path+".mobile", "invalid phone number %q: want digits, like 13800001111", l.Mobile)
		}
	}
}

// validMobile accepts a phone number as the platforms take it: digits,
// maybe after a + and a country code.
func validMobile(s string) bool {
	digits := strings.TrimPrefix(s, "+")
	if len(digits) < 5 || len(digits) > 20 {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkRobots checks the robot settings of one table (a unit, a leader, or
// supervisor_robots): each webhook an http(s) URL, each secret with its
// webhook.
func (p *problems) checkRobots(path string, r ledger.Robots) {
	for _, w := range []struct{ key, webhook, secretKey, secret string }{
		{"wecom_webhook", r.WeComWebhook, "", ""},
		{"dingtalk_webhook", r.DingTalkWebhook, "dingtalk_secret", r.DingTalkSecret},
		{"feishu_webhook", r.FeishuWebhook, "feishu_secret", r.FeishuSecret},
	} {
		if w.webhook != "" {
			p.checkWebhook(joinPath(path, w.key), w.webhook)
		} else if w.secret != "" {
			p.errorf(joinPath(path, w.secretKey), "is set without %s: the secret signs that robot's messages", w.key)
		}
	}
}

// checkWebhook accepts an absolute http or https URL; the robots are
// reached with a POST to it.
func (p *problems) checkWebhook(path, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		p.errorf(path, "invalid URL: %v", errors.Unwrap(err))
	case u.Scheme == "" || u.Host == "":
		p.errorf(path, "want the robot's whole webhook URL (https://…), not only its key or token")
	case u.Scheme != "http" && u.Scheme != "https":
		p.errorf(path, "want the robot's https:// webhook URL, got scheme %q", u.Scheme)
	}
}

func (p *problems) checkUnits(c *Config) {
	codes, names := p.uniqueness("code"), p.uniqueness("name")
	for i, u := range c.Units {
		path := indexPath("units", i)
		if p.checkCode(path+".code", u.Code) {
			codes.check(path+".code", u.Code)
		}
		if p.required(path+".name", u.Name) {
			names.check(path+".name", u.Name)
		}
		if !validKind(u.Kind) {
			p.errorf(path+".kind", "unknown kind %q: want department, unit or branch", u.Kind)
		}
		if len(u.Emails) == 0 && len(u.RobotList()) == 0 {
			p.errorf(path+".emails", "is required: at least one address, or a robot (wecom_webhook, dingtalk_webhook, feishu_webhook)")
		}
		p.checkAddresses(path+".emails", u.Emails)
		p.checkRobots(path, u.Robots())
		if _, ok := c.Leader(u.Leader); u.Leader != "" && !ok {
			p.errorf(path+".leader", "unknown leader %q: no [[leaders]] has this code", u.Leader)
		}
	}
	p.checkAliases(c.Units)
}

// checkAliases makes sure that every word naming a unit names one unit: an
// alias may not be another unit's code, name or alias.
func (p *problems) checkAliases(units []ledger.Unit) {
	type use struct {
		unit int
		path string
	}
	owner := map[string]use{}
	for i, u := range units {
		path := indexPath("units", i)
		for _, w := range []struct{ word, path string }{{u.Code, path + ".code"}, {u.Name, path + ".name"}} {
			if _, taken := owner[w.word]; !taken && w.word != "" {
				owner[w.word] = use{i, w.path}
			}
		}
	}
	for i, u := range units {
		for j, alias := range u.Aliases {
			path := indexPath(indexPath("units", i)+".aliases", j)
			first, taken := owner[alias]
			switch {
			case strings.TrimSpace(alias) != alias || alias == "":
				p.errorf(path, "must not be empty or start or end with a space")
			case taken && first.unit != i:
				where := first.path
				if env, line := p.locate(first.path); env == "" && line > 0 {
					where += " on line " + strconv.Itoa(line)
				}
				p.errorf(path, "alias %q names another unit: already used by %s", alias, where)
			case !taken:
				owner[alias] = use{i, path}
			}
		}
	}
}

func validKind(k ledger.UnitKind) bool {
	return k == ledger.KindDepartment || k == ledger.KindUnit || k == ledger.KindBranch
}

func (p *problems) checkDuties(c *Config) {
	ids := p.uniqueness("id")
	for i, duty := range c.Duties {
		path := indexPath("duties", i)
		if p.checkCode(path+".id", duty.ID) {
			ids.check(path+".id", duty.ID)
		}
		p.required(path+".name", duty.Name)
		p.checkPeriod(path, duty)
		switch {
		case duty.DueDay == 0:
			p.errorf(path+".due_day", "is required: days after the period ends, 1 to 366")
		case duty.DueDay < 1 || duty.DueDay > 366:
			p.errorf(path+".due_day", "must be between 1 and 366, got %d", duty.DueDay)
		}
		p.descendingDays(path+".remind_days", duty.RemindDays)
		p.atLeast(path+".overdue_every_days", duty.OverdueEveryDays, 1)
		p.atLeast(path+".escalate_after_days", duty.EscalateAfterDays, 0)
		p.checkDutyUnits(c, path, duty)
		p.checkAddresses(path+".supervisors", duty.Supervisors)
	}
}

func (p *problems) checkPeriod(path string, duty Duty) {
	switch duty.Period {
	case PeriodMonthly, PeriodQuarterly, PeriodHalfYearly, PeriodYearly:
	case "":
		p.errorf(path+".period", "is required: monthly, quarterly, half-yearly or yearly")
		return
	default:
		p.errorf(path+".period", "unknown period %q: want monthly, quarterly, half-yearly or yearly", duty.Period)
		return
	}
	kind := ledger.PeriodKind(duty.Period)
	example := ledger.PeriodContaining(kind, ledger.NewDate(2025, time.January, 1))
	if duty.Start == "" {
		return // supervised from the first period due after duban first saw it
	}
	if _, err := ledger.ParsePeriodOf(kind, duty.Start); err != nil {
		p.errorf(path+".start", "invalid %s period %q: want like %s", duty.Period, duty.Start, example)
	}
}

func (p *problems) checkDutyUnits(c *Config, path string, duty Duty) {
	if len(duty.Units) == 0 {
		p.errorf(path+".units", "is required: unit codes, \"kind:department\", \"kind:unit\", \"kind:branch\" or \"*\"")
		return
	}
	selectorsOK := true
	for j, sel := range duty.Units {
		if !p.checkSelector(c, indexPath(path+".units", j), sel) {
			selectorsOK = false
		}
	}
	for j, code := range duty.Exempt {
		if _, ok := c.Unit(code); !ok {
			p.errorf(indexPath(path+".exempt", j), "unknown unit %q: no [[units]] has this code", code)
		}
	}
	if selectorsOK && len(c.DutyUnits(duty)) == 0 {
		p.errorf(path+".units", "assigns the duty to no unit")
	}
}

func (p *problems) checkSelector(c *Config, path, sel string) bool {
	if sel == "*" {
		return true
	}
	if kind, ok := strings.CutPrefix(sel, "kind:"); ok {
		if !validKind(ledger.UnitKind(kind)) {
			p.errorf(path, "unknown unit kind %q: want kind:department, kind:unit or kind:branch", kind)
			return false
		}
		return true
	}
	if _, ok := c.Unit(sel); !ok {
		p.errorf(path, "unknown unit %q: no [[units]] has this code", sel)
		return false
	}
	return true
}

// required reports an empty required field; it returns whether s is set.
func (p *problems) required(path, s string) bool {
	if s == "" {
		p.errorf(path, "is required")
		return false
	}
	return true
}

// checkCode checks a code or id: required, and free of the characters that
// separate codes elsewhere (",", "、", ":", "|", spaces), so that codes can
// be listed in a sheet cell, a duty's units and a reminder key.
func (p *problems) checkCode(path, code string) bool {
	if !p.required(path, code) {
		return false
	}
	for _, r := range code {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			p.errorf(path, "invalid code %q: use letters, digits, \"-\", \"_\" or \".\"", code)
			return false
		}
	}
	return true
}

func (p *problems) checkAddresses(path string, addrs []string) {
	for i, a := range addrs {
		p.checkAddress(indexPath(path, i), a)
	}
}

// checkAddress accepts a bare address only (no display name, no angle
// brackets): these fields name mailboxes, and the names come from the
// units and leaders.
func (p *problems) checkAddress(path, s string) {
	a, err := mail.ParseAddress(s)
	switch {
	case err != nil:
		p.errorf(path, "invalid email address %q", s)
	case a.Address != s:
		p.errorf(path, "want a bare address like bgs@zgh.example.org, got %q", s)
	}
}

// uniqueness finds duplicate values among the elements of one list.
type uniqueness struct {
	p     *problems
	what  string
	first map[string]string // value → path of its first use
}

func (p *problems) uniqueness(what string) *uniqueness {
	return &uniqueness{p: p, what: what, first: map[string]string{}}
}

func (u *uniqueness) check(path, value string) {
	firstPath, dup := u.first[value]
	if !dup {
		u.first[value] = path
		return
	}
	where := parentPath(firstPath) // the element, like units[0]
	if env, line := u.p.locate(firstPath); env == "" && line > 0 {
		where += " on line " + strconv.Itoa(line)
	}
	u.p.errorf(path, "duplicate %s %q: already used by %s", u.what, value, where)
}
