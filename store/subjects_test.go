package store_test

import (
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

func TestDispatchesForSubject(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		item, other := "2024-7/四.2", "2024-7/四.1"
		commit := func(at time.Time, digests ...store.Digest) {
			t.Helper()
			run, err := s.ClaimRun(ctx, "deadlines", at, "host-a", at, store.Retry{})
			must(t, err)
			for i := range digests {
				digests[i].Key = "deadlines/" + at.Format(time.RFC3339) + "/" + digests[i].Recipient
			}
			_, _, err = s.CommitDigests(ctx, "deadlines", run.ID, digests, buildMessage, at)
			must(t, err)
		}
		// Day one: cwb hears of both items in one digest, zzb only of the other.
		commit(t0,
			store.Digest{Recipient: "cwb@example.org", Reminders: []store.Reminder{
				reminder(item, "remind-7d", "cwb@example.org"),
				reminder(other, "remind-7d", "cwb@example.org"),
			}},
			store.Digest{Recipient: "zzb@example.org", Reminders: []store.Reminder{
				reminder(other, "remind-7d", "zzb@example.org"),
			}},
		)
		// A week later: the item is due, for cwb and for its leader.
		later := t0.Add(7 * 24 * time.Hour)
		commit(later,
			store.Digest{Recipient: "cwb@example.org", Reminders: []store.Reminder{reminder(item, "due", "cwb@example.org")}},
			store.Digest{Recipient: "li@example.org", Reminders: []store.Reminder{reminder(item, "due", "li@example.org")}},
		)

		got, err := s.DispatchesForSubject(ctx, item)
		must(t, err)
		var to []string
		for _, d := range got {
			to = append(to, d.Recipient+"@"+d.CreatedAt.Format(time.DateOnly))
		}
		want := []string{"li@example.org@2025-06-23", "cwb@example.org@2025-06-23", "cwb@example.org@2025-06-16"}
		if len(to) != len(want) {
			t.Fatalf("dispatches for %s: %v, want %v", item, to, want)
		}
		// Newest first; within one run by id descending.
		for i := range want {
			if to[i] != want[i] {
				t.Fatalf("dispatches for %s: %v, want %v", item, to, want)
			}
		}
		if got[2].Subject == "" || got[2].BodyHTML == "" {
			t.Errorf("dispatch not read in full: %+v", got[2])
		}

		none, err := s.DispatchesForSubject(ctx, "2024-7/no-such-item")
		must(t, err)
		if len(none) != 0 {
			t.Errorf("unknown subject: %d dispatches, want none", len(none))
		}
	})
}
