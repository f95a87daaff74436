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
	"maps"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"duban/ledger"
	"duban/notify"
	"duban/store"
)

// ErrUnknownJob is returned for a job name that is not one of ledger.JobNames.
var ErrUnknownJob = errors.New("scheduler: unknown job")

// ErrAlreadyRan is returned when the run for that scheduled time exists:
// another replica, or an earlier invocation, has it.
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

	afterRun func(job string, res Result)

	maxNotices int // maxRunNotices; lowered by tests

	// deadlineFingerprint sums up the settings the deadline rule's check
	// days depend on. Settings do not change after New, and summing up a
	// directory of 10,000 units takes milliseconds: it is worked out once.
	deadlineFingerprint string
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
	// AfterRun, when set, is called after every successful run (outcome ok,
	// a skipped non-workday included), e.g. to ping a heartbeat URL. It must
	// not block: the run waits for it.
	AfterRun func(job string, res Result)
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
		o.AfterRun = func(string, Result) {}
	}
	return &Scheduler{store: st, set: set, tmpl: tmpl, owner: o.Owner, now: o.Now, log: o.Logger, wake: o.Wake,
		onRun: o.OnRun, afterRun: o.AfterRun, maxNotices: maxRunNotices,
		deadlineFingerprint: ledger.DeadlineFingerprint(set.Directory, set.Policy)}
}

// Result is what one run did.
type Result struct {
	Run        store.Run
	Skipped    string // why nothing was considered, e.g. a non-workday
	Reminders  int
	Dispatches int
}

// RunJob claims the run of job for scheduledFor and performs it as of that
// time. ErrAlreadyRan means the run row exists and nothing was done.
func (s *Scheduler) RunJob(ctx context.Context, job string, scheduledFor time.Time) (Result, error) {
	if !knownJob(job) {
		return Result{}, fmt.Errorf("%w %q", ErrUnknownJob, job)
	}
	run, err := s.store.ClaimRun(ctx, job, scheduledFor, s.owner, s.now())
	if errors.Is(err, store.ErrConflict) {
		return Result{}, fmt.Errorf("%w: %s at %s", ErrAlreadyRan, job, scheduledFor.In(s.set.Location).Format(time.DateTime))
	}
	if err != nil {
		return Result{}, fmt.Errorf("scheduler: claim %s run: %w", job, err)
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
	if err := s.store.FinishRun(finishCtx, run.ID, outcome, res.Reminders, res.Dispatches, errText, s.now()); err != nil {
		return res, errors.Join(runErr, fmt.Errorf("scheduler: finish %s run: %w", job, err))
	}
	res.Run = run
	res.Run.Outcome = outcome
	s.log.Info("job run finished", "job", job, "scheduled_for", scheduledFor.In(s.set.Location).Format(time.RFC3339),
		"outcome", outcome, "reminders", res.Reminders, "dispatches", res.Dispatches, "skipped", res.Skipped)
	if res.Dispatches > 0 {
		s.wake()
	}
	if runErr == nil {
		s.afterRun(job, res)
	}
	return res, runErr
}

func (s *Scheduler) perform(ctx context.Context, job string, run store.Run, asOf time.Time) (Result, error) {
	today := ledger.DateOf(asOf.In(s.set.Location))
	if s.set.Policy.WorkdaysOnly && !s.set.Calendar.IsWorkday(today) {
		return Result{Skipped: "non-workday " + today.String()}, nil
	}
	if job == ledger.JobDeadlines {
		return s.performDeadlines(ctx, run, asOf, today)
	}
	c, err := s.collect(ctx, job, today)
	if err != nil {
		return Result{}, err
	}
	return s.commit(ctx, job, run, asOf, today, c)
}

// commit renders and records what collect decided, in one transaction.
func (s *Scheduler) commit(ctx context.Context, job string, run store.Run, asOf time.Time, today ledger.Date, c collected) (Result, error) {
	render, err := s.renderer(ctx, job, asOf, today)
	if err != nil {
		return Result{}, err
	}
	digests, byKey := groupByRecipient(c.notices)
	build := func(recipient string, fresh []store.Reminder) (store.Message, error) {
		return s.message(job, asOf, recipient, fresh, byKey, render)
	}
	reminders, dispatches, err := s.store.CommitDigests(ctx, job, run.ID, digests, build, s.now(), c.checks)
	if err != nil {
		return Result{}, fmt.Errorf("scheduler: commit %s reminders: %w", job, err)
	}
	return Result{Reminders: reminders, Dispatches: dispatches}, nil
}

// maxRunNotices bounds the new reminders a deadline run holds in memory at
// once. A run with more (the backlog of a first run over a large ledger,
// or a run after the directory changed) is committed in parts: recipients
// are split into groups of at most this many reminders (a recipient with
// more is a group of its own), and the open items are read again for each
// group. Every recipient still gets one message; the check days are
// recorded with the last part, so a run that stops half-way is read in
// full again the next time, and the parts already committed are not
// repeated.
const maxRunNotices = 60000

// performDeadlines runs the deadline job, in parts when it has more than
// maxRunNotices new reminders.
func (s *Scheduler) performDeadlines(ctx context.Context, run store.Run, asOf time.Time, today ledger.Date) (Result, error) {
	c, counts, err := s.deadlineNotices(ctx, today, nil, s.maxNotices)
	if err != nil {
		return Result{}, err
	}
	if counts == nil {
		return s.commit(ctx, ledger.JobDeadlines, run, asOf, today, c)
	}
	parts := recipientGroups(counts, s.maxNotices)
	s.log.Info("deadline run in parts", "reminders", sum(counts), "parts", len(parts))
	var res Result
	for i, part := range parts {
		pc, _, err := s.deadlineNotices(ctx, today, part, 0)
		if err != nil {
			return res, err
		}
		pc.checks = nil
		if i == len(parts)-1 {
			pc.checks = c.checks
		}
		r, err := s.commit(ctx, ledger.JobDeadlines, run, asOf, today, pc)
		if err != nil {
			return res, err
		}
		res.Reminders += r.Reminders
		res.Dispatches += r.Dispatches
	}
	return res, nil
}

// recipientGroups splits the recipients, in address order, into groups of
// at most limit counted reminders; a recipient with more is a group alone.
func recipientGroups(counts map[string]int, limit int) []map[string]bool {
	var groups []map[string]bool
	size := 0
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		if len(groups) == 0 || size+counts[r] > limit {
			groups = append(groups, map[string]bool{})
			size = 0
		}
		groups[len(groups)-1][r] = true
		size += counts[r]
	}
	return groups
}

func sum(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// collected is what the rules decided for one run: the notices due (in
// batches: a large run's are not copied into one ever larger slice), and
// for the deadline job the check days of the items it looked at.
type collected struct {
	notices [][]ledger.Notice
	checks  *store.Checks
}

// collect asks the ledger rules which notices are due today for job.
func (s *Scheduler) collect(ctx context.Context, job string, today ledger.Date) (collected, error) {
	var ns []ledger.Notice
	var err error
	switch job {
	case ledger.JobDeadlines:
		c, _, err := s.deadlineNotices(ctx, today, nil, 0) // no limit: every notice is kept
		return c, err
	case ledger.JobDuties:
		ns, err = s.dutyNotices(ctx, today)
	case ledger.JobFollowups:
		ns, err = s.followupNotices(ctx, today)
	case ledger.JobSummary:
		ns = s.summaryNotices(today)
	}
	return collected{notices: [][]ledger.Notice{ns}}, err
}

// deadlineNotices streams the open items due for a check through the
// deadline rule; reading every open item, it keeps only the notices whose
// reminders are not recorded yet (see freshFilter). An item's check day is
// the next day the rule has something new to say about it
// (ledger.NextDeadlineChange): on a daily run most open items are between
// two stages and are not read at all. Under other settings than the last
// run's, or as of an earlier day, every open item is read.
//
// only, when not nil, keeps the notices to those recipients. With a limit
// and more new notices than that, it returns none of them but their counts
// by recipient instead.
func (s *Scheduler) deadlineNotices(ctx context.Context, today ledger.Date, only map[string]bool, limit int) (collected, map[string]int, error) {
	checks := &store.Checks{Job: ledger.JobDeadlines, Mark: store.CheckMark{
		Fingerprint: s.deadlineFingerprint, AsOf: today}}
	all, err := s.checkAll(ctx, checks.Mark)
	if err != nil {
		return collected{}, nil, err
	}
	fresh := newFreshFilter(s.store, all, limit)
	err = s.store.EachOpenItemToCheck(ctx, today, all, func(oi store.OpenItem) error {
		next, _ := ledger.NextDeadlineChange(oi.Item, today, s.set.Policy)
		checks.Items = append(checks.Items, store.ItemCheck{ID: oi.ID, Seen: oi.UpdatedAt, Next: next})
		ns := ledger.ItemNotices(oi.Item, s.set.Directory, today, s.set.Policy)
		if only != nil {
			ns = slices.DeleteFunc(ns, func(n ledger.Notice) bool { return !only[n.Recipient] })
		}
		return fresh.add(ctx, ns)
	})
	if err != nil {
		return collected{}, nil, fmt.Errorf("scheduler: read open items: %w", err)
	}
	notices, counts, err := fresh.finish(ctx)
	return collected{notices: notices, checks: checks}, counts, err
}

// checkAll reports whether the items' check days cannot be trusted for a
// run under mark: none were recorded, they were worked out under other
// settings, or on a later day than this run's (a catch-up or a manual run
// as of the past).
func (s *Scheduler) checkAll(ctx context.Context, mark store.CheckMark) (bool, error) {
	prev, err := s.store.GetCheckMark(ctx, ledger.JobDeadlines)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("scheduler: %w", err)
	}
	return prev.Fingerprint != mark.Fingerprint || mark.AsOf.Before(prev.AsOf), nil
}

func knownJob(job string) bool {
	for _, j := range ledger.JobNames {
		if j == job {
			return true
		}
	}
	return false
}
