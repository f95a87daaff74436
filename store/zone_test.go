package store_test

import (
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// eachInZone is storetest.Each with stores that count days in loc.
func eachInZone(t *testing.T, loc *time.Location, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			s, err := store.Open(t.Context(), storetest.URL(t, dialect), store.InZone(loc))
			must(t, err)
			t.Cleanup(func() { s.Close() })
			fn(t, s)
		})
	}
}

// An office in Beijing acts at 07:30 on June 1, which is still May 31 in
// UTC: every day the store derives from that instant is June 1.
func TestDaysAreTheOfficesDays(t *testing.T) {
	t.Parallel()
	morning := time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC) // 2026-06-01 07:30 in Beijing
	june1 := day("2026-06-01")
	eachInZone(t, cst, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		items := seedItems()
		_, err := s.ImportItems(ctx, items, store.ImportOptions{By: cli("test"), At: morning})
		must(t, err)
		imported, err := s.ItemEvents(ctx, "2024-7", "一.2")
		must(t, err)
		if len(imported) != 1 || !imported[0].On.Equal(june1) {
			t.Errorf("import event: %+v, want one on %s", imported, june1)
		}

		must(t, s.ChangeStatus(ctx, "2024-7", "一.2", ledger.StatusDone, ledger.Date{}, "", cli("test"), morning))
		must(t, s.AddProgress(ctx, "2024-7", "二.1", ledger.EventProgress, ledger.Date{}, "召开推进会", cli("test"), morning))
		must(t, s.AddSubmission(ctx, store.Submission{Duty: "monthly", Unit: "ua", Period: "2026-05", CreatedAt: morning}, cliActor))

		done, err := s.GetItem(ctx, "2024-7", "一.2")
		must(t, err)
		if !done.CompletedOn.Equal(june1) {
			t.Errorf("completed on %s, want %s", done.CompletedOn, june1)
		}
		events, err := s.ItemEvents(ctx, "2024-7", "二.1")
		must(t, err)
		if last := events[len(events)-1]; last.Kind != ledger.EventProgress || !last.On.Equal(june1) {
			t.Errorf("progress note: %+v, want on %s", last, june1)
		}
		subs, err := s.ListSubmissions(ctx, "monthly")
		must(t, err)
		if len(subs) != 1 || !subs[0].On.Equal(june1) {
			t.Errorf("submission: %+v, want on %s", subs, june1)
		}
	})
}
