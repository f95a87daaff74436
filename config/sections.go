package config

import (
	"strings"
	"time"

	"duban/ledger"
)

// defaultConfig is the configuration of an empty file. Lists are empty,
// not nil, so that a loaded config and its printed form compare equal.
func defaultConfig() *Config {
	return &Config{
		Timezone:    "Asia/Shanghai",
		Supervisors: []string{},
		Database:    DatabaseConfig{URL: "sqlite:duban.db"},
		Mail: MailConfig{
			Transport:   TransportOutbox,
			OutboxDir:   "outbox",
			MaxAttempts: 8,
			RetryBase:   Duration{time.Minute},
			SMTP: SMTPConfig{
				TLS:            TLSStartTLS,
				MaxConnections: 2,
				Timeout:        Duration{30 * time.Second},
				Pipelining:     true,
			},
		},
		Admin:     AdminConfig{Listen: "127.0.0.1:8080"},
		Heartbeat: HeartbeatConfig{Timeout: Duration{10 * time.Second}},
		Log:       LogConfig{Level: "info", Format: "text"},
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
	day := Duration{24 * time.Hour}
	return map[string]Job{
		JobDeadlines: {Schedule: "0 9 * * *", CatchUp: day},
		JobDuties:    {Schedule: "30 9 * * *", CatchUp: day},
		JobFollowups: {Schedule: "0 10 * * 1", CatchUp: day},
		JobSummary:   {Schedule: "0 8 * * 1", CatchUp: day},
	}
}

// defaultDuty holds the defaults of a [[duties]] table; Supervisors stays
// nil so that finalize can tell "unset" (use the top-level supervisors)
// from an explicit empty list.
func defaultDuty() Duty {
	return Duty{
		RemindDays:       []int{3, 1},
		OverdueEveryDays: 3,
		Exempt:           []string{},
		DueOnWorkday:     true,
	}
}

func (d *decoder) decodeRoot(t *table, c *Config) {
	t.str("timezone", &c.Timezone)
	t.strs("supervisors", &c.Supervisors)
	if s := t.sub("database"); s != nil {
		s.str("url", &c.Database.URL)
		s.str("seed_ledger", &c.Database.SeedLedger)
		s.finish()
	}
	if s := t.sub("mail"); s != nil {
		decodeMail(s, &c.Mail)
	}
	if s := t.sub("admin"); s != nil {
		s.str("listen", &c.Admin.Listen)
		s.str("password", &c.Admin.Password)
		s.str("password_hash", &c.Admin.PasswordHash)
		s.finish()
	}
	if s := t.sub("heartbeat"); s != nil {
		s.str("url", &c.Heartbeat.URL)
		s.duration("timeout", &c.Heartbeat.Timeout)
		s.finish()
	}
	if s := t.sub("log"); s != nil {
		s.str("level", &c.Log.Level)
		s.str("format", &c.Log.Format)
		s.finish()
	}
	if s := t.sub("policy"); s != nil {
		decodePolicy(s, &c.Policy)
	}
	if s := t.sub("calendar"); s != nil {
		s.dates("holidays", &c.Calendar.Holidays)
		s.dates("workdays", &c.Calendar.Workdays)
		s.finish()
	}
	if s := t.sub("jobs"); s != nil {
		decodeJobs(s, c.Jobs)
	}
	// The element paths are kept because a non-table element is skipped,
	// so c.Units[i] need not be units[i] of the file.
	for _, s := range t.list("rounds") {
		c.Rounds = append(c.Rounds, decodeRound(s))
		d.elemPaths["rounds"] = append(d.elemPaths["rounds"], s.path)
	}
	for _, s := range t.list("leaders") {
		c.Leaders = append(c.Leaders, decodeLeader(s))
		d.elemPaths["leaders"] = append(d.elemPaths["leaders"], s.path)
	}
	for _, s := range t.list("units") {
		c.Units = append(c.Units, decodeUnit(s))
		d.elemPaths["units"] = append(d.elemPaths["units"], s.path)
	}
	for _, s := range t.list("duties") {
		c.Duties = append(c.Duties, decodeDuty(s))
		d.elemPaths["duties"] = append(d.elemPaths["duties"], s.path)
	}
	t.finish()
}

func decodeMail(t *table, m *MailConfig) {
	t.str("transport", &m.Transport)
	t.str("from", &m.From)
	t.str("outbox_dir", &m.OutboxDir)
	t.integer("max_attempts", &m.MaxAttempts)
	t.str("templates_dir", &m.TemplatesDir)
	t.duration("lease", &m.Lease)
	t.duration("retry_base", &m.RetryBase)
	if s := t.sub("smtp"); s != nil {
		decodeSMTP(s, &m.SMTP)
	}
	t.finish()
}

func decodeSMTP(t *table, s *SMTPConfig) {
	t.str("host", &s.Host)
	t.integer("port", &s.Port)
	t.str("tls", &s.TLS)
	t.str("username", &s.Username)
	t.str("password", &s.Password)
	t.str("password_file", &s.PasswordFile)
	t.integer("max_connections", &s.MaxConnections)
	t.integer("rate_per_minute", &s.RatePerMinute)
	t.duration("timeout", &s.Timeout)
	t.boolean("pipelining", &s.Pipelining)
	t.finish()
}

func decodePolicy(t *table, p *ledger.Policy) {
	t.ints("lead_days", &p.LeadDays)
	t.integer("overdue_every_days", &p.OverdueEveryDays)
	t.integer("escalate_after_days", &p.EscalateAfterDays)
	t.integer("severe_after_days", &p.SevereAfterDays)
	t.integer("yellow_days", &p.YellowDays)
	t.boolean("workdays_only", &p.WorkdaysOnly)
	t.ints("followup_days", &p.FollowupDays)
	t.finish()
}

func decodeJobs(t *table, jobs map[string]Job) {
	for _, name := range t.keys() {
		v, path, _ := t.take(name)
		job, known := jobs[name]
		if !known {
			t.d.errorf(path, "unknown job%s: the jobs are %s", suggest(name, jobNames()), strings.Join(jobNames(), ", "))
			continue
		}
		s := t.d.asTable(path, v)
		if s == nil {
			continue
		}
		s.str("schedule", &job.Schedule)
		s.duration("catch_up", &job.CatchUp)
		s.finish()
		jobs[name] = job
	}
}

func jobNames() []string {
	return []string{JobDeadlines, JobDuties, JobFollowups, JobSummary}
}

func decodeRound(t *table) ledger.Round {
	var r ledger.Round
	t.str("code", &r.Code)
	t.str("name", &r.Name)
	t.finish()
	return r
}

func decodeLeader(t *table) ledger.Leader {
	var l ledger.Leader
	t.str("code", &l.Code)
	t.str("name", &l.Name)
	t.str("title", &l.Title)
	t.str("email", &l.Email)
	t.finish()
	return l
}

func decodeUnit(t *table) ledger.Unit {
	u := ledger.Unit{Kind: ledger.KindDepartment}
	t.str("code", &u.Code)
	t.str("name", &u.Name)
	kind := string(u.Kind)
	t.str("kind", &kind)
	u.Kind = ledger.UnitKind(kind)
	t.strs("emails", &u.Emails)
	t.str("leader", &u.Leader)
	t.finish()
	return u
}

func decodeDuty(t *table) Duty {
	d := defaultDuty()
	t.str("id", &d.ID)
	t.str("name", &d.Name)
	t.str("period", &d.Period)
	t.integer("due_day", &d.DueDay)
	t.ints("remind_days", &d.RemindDays)
	t.integer("overdue_every_days", &d.OverdueEveryDays)
	t.integer("escalate_after_days", &d.EscalateAfterDays)
	t.strs("units", &d.Units)
	t.strs("exempt", &d.Exempt)
	t.str("start", &d.Start)
	t.boolean("due_on_workday", &d.DueOnWorkday)
	t.strs("supervisors", &d.Supervisors)
	t.finish()
	return d
}
