// Package scheduler wakes the jobs up on their cron schedules, claims each
// run in the database so that replicas never run it twice, decides which
// reminders are due with the ledger rules, and records them as dispatches
// for the notify worker.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"duban/internal/unitlink"
	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// ErrUnknownJob is returned for a job name that is not one of ledger.JobNames.
var ErrUnknownJob = errors.New("scheduler: unknown job")

// ErrAlreadyRan is returned when the run for that scheduled time exists
// and is not one to retry (retryRun): another replica, or an earlier
// invocation, has it.
var ErrAlreadyRan = errors.New("scheduler: run already claimed")

// JobSpec is one job's schedule from the config.
type JobSpec struct {
	Name     string
	Schedule string        // as the config writes it, for display
	Cron     cron.Schedule // Schedule parsed (config.ParseSchedule)
	CatchUp  time.Duration
}

// Settings are the facts of the config the jobs need.
type Settings struct {
	Location  *time.Location
	Policy    ledger.Policy
	Calendar  *ledger.Calendar
	Directory ledger.Directory
	Office    string // who the reminders come from, e.g. 整改办
	Jobs      []JobSpec
	// Duties are the recurring reports (定期任务) of the duties job, their
	// units resolved to codes and exempt units left out.
	Duties []ledger.DutySpec
	// Links makes the units' personal links; nil (no public_url): the
	// messages carry none, and say how to reach the office, Contact.
	Links   *unitlink.Links
	Contact string
}

// Scheduler runs the jobs. Build it with New.
type Scheduler struct {
	store *store.Store
	set   Settings
	tmpl  *notify.Templates
	owner string
	now   func() time.Time
	log   *slog.Logger
	wake  func()
	onRun func(job, outcome string, d time.Duration)

	afterRun     func(job string, res Result, err error)
	recheckEvery time.Duration
}

// Options are the injected collaborators of New.
type Options struct {
	Owner  string           // identifies this process in job runs and leases
	Now    func() time.Time // the clock; time.Now when nil
	Logger *slog.Logger
	Wake   func() // called after a run created dispatches (the worker's Wake)
	// OnRun, when set, is told of every finished run: the job, its outcome
	// (ok or failed) and how long it took. The console's metrics use it.
	OnRun func(job, outcome string, d time.Duration)
	// AfterRun, when set, is called after every run this process claimed or
	// failed to claim: err is nil for a successful run (a skipped non-workday
	// included), else what failed; e.g. to ping a heartbeat URL, or its
	// /fail. It must not block: the run waits for it.
	AfterRun func(job string, res Result, err error)
	// RecheckEvery is how often Serve claims each job's latest run again,
	// to do the runs that failed or were lost (retryRun); five minutes when
	// zero.
	RecheckEvery time.Duration
}

// New returns a Scheduler over the store with the given settings.
func New(st *store.Store, set Settings, tmpl *notify.Templates, o Options) *Scheduler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	if set.Location == nil {
		set.Location = time.UTC
	}
	if o.OnRun == nil {
		o.OnRun = func(string, string, time.Duration) {}
	}
	if o.AfterRun == nil {
		o.AfterRun = func(string, Result, error) {}
	}
	if o.RecheckEvery <= 0 {
		o.RecheckEvery = 5 * time.Minute
	}
	return &Scheduler{store: st, set: set, tmpl: tmpl, owner: o.Owner, now: o.Now, log: o.Logger, wake: o.Wake,
		onRun: o.OnRun, afterRun: o.AfterRun, recheckEvery: o.RecheckEvery}
}

// Result is what one run did.
type Result struct {
	Run        store.Run
	Skipped    string // why nothing was considered, e.g. a non-workday
	Reminders  int
	Dispatches int
}

// retryRun is when a run is done again: after it failed (the database was
// away, the process was stopped mid-run), or when it is still "running"
// ten minutes after its start (a run takes seconds: its process died), up
// to three attempts in all. Left alone, such a run would leave the office
// without that day's reminders. Done again, it sends only what the attempt
// before did not record.
var retryRun = store.Retry{StaleAfter: 10 * time.Minute, Attempts: 3}

// RunJob claims the run of job for scheduledFor and performs it as of that
// time; a run that failed or whose process died is taken over (retryRun).
// ErrAlreadyRan means the run row exists and nothing was done.
func (s *Scheduler) RunJob(ctx context.Context, job string, scheduledFor time.Time) (Result, error) {
	if !knownJob(job) {
		return Result{}, fmt.Errorf("%w %q", ErrUnknownJob, job)
	}
	run, err := s.store.ClaimRun(ctx, job, scheduledFor, s.owner, s.now(), retryRun)
	if errors.Is(err, store.ErrConflict) {
		return Result{}, fmt.Errorf("%w: %s at %s", ErrAlreadyRan, job, scheduledFor.In(s.set.Location).Format(time.DateTime))
	}
	if err != nil {
		err = fmt.Errorf("scheduler: claim %s run: %w", job, err)
		s.afterRun(job, Result{}, err)
		return Result{}, err
	}
	if run.Attempts > 1 {
		s.log.Warn("job run retried", "job", job, "scheduled_for", scheduledFor.In(s.set.Location).Format(time.RFC3339),
			"attempt", run.Attempts)
	}
	res, runErr := s.perform(ctx, job, run, scheduledFor)
	outcome, errText := "ok", ""
	if runErr != nil {
		outcome, errText = "failed", runErr.Error()
	}
	s.onRun(job, outcome, s.now().Sub(run.StartedAt))
	// Record the outcome even when the caller's context is ending, so that a
	// run is never left looking as if it were still going.
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	switch err := s.store.FinishRun(finishCtx, run, outcome, res.Reminders, res.Dispatches, errText, s.now()); {
	case errors.Is(err, store.ErrConflict):
		// Slow enough to be taken for dead: what it committed stands, and
		// the attempt that took over records the run's outcome.
		s.log.Warn("job run taken over before it finished", "job", job,
			"scheduled_for", scheduledFor.In(s.set.Location).Format(time.RFC3339), "attempt", run.Attempts, "outcome", outcome)
	case err != nil:
		err = errors.Join(runErr, fmt.Errorf("scheduler: finish %s run: %w", job, err))
		s.afterRun(job, res, err)
		return res, err
	}
	res.Run = run
	res.Run.Outcome = outcome
	s.log.Info("job run finished", "job", job, "scheduled_for", scheduledFor.In(s.set.Location).Format(time.RFC3339),
		"outcome", outcome, "reminders", res.Reminders, "dispatches", res.Dispatches, "skipped", res.Skipped)
	if res.Dispatches > 0 {
		s.wake()
	}
	s.afterRun(job, res, runErr)
	return res, runErr
}

func (s *Scheduler) perform(ctx context.Context, job string, run store.Run, asOf time.Time) (Result, error) {
	today := ledger.DateOf(asOf.In(s.set.Location))
	if s.set.Policy.WorkdaysOnly && !s.set.Calendar.IsWorkday(today) {
		return Result{Skipped: "non-workday " + today.String()}, nil
	}
	found, err := s.collect(ctx, job, today)
	if err != nil {
		return Result{}, err
	}
	render, err := s.renderer(ctx, job, today, found.openOf)
	if err != nil {
		return Result{}, err
	}
	digests, byKey := groupByRecipient(job, asOf, run.Attempts, found.notices)
	build := func(d store.Digest, fresh []store.Reminder) (store.Message, error) {
		return s.message(job, d.Recipient, fresh, byKey, render)
	}
	reminders, dispatches, err := s.store.CommitDigests(ctx, job, run.ID, digests, build, s.now(), found.told...)
	if err != nil {
		return Result{}, fmt.Errorf("scheduler: commit %s reminders: %w", job, err)
	}
	return Result{Reminders: reminders, Dispatches: dispatches}, nil
}

// collected is what a run found to say.
type collected struct {
	notices []ledger.Notice
	// The deadline job's only, which reads every open item: what the items
	// it kept were told (Told), and how many open items each unit's
	// mailbox (or robot) is responsible for.
	told   []store.Told
	openOf map[string]int
}

// collect asks the ledger rules which notices are due today for job.
func (s *Scheduler) collect(ctx context.Context, job string, today ledger.Date) (collected, error) {
	var ns []ledger.Notice
	var err error
	switch job {
	case ledger.JobDeadlines:
		return s.deadlineNotices(ctx, today)
	case ledger.JobDuties:
		ns, err = s.dutyNotices(ctx, today)
	case ledger.JobFollowups:
		ns, err = s.followupNotices(ctx, today)
	default:
		ns = s.summaryNotices(today)
	}
	return collected{notices: ns}, err
}

// deadlineNotices reads every open item and keeps the notices of those
// whose notices today have another digest than the one recorded with the
// reminders they were told (told): on most days most open items are
// between two stages and would record nothing new. Any change of what the
// rules say of an item (a new stage, deadline, mailbox, leader, policy, or
// rules) changes the digest. CommitDigests decides what is new among the
// notices kept: a reminder recorded before is not sent again. told are the
// new digests of the items kept, for CommitDigests to record.
func (s *Scheduler) deadlineNotices(ctx context.Context, today ledger.Date) (collected, error) {
	found := collected{openOf: map[string]int{}}
	addresses := make(map[string][]string, len(s.set.Directory.Units))
	for code, u := range s.set.Directory.Units {
		addresses[code] = u.Addresses()
	}
	var mine []string
	err := s.store.EachOpenItem(ctx, func(it ledger.Item, was store.Told) error {
		// An item counts once for an address its units share.
		mine = mine[:0]
		for _, u := range it.Units {
			for _, a := range addresses[u] {
				if !slices.Contains(mine, a) {
					mine = append(mine, a)
					found.openOf[a]++
				}
			}
		}
		ns := ledger.ItemNotices(it, s.set.Directory, today, s.set.Policy)
		digest := ledger.NoticesDigest(ns)
		if digest == was.Digest {
			return nil
		}
		found.told = append(found.told, store.Told{ItemID: was.ItemID, Digest: digest})
		found.notices = append(found.notices, ns...)
		return nil
	})
	if err != nil {
		return collected{}, fmt.Errorf("scheduler: read open items: %w", err)
	}
	return found, nil
}

func knownJob(job string) bool {
	for _, j := range ledger.JobNames {
		if j == job {
			return true
		}
	}
	return false
}
