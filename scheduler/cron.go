package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// lastTick returns the latest time ≤ now at which sched fires, looking back
// at most window; false when it did not fire in that window. A constant
// delay (@every) is anchored to the zero time (time.Truncate) so that
// replicas agree on it.
func lastTick(sched cron.Schedule, now time.Time, window time.Duration) (time.Time, bool) {
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		t := now.Truncate(every.Delay)
		return t, now.Sub(t) <= window
	}
	var last time.Time
	found := false
	for t := sched.Next(now.Add(-window).Add(-time.Second)); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last, found = t, true
	}
	return last, found
}

// alignedEvery fires an @every schedule on the multiples of its delay since
// the zero time (robfig/cron counts the delay from whenever the daemon started):
// replicas then wake at the same instants, compute the same scheduled time
// with lastTick and claim one run between them, instead of each running its
// own ticks a little apart.
type alignedEvery struct{ delay time.Duration }

func (a alignedEvery) Next(t time.Time) time.Time {
	return t.Truncate(a.delay).Add(a.delay)
}

// aligned returns sched with a constant delay replaced by alignedEvery.
func aligned(sched cron.Schedule) cron.Schedule {
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		return alignedEvery{delay: every.Delay}
	}
	return sched
}

// NextRun is when a job on sched fires next after now, as Serve runs it:
// an @every schedule on the multiples of its delay (see alignedEvery). The
// console and `duban jobs` both show it.
func NextRun(sched cron.Schedule, now time.Time) time.Time {
	return aligned(sched).Next(now)
}

// NextRun is when job fires next after now; false for an unknown job.
func (s *Scheduler) NextRun(job string, now time.Time) (time.Time, bool) {
	spec, ok := s.spec(job)
	if !ok || spec.Cron == nil {
		return time.Time{}, false
	}
	return NextRun(spec.Cron, now.In(s.set.Location)), true
}

// Spec returns the schedule of a job.
func (s *Scheduler) spec(job string) (JobSpec, bool) {
	for _, j := range s.set.Jobs {
		if j.Name == job {
			return j, true
		}
	}
	return JobSpec{}, false
}

// Jobs returns the job specs in display order.
func (s *Scheduler) Jobs() []JobSpec { return s.set.Jobs }

// Serve runs the cron loop until ctx ends: first one catch-up run per job
// whose latest scheduled time within its catch-up window has no run, then
// every tick, and every RecheckEvery a recheck of those latest runs. It
// returns after the running jobs have finished.
func (s *Scheduler) Serve(ctx context.Context) error {
	c := cron.New(
		cron.WithLocation(s.set.Location),
		cron.WithChain(cron.Recover(cronLogger{s.log}), cron.SkipIfStillRunning(cronLogger{s.log})),
	)
	for _, spec := range s.set.Jobs {
		if spec.Cron == nil {
			return fmt.Errorf("scheduler: job %s has no schedule", spec.Name)
		}
		c.Schedule(aligned(spec.Cron), cron.FuncJob(func() { s.tick(ctx, spec.Name, spec.Cron) }))
	}
	c.Schedule(aligned(cron.Every(s.recheckEvery)), cron.FuncJob(func() { s.runLatest(ctx, slog.LevelDebug) }))
	s.CatchUp(ctx)
	c.Start()
	now := s.now()
	for _, spec := range s.set.Jobs {
		if next, ok := s.NextRun(spec.Name, now); ok {
			s.log.Info("job scheduled", "job", spec.Name, "schedule", spec.Schedule, "next_run", next.Format(time.RFC3339))
		}
	}
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// CatchUp runs, once, each job whose latest scheduled time within its
// catch_up window has no run row yet, or a run to retry (retryRun).
// Missed older ticks are never replayed: the rules send the current stage,
// which supersedes the missed ones.
func (s *Scheduler) CatchUp(ctx context.Context) { s.runLatest(ctx, slog.LevelInfo) }

// runLatest claims the run of each job's latest scheduled time within its
// catch_up window, and does it when the claim succeeds: when no process
// claimed it (the daemon was down, or the database away at the tick), or
// its run is one to retry. level is that of the line saying it tries.
func (s *Scheduler) runLatest(ctx context.Context, level slog.Level) {
	now := s.now().In(s.set.Location)
	for _, spec := range s.set.Jobs {
		if spec.CatchUp <= 0 || spec.Cron == nil {
			continue
		}
		at, ok := lastTick(spec.Cron, now, spec.CatchUp)
		if !ok {
			continue
		}
		s.log.Log(ctx, level, "catch-up run", "job", spec.Name, "scheduled_for", at.Format(time.RFC3339))
		s.runLogged(ctx, spec.Name, at)
	}
}

// tick is what cron calls: the scheduled time is recomputed from the
// schedule, so every replica claims the same (job, time) row.
func (s *Scheduler) tick(ctx context.Context, job string, sched cron.Schedule) {
	at, ok := lastTick(sched, s.now().In(s.set.Location), time.Hour)
	if !ok {
		return
	}
	s.runLogged(ctx, job, at)
}

func (s *Scheduler) runLogged(ctx context.Context, job string, at time.Time) {
	_, err := s.RunJob(ctx, job, at)
	switch {
	case errors.Is(err, ErrAlreadyRan):
		s.log.Debug("run already claimed", "job", job, "scheduled_for", at.Format(time.RFC3339))
	case err != nil:
		s.log.Error("job run failed", "job", job, "scheduled_for", at.Format(time.RFC3339), "err", err)
	}
}

// cronLogger adapts slog to robfig/cron's logger, used by Recover and
// SkipIfStillRunning.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
