package main

import (
	"fmt"
	"net/mail"
	"os"
	"time"

	"duban/config"
	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
)

// owner names this process in job runs and dispatch leases, so that an
// administrator can tell replicas apart in the log.
func owner() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

func directoryOf(cfg *config.Config) ledger.Directory {
	dir := ledger.Directory{
		Units:       make(map[string]ledger.Unit, len(cfg.Units)),
		Leaders:     make(map[string]ledger.Leader, len(cfg.Leaders)),
		Supervisors: cfg.Supervisors,
	}
	for _, u := range cfg.Units {
		dir.Units[u.Code] = u
	}
	for _, l := range cfg.Leaders {
		dir.Leaders[l.Code] = l
	}
	return dir
}

// officeName is the display name of mail.from, how reminders sign off.
func officeName(from string) string {
	addr, err := mail.ParseAddress(from)
	if err != nil || addr.Name == "" {
		return "整改办"
	}
	return addr.Name
}

func settingsOf(cfg *config.Config) scheduler.Settings {
	set := scheduler.Settings{
		Location:  cfg.Location,
		Policy:    cfg.Policy,
		Calendar:  ledger.NewCalendar(cfg.Calendar.Holidays, cfg.Calendar.Workdays),
		Directory: directoryOf(cfg),
		Office:    officeName(cfg.Mail.From),
	}
	for _, name := range scheduler.JobNames {
		if j, ok := cfg.Jobs[name]; ok {
			set.Jobs = append(set.Jobs, scheduler.JobSpec{Name: name, Schedule: j.Schedule, CatchUp: j.CatchUp.Duration})
		}
	}
	return set
}

func (a *app) newScheduler(cfg *config.Config, st *store.Store, wake func()) (*scheduler.Scheduler, error) {
	tmpl, err := notify.LoadTemplates(cfg.Mail.TemplatesDir)
	if err != nil {
		return nil, badInputf("mail.templates_dir: %w", err)
	}
	return scheduler.New(st, settingsOf(cfg), tmpl, scheduler.Options{
		Owner: owner(), Now: a.now, Logger: a.logger, Wake: wake,
	}), nil
}

func newTransport(cfg *config.Config) (notify.Transport, error) {
	if cfg.Mail.Transport == "smtp" {
		s := cfg.Mail.SMTP
		return notify.NewSMTP(notify.SMTPConfig{
			Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password,
			MaxConnections: s.MaxConnections, RatePerMinute: s.RatePerMinute, Timeout: s.Timeout.Duration,
		})
	}
	return notify.NewOutbox(cfg.Mail.OutboxDir)
}

// deliveryLease is how long a claimed dispatch stays ours: long enough for a
// slow SMTP exchange, short enough that a crashed replica's work is soon
// picked up by another.
func deliveryLease(cfg *config.Config) time.Duration {
	if cfg.Mail.Transport == "smtp" && cfg.Mail.SMTP.Timeout.Duration > 0 {
		return 4 * cfg.Mail.SMTP.Timeout.Duration
	}
	return 2 * time.Minute
}

func (a *app) newWorker(cfg *config.Config, st *store.Store) (*notify.Worker, error) {
	tr, err := newTransport(cfg)
	if err != nil {
		return nil, badInputf("mail: %w", err)
	}
	conc := 1
	if cfg.Mail.Transport == "smtp" && cfg.Mail.SMTP.MaxConnections > 0 {
		conc = cfg.Mail.SMTP.MaxConnections
	}
	return &notify.Worker{
		Store: st, Transport: tr, From: cfg.Mail.From, MaxAttempts: cfg.Mail.MaxAttempts,
		Owner: owner(), Lease: deliveryLease(cfg), Concurrency: conc, Now: a.now, Logger: a.logger,
	}, nil
}
