package main

import (
	"context"
	"fmt"
	"os"

	"duban/config"
	"duban/internal/heartbeat"
	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/web"
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

// settingsOf gathers what the jobs need from the config.
func settingsOf(cfg *config.Config) (scheduler.Settings, error) {
	set := scheduler.Settings{
		Duties:    cfg.DutySpecs(),
		Location:  cfg.Location,
		Policy:    cfg.Policy,
		Calendar:  ledger.NewCalendar(cfg.Calendar.Holidays, cfg.Calendar.Workdays),
		Directory: cfg.Directory(),
		Office:    cfg.Office(),
		Contact:   cfg.OfficeContact(),
	}
	for _, name := range ledger.JobNames {
		j, ok := cfg.Jobs[name]
		if !ok {
			continue
		}
		sched, err := config.ParseSchedule(j.Schedule)
		if err != nil {
			return scheduler.Settings{}, badInputf("jobs.%s.schedule: %w", name, err)
		}
		set.Jobs = append(set.Jobs, scheduler.JobSpec{Name: name, Schedule: j.Schedule, Cron: sched, CatchUp: j.CatchUp.Duration})
	}
	return set, nil
}

// newScheduler builds the scheduler; opts adjust its Options (serve adds
// the console's metrics hook).
func (a *app) newScheduler(cfg *config.Config, st *store.Store, wake func(), opts ...func(*scheduler.Options)) (*scheduler.Scheduler, error) {
	tmpl, err := notify.LoadTemplates(cfg.Mail.TemplatesDir)
	if err != nil {
		return nil, badInputf("mail.templates_dir: %w", err)
	}
	set, err := settingsOf(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), keyTimeout)
	defer cancel()
	if set.Links, err = a.unitLinks(ctx, cfg, st); err != nil {
		return nil, err
	}
	o := scheduler.Options{Owner: owner(), Now: a.now, Logger: a.logger, Wake: wake}
	if p := a.heartbeat(cfg); p != nil {
		o.AfterRun = func(job string, _ scheduler.Result, err error) {
			if err != nil {
				p.Fail(job)
				return
			}
			p.Ping(job)
		}
	}
	for _, opt := range opts {
		opt(&o)
	}
	return scheduler.New(st, set, tmpl, o), nil
}

// heartbeat is the pinger of the config's heartbeat URL, nil without one.
// It is kept on the app, so that the scheduler and the worker share it and
// a one-shot command can let the pings finish before it exits.
func (a *app) heartbeat(cfg *config.Config) *heartbeat.Pinger {
	if cfg.Heartbeat.URL == "" {
		return nil
	}
	if a.pinger == nil {
		a.pinger = &heartbeat.Pinger{URL: cfg.Heartbeat.URL, Timeout: cfg.Heartbeat.Timeout.Duration, Logger: a.logger}
	}
	return a.pinger
}

// channels are the ways messages leave: email through the configured
// transport (SMTP or the outbox) and the robots of the config, and how
// many senders the email transport keeps busy.
func (a *app) channels(cfg *config.Config) (map[string]notify.Channel, int, error) {
	var tr notify.Transport
	var err error
	conc := 1
	if s := cfg.Mail.SMTP; cfg.Mail.Transport == config.TransportSMTP {
		tr, err = notify.NewSMTP(notify.SMTPConfig{
			Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password,
			MaxConnections: s.MaxConnections, RatePerMinute: s.RatePerMinute, Timeout: s.Timeout.Duration,
		})
		conc = max(conc, s.MaxConnections)
	} else {
		tr, err = notify.NewOutbox(cfg.Mail.OutboxDir)
	}
	if err != nil {
		return nil, 0, badInputf("mail: %w", err)
	}
	email, err := notify.NewEmail(cfg.Mail.From, tr)
	if err != nil {
		tr.Close()
		return nil, 0, badInputf("mail.from: %w", err)
	}
	// Every platform's channel, robots configured or not: a dispatch to a
	// robot since removed from the config fails with that reason.
	robots := notify.NewRobots(notify.RobotsConfig{Robots: cfg.Robots(), Now: a.now})
	return map[string]notify.Channel{
		ledger.ChannelEmail: email, ledger.ChannelWeCom: robots, ledger.ChannelDingTalk: robots, ledger.ChannelFeishu: robots,
	}, conc, nil
}

func (a *app) newWorker(cfg *config.Config, st *store.Store) (*notify.Worker, error) {
	chs, conc, err := a.channels(cfg)
	if err != nil {
		return nil, err
	}
	w := &notify.Worker{
		Store: st, Channels: chs, MaxAttempts: cfg.Mail.MaxAttempts,
		Owner: owner(), Lease: cfg.Mail.Lease.Duration, Concurrency: conc, Now: a.now, Logger: a.logger,
		Backoff:   notify.ExponentialBackoff(cfg.Mail.RetryBase.Duration),
		PollEvery: cfg.Mail.PollEvery,
	}
	if p := a.heartbeat(cfg); p != nil {
		// A delivery that failed is loud, like a failed run.
		w.OnFailure = func(notify.Stats, error) { p.Fail("delivery") }
	}
	return w, nil
}

// startConsole serves the console on admin.listen until ctx ends; wait
// blocks until then (see web.Server.Listen).
func (a *app) startConsole(ctx context.Context, cfg *config.Config, st *store.Store, metrics *web.Metrics, wake func()) (wait func() error, err error) {
	console, err := web.New(web.Options{
		Store: st, Config: cfg, Metrics: metrics, Version: buildVersion(), Now: a.now, Logger: a.logger, Started: a.now(),
		Duties: cfg.DutySpecs(), Wake: wake,
	})
	if err != nil {
		return nil, err
	}
	return console.Listen(ctx, cfg.Admin.Listen)
}
