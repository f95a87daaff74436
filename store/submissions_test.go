package store_test

import (
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// A file of submissions is recorded whole or not at all: one that exists
// already (or a duplicate within the batch) leaves nothing behind.
func TestAddSubmissionsAllOrNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		must(t, s.AddSubmission(ctx, store.Submission{Duty: "monthly", Unit: "ua", Period: "2025-03", On: day("2025-04-02"), CreatedAt: t0}, cliActor))

		batch := []store.Submission{
			{Duty: "monthly", Unit: "ub", Period: "2025-03", On: day("2025-04-03"), Note: "纸质", Actor: "cli:x", CreatedAt: t0},
			{Duty: "monthly", Unit: "ua", Period: "2025-03", On: day("2025-04-04"), CreatedAt: t0}, // exists
		}
		wantErr(t, s.AddSubmissions(ctx, batch, cliActor), store.ErrConflict)
		inBatch := []store.Submission{batch[0], batch[0]}
		wantErr(t, s.AddSubmissions(ctx, inBatch, cliActor), store.ErrConflict)
		got, err := s.ListSubmissions(ctx, "monthly")
		must(t, err)
		if len(got) != 1 || got[0].Unit != "ua" {
			t.Fatalf("after failed batches: %+v, want only the first submission", got)
		}

		must(t, s.AddSubmissions(ctx, []store.Submission{batch[0],
			{Duty: "quarterly", Unit: "b1", Period: "2025-Q4", On: day("2026-01-09"), CreatedAt: t0}}, cliActor))
		all, err := s.ListSubmissions(ctx, "")
		must(t, err)
		if len(all) != 3 || all[1].Unit != "ub" || all[1].Note != "纸质" || !all[1].On.Equal(day("2025-04-03")) || all[2].Period != "2025-Q4" {
			t.Fatalf("after a good batch: %+v", all)
		}
		must(t, s.AddSubmissions(ctx, nil, cliActor))
	})
}

// Submitted indexes what was recorded for one duty, or for all.
func TestSubmitted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		must(t, s.AddSubmissions(ctx, []store.Submission{
			{Duty: "monthly", Unit: "ua", Period: "2025-03", On: day("2025-04-02"), CreatedAt: t0},
			{Duty: "quarterly", Unit: "ua", Period: "2025-Q1", On: day("2025-04-09"), CreatedAt: t0},
		}, cliActor))
		march := ledger.Period{Kind: ledger.Monthly, Year: 2025, N: 3}
		monthly, err := s.Submitted(ctx, "monthly")
		must(t, err)
		if on, ok := monthly.On("monthly")("ua", march); !ok || !on.Equal(day("2025-04-02")) || len(monthly) != 1 {
			t.Errorf("Submitted(monthly) = %v", monthly)
		}
		all, err := s.Submitted(ctx, "")
		must(t, err)
		if !all.Has("quarterly")("ua", ledger.Period{Kind: ledger.Quarterly, Year: 2025, N: 1}) || len(all) != 2 {
			t.Errorf("Submitted(\"\") = %v", all)
		}
	})
}

// A withdrawn submission (撤回) no longer counts, and the period may be
// submitted again; only a current one can be withdrawn.
func TestWithdrawSubmission(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		first := store.Submission{Duty: "monthly", Unit: "ua", Period: "2025-03", On: day("2025-04-02"), Note: "初报", CreatedAt: t0}
		must(t, s.AddSubmission(ctx, first, cliActor))
		wantErr(t, s.AddSubmission(ctx, first, cliActor), store.ErrConflict)

		got, err := s.WithdrawSubmission(ctx, "monthly", "ua", "2025-03", "报错了表", cli("cli:x"), t0.Add(time.Hour))
		must(t, err)
		if got.Note != "初报" || !got.On.Equal(day("2025-04-02")) {
			t.Errorf("withdrawn %+v, want the first submission", got)
		}
		idx, err := s.Submitted(ctx, "monthly")
		must(t, err)
		if len(idx) != 0 {
			t.Errorf("after the withdrawal: %v, want nothing submitted", idx)
		}
		_, err = s.WithdrawSubmission(ctx, "monthly", "ua", "2025-03", "再撤一次", cli("cli:x"), t0.Add(2*time.Hour))
		wantErr(t, err, store.ErrNotFound)

		again := store.Submission{Duty: "monthly", Unit: "ua", Period: "2025-03", On: day("2025-04-05"), Note: "重报", CreatedAt: t0.Add(3 * time.Hour)}
		must(t, s.AddSubmission(ctx, again, cliActor))
		wantErr(t, s.AddSubmission(ctx, again, cliActor), store.ErrConflict)
		subs, err := s.ListSubmissions(ctx, "")
		must(t, err)
		if len(subs) != 1 || subs[0].Note != "重报" || !subs[0].On.Equal(day("2025-04-05")) {
			t.Errorf("after submitting again: %+v, want the second submission only", subs)
		}
	})
}

// The day a duty was first seen is recorded once: a later day does not
// move it, a new duty gets its own.
func TestDutiesFirstSeen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		seen, err := s.DutiesFirstSeen(ctx, []string{"monthly", "yearly"}, day("2026-12-02"))
		must(t, err)
		if len(seen) != 2 || !seen["monthly"].Equal(day("2026-12-02")) || !seen["yearly"].Equal(day("2026-12-02")) {
			t.Fatalf("first look: %v", seen)
		}
		seen, err = s.DutiesFirstSeen(ctx, []string{"monthly", "quarterly"}, day("2027-03-15"))
		must(t, err)
		if !seen["monthly"].Equal(day("2026-12-02")) || !seen["quarterly"].Equal(day("2027-03-15")) {
			t.Errorf("second look: %v, want monthly kept, quarterly new", seen)
		}
	})
}
