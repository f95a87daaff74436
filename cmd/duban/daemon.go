package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"duban/config"
	"duban/internal/sqlitelock"
	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/web"
)

func (a *app) serveCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the daemon: cron jobs, delivery worker, admin console",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if err := cfg.Admin.CheckSecrets(); err != nil {
				return badInput(err)
			}
			// One daemon per SQLite file: taken before the store is opened,
			// held until the process ends (the kernel drops it if it dies).
			unlock, err := sqlitelock.Acquire(cfg.Database.URL)
			if err != nil {
				return err
			}
			defer unlock()
			st, err := a.openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := web.CheckAccess(cmd.Context(), cfg.Admin, st); err != nil {
				if errors.Is(err, web.ErrOpenToNetwork) {
					return badInput(err)
				}
				return err
			}
			return a.serve(cmd.Context(), cfg, st)
		},
	}
}

// serve runs the delivery worker, the cron loop and the console until ctx
// ends, and then until the work in flight is finished.
func (a *app) serve(ctx context.Context, cfg *config.Config, st *store.Store) error {
	a.logger.Info("duban starting", "version", versionString(), "database", st.Dialect(),
		"transport", cfg.Mail.Transport, "timezone", cfg.Location.String())
	a.warnMissingHolidayData(cfg)
	if err := a.seedLedgerIfEmpty(ctx, cfg, st); err != nil {
		return err
	}
	worker, err := a.newWorker(cfg, st)
	if err != nil {
		return err
	}
	defer worker.Close()
	metrics := web.NewMetrics(buildVersion())
	worker.Observe = metrics.ObserveSend
	sched, err := a.newScheduler(cfg, st, worker.Wake, func(o *scheduler.Options) { o.OnRun = metrics.ObserveRun })
	if err != nil {
		return err
	}
	if cfg.Mail.Transport != config.TransportSMTP {
		a.logger.Info("messages are written as .eml files", "outbox_dir", cfg.Mail.OutboxDir)
	}
	waitConsole, err := a.startConsole(ctx, cfg, st, metrics, worker.Wake)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() { errs <- worker.Run(ctx) })
	wg.Go(func() { errs <- sched.Serve(ctx) })
	wg.Go(func() { errs <- waitConsole() })
	<-ctx.Done()
	a.logger.Info("shutting down: finishing in-flight work")
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		if !errors.Is(err, context.Canceled) {
			all = append(all, err)
		}
	}
	a.logger.Info("duban stopped")
	return errors.Join(all...)
}

// warnMissingHolidayData reminds the operator to add the holidays of the
// years the calendar does not know yet.
func (a *app) warnMissingHolidayData(cfg *config.Config) {
	cal := ledger.NewCalendar(cfg.Calendar.Holidays, cfg.Calendar.Workdays)
	for _, year := range cal.MissingHolidayYears(ledger.DateOf(a.now().In(cfg.Location))) {
		a.logger.Warn("no public holiday data for this year: weekends only until you add "+
			"the State Council notice's holidays and 调休 workdays under [calendar]", "year", year)
	}
}

// seedLedgerIfEmpty imports the configured example ledger into an empty
// database, its dates moved to today, so that a first start on any day
// shows the daemon at work.
func (a *app) seedLedgerIfEmpty(ctx context.Context, cfg *config.Config, st *store.Store) error {
	if cfg.Database.SeedLedger == "" {
		return nil
	}
	if n, err := st.CountItems(ctx); err != nil || n > 0 {
		return err
	}
	a.logger.Info("database has no items: importing the seed ledger", "file", cfg.Database.SeedLedger)
	err := a.importLedger(ctx, cfg, st, cfg.Database.SeedLedger, importFlags{example: true})
	// Replicas started together on an empty PostgreSQL database all try;
	// the one that loses the race on the items' keys finds them imported.
	if errors.Is(err, store.ErrConflict) {
		if n, cerr := st.CountItems(ctx); cerr == nil && n > 0 {
			a.logger.Info("another replica imported the seed ledger", "items", n)
			return nil
		}
	}
	return err
}

func (a *app) runCommand() *cobra.Command {
	var asOf, job string
	cmd := &cobra.Command{
		Use:   "run JOB",
		Short: "Run one job now (as of --as-of) and deliver what it produced",
		Long: "Run one job (deadlines 到期提醒, duties 定期任务提醒, followups 回头看提醒, summary 定期调度汇总) as of a\n" +
			"time and deliver its messages. A message that fails temporarily stays pending for serve or deliver to retry.",
		Args:    exactArgs(1),
		PreRunE: func(_ *cobra.Command, args []string) (err error) { job, err = parseJob(args[0]); return err },
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			at, err := a.parseAsOf(cfg, asOf)
			if err != nil {
				return err
			}
			if at.After(a.now()) {
				// A run sends real messages and records its reminders as
				// sent: run ahead, it would use up that day's reminders.
				return badInputf("--as-of %s is in the future: run sends messages now; "+
					"see what a later day would send with 'duban plan --as-of %s'", asOf, asOf)
			}
			worker, err := a.newWorker(cfg, st)
			if err != nil {
				return err
			}
			defer worker.Close()
			sched, err := a.newScheduler(cfg, st, nil)
			if err != nil {
				return err
			}
			if a.pinger != nil {
				// A one-shot command lets its heartbeat pings (of the run and
				// of its delivery) finish before it exits; each is bounded by
				// [heartbeat] timeout.
				defer a.pinger.Wait(ctx)
			}
			res, err := sched.RunJob(ctx, job, at)
			when := at.In(cfg.Location).Format("2006-01-02 15:04")
			switch {
			case errors.Is(err, scheduler.ErrAlreadyRan):
				fmt.Fprintf(a.stdout, "%s as of %s already ran: nothing to do\n", job, when)
				return nil
			case err != nil:
				return err
			case res.Skipped != "":
				fmt.Fprintf(a.stdout, "%s as of %s: %s, nothing sent\n", job, when, res.Skipped)
				return nil
			}
			stats, err := worker.DeliverDue(ctx, false)
			fmt.Fprintf(a.stdout, "%s as of %s: %d reminders in %d messages; %s\n",
				job, when, res.Reminders, res.Dispatches, statsText(stats))
			return err
		}),
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "logical time of the run: 2025-06-16 or 2025-06-16T09:00 (default now)")
	return cmd
}

// parseJob reads a job's name or Chinese label; an unknown one is bad usage.
func parseJob(s string) (string, error) {
	job, err := ledger.ParseJob(s)
	if err != nil {
		return "", badInput(err)
	}
	return job, nil
}

func (a *app) deliverCommand() *cobra.Command {
	var all, retryFailed bool
	var since string
	cmd := &cobra.Command{
		Use:   "deliver",
		Short: "Deliver pending dispatches that are due (--all: ignore backoff; --retry-failed: queue failed ones again)",
		Long: "Deliver the pending dispatches that are due. --all also takes those waiting for their backoff.\n" +
			"--retry-failed first puts the failed dispatches (created since --since, if given) back in the\n" +
			"queue with a fresh attempt budget, e.g. after an SMTP outage or a wrong password was fixed.",
		Args: exactArgs(0),
		PreRunE: func(*cobra.Command, []string) error {
			if since != "" && !retryFailed {
				return badInputf("--since goes with --retry-failed")
			}
			return nil
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			from, err := a.parseTimeFlag(cfg, "--since", since, time.Time{})
			if err != nil {
				return err
			}
			worker, err := a.newWorker(cfg, st)
			if err != nil {
				return err
			}
			defer worker.Close()
			if a.pinger != nil {
				defer a.pinger.Wait(ctx)
			}
			if retryFailed {
				n, err := st.RetryFailed(ctx, store.DispatchFilter{Since: from}, a.now(), a.cliActor())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%d failed dispatches queued again\n", n)
			}
			stats, err := worker.DeliverDue(ctx, all)
			fmt.Fprintln(a.stdout, statsText(stats))
			return err
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "also deliver dispatches still waiting for their backoff")
	cmd.Flags().BoolVar(&retryFailed, "retry-failed", false, "put failed dispatches back in the queue first")
	cmd.Flags().StringVar(&since, "since", "", "with --retry-failed: only those created since this day or time (2025-06-16 or 2025-06-16T09:00)")
	return cmd
}

// statsText says what a delivery pass did.
func statsText(s notify.Stats) string {
	out := fmt.Sprintf("delivered %d, retrying %d, failed %d", s.Sent, s.Retried, s.Failed)
	if s.Waiting > 0 {
		out += fmt.Sprintf(", waiting for a robot's rate limit %d", s.Waiting)
	}
	return out
}

func (a *app) planCommand() *cobra.Command {
	var asOf, job, format string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Dry run: show what the jobs would send as of a time; sends nothing",
		Args:  exactArgs(0),
		PreRunE: func(*cobra.Command, []string) (err error) {
			if job != "" {
				if job, err = parseJob(job); err != nil {
					return err
				}
			}
			return checkFormat(format)
		},
		RunE: a.onStore(func(ctx context.Context, cfg *config.Config, st *store.Store, _ []string) error {
			at, err := a.parseAsOf(cfg, asOf)
			if err != nil {
				return err
			}
			sched, err := a.newScheduler(cfg, st, nil)
			if err != nil {
				return err
			}
			jobs := ledger.JobNames
			if job != "" {
				jobs = []string{job}
			}
			all := []scheduler.Planned{}
			for _, j := range jobs {
				p, err := sched.Plan(ctx, j, at)
				if err != nil {
					return err
				}
				all = append(all, p...)
			}
			v := rowsView{header: []string{"JOB", "TO", "SUBJECT", "REFS"}, json: all}
			for _, p := range all {
				refs := make([]string, len(p.Refs))
				for i, r := range p.Refs {
					refs[i] = r.Ref + ":" + r.Stage
				}
				v.rows = append(v.rows, []string{p.Job, p.To, p.Subject, strings.Join(refs, " ")})
			}
			return writeView(a.stdout, format, v)
		}),
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "logical time: 2025-06-16 or 2025-06-16T09:00 (default now)")
	cmd.Flags().StringVar(&job, "job", "", "only this job (name or Chinese label)")
	formatFlag(cmd, &format)
	return cmd
}
