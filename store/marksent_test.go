package store_test

import (
	"slices"
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

// MarkSentMany settles, in one go, exactly the dispatches still leased by
// the owner, and names the others.
func TestMarkSentMany(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		queue(t, s, 0, t0, "a@x.org", "b@x.org", "c@x.org", "d@x.org")
		mine, err := s.ClaimDispatches(ctx, "w", t0, time.Minute, 3, false)
		must(t, err)
		if len(mine) != 3 {
			t.Fatalf("claimed %d dispatches, want 3", len(mine))
		}
		theirs, err := s.ClaimDispatches(ctx, "other", t0, time.Minute, 1, false)
		must(t, err)
		if len(theirs) != 1 {
			t.Fatalf("other claimed %d dispatches, want 1", len(theirs))
		}
		must(t, s.MarkSent(ctx, mine[2].ID, "w", "<m2@x>", "250 ok", t0)) // settled already

		marks := []store.SentMark{
			{ID: mine[0].ID, MessageID: "<m0@x>", Reply: "250 2.0.0 queued"},
			{ID: mine[1].ID, Reply: "250 ok"},
			{ID: mine[2].ID, MessageID: "<again@x>", Reply: "250 again"},
			{ID: theirs[0].ID, MessageID: "<t@x>", Reply: "250 ok"},
			{ID: 99999, Reply: "250 ok"},
		}
		lost, err := s.MarkSentMany(ctx, "w", marks, t0.Add(time.Second))
		must(t, err)
		if want := []int64{mine[2].ID, theirs[0].ID, 99999}; !slices.Equal(lost, want) {
			t.Errorf("lost = %v, want %v", lost, want)
		}
		got, err := s.GetDispatch(ctx, mine[0].ID)
		must(t, err)
		if got.State != store.StateSent || got.MessageID != "<m0@x>" || got.SMTPReply != "250 2.0.0 queued" ||
			!got.SentAt.Equal(t0.Add(time.Second)) || !got.LeaseUntil.IsZero() {
			t.Errorf("settled dispatch = %+v, want sent at t0+1s with its Message-ID and reply", got)
		}
		if got, err := s.GetDispatch(ctx, mine[2].ID); err != nil || got.MessageID != "<m2@x>" {
			t.Errorf("dispatch settled before = %+v, %v: want it untouched", got, err)
		}
		if got, err := s.GetDispatch(ctx, theirs[0].ID); err != nil || got.State != store.StateSending {
			t.Errorf("other's dispatch = %+v, %v: want it still sending", got, err)
		}
		if lost, err := s.MarkSentMany(ctx, "w", nil, t0); err != nil || lost != nil {
			t.Errorf("MarkSentMany(nil) = %v, %v", lost, err)
		}
	})
}
