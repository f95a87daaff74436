package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

func TestClaimRunOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		r, err := s.ClaimRun(ctx, "deadlines", t0, "host-a", t0.Add(time.Second), store.Retry{})
		must(t, err)
		if r.ID == 0 || r.Job != "deadlines" || r.Owner != "host-a" || r.Outcome != "running" || !r.FinishedAt.IsZero() || r.Attempts != 1 {
			t.Errorf("claimed run = %+v", r)
		}
		sameTime(t, "ScheduledFor", r.ScheduledFor, t0)
		sameTime(t, "StartedAt", r.StartedAt, t0.Add(time.Second))

		// The same instant in another zone is the same scheduled time.
		_, err = s.ClaimRun(ctx, "deadlines", t0.UTC(), "host-b", t0.Add(time.Second), store.Retry{})
		wantErr(t, err, store.ErrConflict)
		_, err = s.ClaimRun(ctx, "duties", t0, "host-b", t0, store.Retry{})
		must(t, err)
	})
}

// A claim with a Retry takes over the run of its scheduled time when that
// run failed or its process died, a limited number of times; never a run
// that finished well or is still going.
func TestClaimRunTakesOver(t *testing.T) {
	t.Parallel()
	retry := store.Retry{StaleAfter: 10 * time.Minute, Attempts: 3}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		tests := []struct {
			name     string
			outcome  string        // of the run recorded; "running" = never finished
			age      time.Duration // since it started, at the second claim
			retry    store.Retry
			attempts int // of the run recorded
			takeOver bool
		}{
			{"failed", "failed", time.Minute, retry, 1, true},
			{"process died", "running", 11 * time.Minute, retry, 1, true},
			{"still going", "running", 9 * time.Minute, retry, 1, false},
			{"finished well", "ok", time.Hour, retry, 1, false},
			{"failed, attempts spent", "failed", time.Minute, retry, 3, false},
			{"failed, second attempt", "failed", time.Minute, retry, 2, true},
			{"failed, no retry", "failed", time.Minute, store.Retry{}, 1, false},
			{"process died, no retry", "running", 24 * time.Hour, store.Retry{}, 1, false},
		}
		for i, tt := range tests {
			at := t0.AddDate(0, 0, i)
			var r store.Run
			var err error
			for range tt.attempts {
				r, err = s.ClaimRun(ctx, "deadlines", at, "host-a", at, retry)
				must(t, err)
				if tt.outcome != "running" {
					must(t, s.FinishRun(ctx, r, tt.outcome, 4, 2, "database gone", at.Add(time.Second)))
				}
			}
			if tt.outcome == "running" && tt.attempts > 1 {
				t.Fatalf("%s: a test case cannot have a running run attempted before", tt.name)
			}
			got, err := s.ClaimRun(ctx, "deadlines", at, "host-b", at.Add(tt.age), tt.retry)
			if !tt.takeOver {
				if !errors.Is(err, store.ErrConflict) {
					t.Errorf("%s: claim = %+v, %v; want ErrConflict", tt.name, got, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: claim: %v", tt.name, err)
				continue
			}
			if got.ID != r.ID || got.Owner != "host-b" || got.Outcome != "running" || got.Attempts != tt.attempts+1 ||
				!got.FinishedAt.IsZero() || got.Error != "" || got.Reminders != 0 {
				t.Errorf("%s: taken over run = %+v, want run %d, host-b's, running, attempt %d", tt.name, got, r.ID, tt.attempts+1)
			}
			sameTime(t, tt.name+": StartedAt", got.StartedAt, at.Add(tt.age))
			// The attempt taken over, were it only slow, records nothing.
			wantErr(t, s.FinishRun(ctx, r, "failed", 0, 0, "late", at.Add(tt.age+time.Second)), store.ErrConflict)
			must(t, s.FinishRun(ctx, got, "ok", 1, 1, "", at.Add(tt.age+2*time.Second)))
			runs, err := s.ListRuns(ctx, "deadlines", 1)
			must(t, err)
			if len(runs) != 1 || runs[0].ID != r.ID || runs[0].Outcome != "ok" || runs[0].Attempts != tt.attempts+1 {
				t.Errorf("%s: the run after both attempts ended = %+v, want the later attempt's ok", tt.name, runs)
			}
		}
	})
}

// Replicas claiming the same run at once, new or failed: one wins.
func TestClaimRunRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		retry := store.Retry{StaleAfter: time.Minute, Attempts: 3}
		failed, err := s.ClaimRun(t.Context(), "summary", t0.Add(time.Hour), "host-a", t0, retry)
		must(t, err)
		must(t, s.FinishRun(t.Context(), failed, "failed", 0, 0, "database gone", t0))
		for _, at := range []time.Time{t0, failed.ScheduledFor} {
			const claimers = 8
			var wg sync.WaitGroup
			errs := make(chan error, claimers)
			for i := range claimers {
				wg.Go(func() {
					_, err := s.ClaimRun(t.Context(), "summary", at, fmt.Sprintf("replica-%d", i), t0.Add(time.Second), retry)
					errs <- err
				})
			}
			wg.Wait()
			close(errs)
			won := 0
			for err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, store.ErrConflict):
					t.Errorf("losing claim: %v, want ErrConflict", err)
				}
			}
			if won != 1 {
				t.Errorf("run at %s: %d claims won, want exactly 1", at.Format(time.RFC3339), won)
			}
		}
	})
}

func TestRunHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		var deadlines []store.Run
		var ids []int64
		for i := range 3 {
			at := t0.AddDate(0, 0, i)
			for _, job := range []string{"deadlines", "duties"} {
				r, err := s.ClaimRun(ctx, job, at, "host-a", at, store.Retry{})
				must(t, err)
				if job == "deadlines" {
					deadlines, ids = append(deadlines, r), append(ids, r.ID)
				}
			}
		}
		must(t, s.FinishRun(ctx, deadlines[0], "ok", 5, 2, "", t0.Add(time.Minute)))
		must(t, s.FinishRun(ctx, deadlines[2], "failed", 0, 0, "smtp down", t0.AddDate(0, 0, 2).Add(time.Minute)))
		wantErr(t, s.FinishRun(ctx, store.Run{ID: 99999, Attempts: 1}, "ok", 0, 0, "", t0), store.ErrNotFound)

		last, err := s.LastRuns(ctx)
		must(t, err)
		if len(last) != 2 {
			t.Fatalf("LastRuns = %+v, want one per job", last)
		}
		d := last["deadlines"]
		if d.ID != ids[2] || d.Outcome != "failed" || d.Error != "smtp down" {
			t.Errorf("last deadlines run = %+v", d)
		}
		sameTime(t, "FinishedAt", d.FinishedAt, t0.AddDate(0, 0, 2).Add(time.Minute))

		runs, err := s.ListRuns(ctx, "deadlines", 0)
		must(t, err)
		if len(runs) != 3 || runs[0].ID != ids[2] || runs[2].ID != ids[0] {
			t.Fatalf("ListRuns(deadlines) = %+v, want newest first", runs)
		}
		if r := runs[2]; r.Outcome != "ok" || r.Reminders != 5 || r.Dispatches != 2 {
			t.Errorf("finished run = %+v", r)
		}
		runs, err = s.ListRuns(ctx, "", 4)
		must(t, err)
		if len(runs) != 4 || !runs[0].ScheduledFor.Equal(t0.AddDate(0, 0, 2)) {
			t.Errorf("ListRuns(all, 4) = %+v", runs)
		}
	})
}
