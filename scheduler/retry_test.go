package scheduler_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"duban/config"
	"duban/ledger"
	"duban/notify"
	"duban/scheduler"
	"duban/store"
	"duban/store/storetest"
)

// A day's run that failed, or whose process died, is done again by the
// running daemon: at its start, or at its next recheck. The office gets
// that day's reminders, and nothing twice.
func TestServeDoesAgainARunThatDidNotFinish(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// before leaves the tick's run as another process left it.
		before func(t *testing.T, st *store.Store, tick time.Time) store.Run
		// whileServing happens to that run once the daemon, started, found
		// it claimed.
		whileServing func(t *testing.T, st *store.Store, run store.Run)
	}{
		{
			name: "its process died",
			before: func(t *testing.T, st *store.Store, tick time.Time) store.Run {
				return claimAs(t, st, tick, "dead-host", time.Now().Add(-11*time.Minute))
			},
		},
		{
			name: "it failed while the daemon ran",
			before: func(t *testing.T, st *store.Store, tick time.Time) store.Run {
				return claimAs(t, st, tick, "other-replica", time.Now())
			},
			whileServing: func(t *testing.T, st *store.Store, run store.Run) {
				must(t, st.FinishRun(t.Context(), run, "failed", 0, 0, "database gone", time.Now()))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				ctx, stop := context.WithCancel(t.Context())
				// A daily job whose tick was an hour ago, within its catch-up window.
				tick := time.Now().In(cst).Add(-time.Hour).Truncate(time.Minute)
				today := ledger.DateOf(tick)
				must(t, st.EnsureRounds(ctx, []ledger.Round{{Code: "r1"}}))
				_, err := st.ImportItems(ctx, []ledger.Item{{Round: "r1", No: "A1", Seq: 1, Problem: "制度缺失",
					Units: []string{"ua"}, Deadline: today.AddDays(3), Status: ledger.StatusOpen}},
					store.ImportOptions{By: store.Actor{Name: "test", Kind: store.ActorCLI}, At: tick})
				must(t, err)
				run := tt.before(t, st, tick)

				runs := make(chan scheduler.Result, 4)
				logged := make(chan string, 100)
				s := dailyScheduler(t, st, tick, logged, func(job string, res scheduler.Result, err error) {
					if err != nil {
						t.Errorf("%s run: %v", job, err)
					}
					runs <- res
				})
				served := make(chan error, 1)
				go func() { served <- s.Serve(ctx) }()
				if tt.whileServing != nil {
					waitLogged(t, logged, "run already claimed")
					tt.whileServing(t, st, run)
				}
				select {
				case res := <-runs:
					if res.Run.ID != run.ID || res.Run.Attempts != 2 || res.Reminders != 1 || res.Dispatches != 1 {
						t.Errorf("run = %+v, want run %d done again (attempt 2), one reminder in one message", res, run.ID)
					}
				case <-time.After(time.Minute):
					t.Fatal("no run within a minute")
				}
				stop()
				must(t, <-served)

				last, err := st.LastRuns(t.Context())
				must(t, err)
				if r := last[ledger.JobDeadlines]; r.Outcome != "ok" || r.Attempts != 2 || r.Owner != "test" {
					t.Errorf("the tick's run = %+v, want ok at the second attempt, by this process", r)
				}
			})
		})
	}
}

// claimAs records the run of the deadline job at tick as claimed by owner
// at startedAt, as a process that never finished it leaves it.
func claimAs(t *testing.T, st *store.Store, tick time.Time, owner string, startedAt time.Time) store.Run {
	t.Helper()
	run, err := st.ClaimRun(t.Context(), ledger.JobDeadlines, tick, owner, startedAt, store.Retry{})
	must(t, err)
	return run
}

// waitLogged waits for the scheduler to log msg.
func waitLogged(t *testing.T, logged <-chan string, msg string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case m := <-logged:
			if m == msg {
				return
			}
		case <-timeout:
			t.Fatalf("not logged within a minute: %q", msg)
		}
	}
}

// messages is a slog handler that passes on the message of each record.
type messages chan<- string

func (m messages) Enabled(context.Context, slog.Level) bool { return true }
func (m messages) WithAttrs([]slog.Attr) slog.Handler       { return m }
func (m messages) WithGroup(string) slog.Handler            { return m }
func (m messages) Handle(_ context.Context, r slog.Record) error {
	select {
	case m <- r.Message:
	default: // nobody waits for it
	}
	return nil
}

// dailyScheduler runs the deadline job daily at tick's time of day on the
// real clock, catching up a day, rechecking every second; it logs the
// messages of its records to logged.
func dailyScheduler(t *testing.T, st *store.Store, tick time.Time, logged chan<- string,
	afterRun func(string, scheduler.Result, error)) *scheduler.Scheduler {
	t.Helper()
	schedule := fmt.Sprintf("%d %d * * *", tick.Minute(), tick.Hour())
	sched, err := config.ParseSchedule(schedule)
	must(t, err)
	tmpl, err := notify.LoadTemplates("")
	must(t, err)
	policy := ledger.DefaultPolicy()
	policy.WorkdaysOnly = false // whatever day the test runs on
	set := scheduler.Settings{
		Location: cst, Policy: policy, Calendar: ledger.NewCalendar(nil, nil), Directory: office(), Office: "督查室",
		Jobs: []scheduler.JobSpec{{Name: ledger.JobDeadlines, Schedule: schedule, Cron: sched, CatchUp: 24 * time.Hour}},
	}
	return scheduler.New(st, set, tmpl, scheduler.Options{Owner: "test", Logger: slog.New(messages(logged)),
		AfterRun: afterRun, RecheckEvery: time.Second})
}
