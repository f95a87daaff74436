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
		r, err := s.ClaimRun(ctx, "deadlines", t0, "host-a", t0.Add(time.Second))
		must(t, err)
		if r.ID == 0 || r.Job != "deadlines" || r.Owner != "host-a" || r.Outcome != "running" || !r.FinishedAt.IsZero() {
			t.Errorf("claimed run = %+v", r)
		}
		sameTime(t, "ScheduledFor", r.ScheduledFor, t0)
		sameTime(t, "StartedAt", r.StartedAt, t0.Add(time.Second))

		// The same instant in another zone is the same scheduled time.
		_, err = s.ClaimRun(ctx, "deadlines", t0.UTC(), "host-b", t0.Add(time.Second))
		wantErr(t, err, store.ErrConflict)
		_, err = s.ClaimRun(ctx, "duties", t0, "host-b", t0)
		must(t, err)
	})
}

func TestClaimRunRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		const claimers = 8
		var wg sync.WaitGroup
		errs := make(chan error, claimers)
		for i := range claimers {
			wg.Go(func() {
				_, err := s.ClaimRun(t.Context(), "summary", t0, fmt.Sprintf("replica-%d", i), t0)
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
			t.Errorf("%d claims won, want exactly 1", won)
		}
	})
}

func TestRunHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		var ids []int64
		for i := range 3 {
			at := t0.AddDate(0, 0, i)
			for _, job := range []string{"deadlines", "duties"} {
				r, err := s.ClaimRun(ctx, job, at, "host-a", at)
				must(t, err)
				if job == "deadlines" {
					ids = append(ids, r.ID)
				}
			}
		}
		must(t, s.FinishRun(ctx, ids[0], "ok", 5, 2, "", t0.Add(time.Minute)))
		must(t, s.FinishRun(ctx, ids[2], "failed", 0, 0, "smtp down", t0.AddDate(0, 0, 2).Add(time.Minute)))
		wantErr(t, s.FinishRun(ctx, 99999, "ok", 0, 0, "", t0), store.ErrNotFound)

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
