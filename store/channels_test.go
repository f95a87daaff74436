package store_test

import (
	"slices"
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

func TestDispatchesHaveTheirRecipientsChannel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		queue(t, s, 0, t0, "bgs@example.org", "wecom:unit/bgs", "dingtalk:leader/wang", "feishu:supervisors")
		all, err := s.ListDispatches(ctx, store.DispatchFilter{})
		must(t, err)
		got := map[string]string{}
		for _, d := range all {
			got[d.Recipient] = d.Channel
		}
		want := map[string]string{"bgs@example.org": "email", "wecom:unit/bgs": "wecom",
			"dingtalk:leader/wang": "dingtalk", "feishu:supervisors": "feishu"}
		for r, ch := range want {
			if got[r] != ch {
				t.Errorf("dispatch to %s: channel %q, want %q", r, got[r], ch)
			}
		}
		wecom, err := s.ListDispatches(ctx, store.DispatchFilter{Channel: "wecom"})
		must(t, err)
		if len(wecom) != 1 || wecom[0].Recipient != "wecom:unit/bgs" {
			t.Errorf("channel filter wecom = %+v", wecom)
		}

		// One of each sent, failed: the counts by state and channel.
		claimed, err := s.ClaimDispatches(ctx, "host-a", t0, time.Minute, 10, false)
		must(t, err)
		var outcomes []store.Outcome
		for _, d := range claimed {
			state := store.StateSent
			if d.Channel == "dingtalk" {
				state = store.StateFailed
			}
			if d.Channel != "feishu" {
				outcomes = append(outcomes, store.Outcome{ID: d.ID, State: state})
			}
		}
		_, err = s.Settle(ctx, "host-a", outcomes, t0)
		must(t, err)
		counts, err := s.CountDispatches(ctx)
		must(t, err)
		slices.SortFunc(counts, func(a, b store.DispatchCount) int {
			if a.Channel < b.Channel {
				return -1
			}
			if a.Channel > b.Channel {
				return 1
			}
			return 0
		})
		wantCounts := []store.DispatchCount{
			{State: "failed", Channel: "dingtalk", N: 1}, {State: "sent", Channel: "email", N: 1},
			{State: "sending", Channel: "feishu", N: 1}, {State: "sent", Channel: "wecom", N: 1},
		}
		if !slices.Equal(counts, wantCounts) {
			t.Errorf("counts = %+v, want %+v", counts, wantCounts)
		}
		byState, err := s.CountDispatchesByState(ctx)
		must(t, err)
		if byState[store.StateSent] != 2 || byState[store.StateFailed] != 1 || byState[store.StatePending] != 0 {
			t.Errorf("counts by state = %v", byState)
		}
	})
}

func TestOldestUndelivered(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		if _, ok, err := s.OldestUndelivered(ctx); err != nil || ok {
			t.Fatalf("empty store: oldest undelivered ok=%v err=%v, want none", ok, err)
		}
		queue(t, s, 0, t0, "a@example.org")
		queue(t, s, 0, t0.Add(time.Hour), "b@example.org")
		oldest, ok, err := s.OldestUndelivered(ctx)
		must(t, err)
		if !ok || !oldest.Equal(t0) {
			t.Errorf("oldest undelivered = %v %v, want %v", oldest, ok, t0)
		}
		// Delivering the older one leaves the younger the oldest.
		claimed, err := s.ClaimDispatches(ctx, "host-a", t0, time.Minute, 1, false)
		must(t, err)
		wantSettled(t, s, "host-a", t0, store.Outcome{ID: claimed[0].ID, State: store.StateSent})
		oldest, ok, err = s.OldestUndelivered(ctx)
		must(t, err)
		if !ok || !oldest.Equal(t0.Add(time.Hour)) {
			t.Errorf("after a delivery: oldest undelivered = %v %v, want %v", oldest, ok, t0.Add(time.Hour))
		}
	})
}

func TestRetryFailedSince(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		queue(t, s, 0, t0, "old@example.org")
		queue(t, s, 0, t0.Add(24*time.Hour), "new@example.org", "sent@example.org")
		claimed, err := s.ClaimDispatches(ctx, "host-a", t0.Add(25*time.Hour), time.Minute, 10, false)
		must(t, err)
		var outcomes []store.Outcome
		for _, d := range claimed {
			state := store.StateFailed
			if d.Recipient == "sent@example.org" {
				state = store.StateSent
			}
			outcomes = append(outcomes, store.Outcome{ID: d.ID, State: state, Error: "550 no such user"})
		}
		_, err = s.Settle(ctx, "host-a", outcomes, t0.Add(25*time.Hour))
		must(t, err)

		now := t0.Add(26 * time.Hour)
		n, err := s.RetryFailed(ctx, store.DispatchFilter{Since: t0.Add(12 * time.Hour), State: store.StateSent}, now, console)
		must(t, err)
		if n != 1 {
			t.Fatalf("retried %d, want only the failed one created since", n)
		}
		pending, err := s.ListDispatches(ctx, store.DispatchFilter{State: store.StatePending})
		must(t, err)
		if len(pending) != 1 || pending[0].Recipient != "new@example.org" || pending[0].Attempts != 0 || !pending[0].NextAttemptAt.Equal(now) {
			t.Errorf("pending after retry = %+v", pending)
		}
		// The filter's other fields select too.
		n, err = s.RetryFailed(ctx, store.DispatchFilter{To: "new@example.org"}, now, console)
		must(t, err)
		if n != 0 {
			t.Errorf("retried %d to an address whose message is pending already", n)
		}
		// Without a since every failed one comes back; the sent one never.
		n, err = s.RetryFailed(ctx, store.DispatchFilter{}, now, cliActor)
		must(t, err)
		if n != 1 {
			t.Errorf("retried %d, want the older failed one", n)
		}
		// Each retry is in the audit log, by whom it was asked.
		entries, err := s.ListAudit(ctx, store.AuditFilter{Action: store.ActionDispatchRetry})
		must(t, err)
		if len(entries) != 2 || entries[0].Actor != cliActor || entries[1].Actor != console ||
			entries[1].Before != `{"state":"failed","attempts":1}` || entries[1].After != `{"state":"pending","attempts":0}` {
			t.Errorf("audit of the retries = %+v", entries)
		}
		byState, err := s.CountDispatchesByState(ctx)
		must(t, err)
		if byState[store.StatePending] != 2 || byState[store.StateSent] != 1 || byState[store.StateFailed] != 0 {
			t.Errorf("states after retries = %v", byState)
		}
	})
}

func TestLastSuccesses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		finish := func(job string, at time.Time, outcome string) {
			r, err := s.ClaimRun(ctx, job, at, "host-a", at, store.Retry{})
			must(t, err)
			must(t, s.FinishRun(ctx, r, outcome, 0, 0, "", at.Add(time.Minute)))
		}
		finish("deadlines", t0, "ok")
		finish("deadlines", t0.Add(24*time.Hour), "failed")
		finish("summary", t0, "failed")
		last, err := s.LastSuccesses(ctx)
		must(t, err)
		if len(last) != 1 || !last["deadlines"].ScheduledFor.Equal(t0) || !last["deadlines"].FinishedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("last successes = %+v, want deadlines at t0 only", last)
		}
	})
}
