package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

func reminder(subject, stage, recipient string) store.Reminder {
	return store.Reminder{
		Key:  "deadline|" + subject + "|" + stage + "|" + recipient,
		Rule: "deadline", Subject: subject, Stage: stage, Recipient: recipient,
	}
}

// buildMessage makes a message whose refs name its reminders, as the scheduler's would.
func buildMessage(_ store.Digest, fresh []store.Reminder) (store.Message, error) {
	var keys []string
	for _, r := range fresh {
		keys = append(keys, r.Subject+"@"+r.Stage)
	}
	return store.Message{
		Subject: fmt.Sprintf("【督办】%d 项整改事项", len(fresh)),
		Text:    "text", HTML: "<p>html</p>", Refs: `["` + strings.Join(keys, `","`) + `"]`,
	}, nil
}

// queue commits one single-reminder dispatch per recipient, due at due;
// the reminder's subject is named after due so that calls do not dedupe.
func queue(t *testing.T, s *store.Store, runID int64, due time.Time, recipients ...string) {
	t.Helper()
	var digests []store.Digest
	for _, r := range recipients {
		digests = append(digests, store.Digest{Recipient: r, Key: "deadlines/" + due.Format(time.RFC3339) + "/" + r,
			Reminders: []store.Reminder{reminder("item@"+due.Format(time.RFC3339), "due", r)}})
	}
	_, n, err := s.CommitDigests(t.Context(), "deadlines", runID, digests, buildMessage, due)
	must(t, err)
	if n != len(recipients) {
		t.Fatalf("queued %d dispatches, want %d", n, len(recipients))
	}
}

// wantSettled settles one outcome and fails unless it was.
func wantSettled(t *testing.T, s *store.Store, owner string, now time.Time, o store.Outcome) {
	t.Helper()
	lost, err := s.Settle(t.Context(), owner, []store.Outcome{o}, now)
	must(t, err)
	if len(lost) != 0 {
		t.Fatalf("outcome %+v of %s not settled", o, owner)
	}
}

// wantLost settles one outcome and fails unless it was refused.
func wantLost(t *testing.T, s *store.Store, owner string, now time.Time, o store.Outcome) {
	t.Helper()
	lost, err := s.Settle(t.Context(), owner, []store.Outcome{o}, now)
	must(t, err)
	if len(lost) != 1 || lost[0] != o.ID {
		t.Fatalf("outcome %+v of %s settled, want it refused", o, owner)
	}
}

func TestCommitDigestsDedupes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		run, err := s.ClaimRun(ctx, "deadlines", t0, "host-a", t0, store.Retry{})
		must(t, err)
		digests := []store.Digest{
			{Recipient: "bgs@example.org", Key: "deadlines/1/bgs@example.org", Reminders: []store.Reminder{
				reminder("2024-7/一.2", "remind-7d", "bgs@example.org"),
				reminder("2024-7/二.1", "due", "bgs@example.org"),
			}},
			{Recipient: "wang@example.org", Key: "deadlines/1/wang@example.org", Reminders: []store.Reminder{
				{Rule: "deadline", Subject: "2024-7/一.2", Stage: "overdue-2"}, // key and recipient derived
			}},
		}
		var mu sync.Mutex // build runs on several goroutines
		var built []string
		build := func(d store.Digest, fresh []store.Reminder) (store.Message, error) {
			mu.Lock()
			built = append(built, d.Recipient)
			slices.Sort(built)
			mu.Unlock()
			for _, r := range fresh {
				if r.Key == "" || r.Recipient != d.Recipient {
					t.Errorf("fresh reminder %+v lacks key or recipient", r)
				}
			}
			return buildMessage(d, fresh)
		}
		rem, disp, err := s.CommitDigests(ctx, "deadlines", run.ID, digests, build, t0)
		must(t, err)
		if rem != 3 || disp != 2 || !slices.Equal(built, []string{"bgs@example.org", "wang@example.org"}) {
			t.Fatalf("first commit: %d reminders, %d dispatches, built for %v", rem, disp, built)
		}
		known, err := s.KnownReminders(ctx, []string{
			"deadline|2024-7/一.2|overdue-2|wang@example.org", "deadline|2024-7/二.1|due|bgs@example.org", "nope",
		})
		must(t, err)
		if !known["deadline|2024-7/一.2|overdue-2|wang@example.org"] || !known["deadline|2024-7/二.1|due|bgs@example.org"] || known["nope"] {
			t.Errorf("KnownReminders = %v", known)
		}

		// The same decisions again (a rerun, another replica): nothing new.
		built = nil
		digests[0].Key, digests[1].Key = "deadlines/2/bgs@example.org", "deadlines/2/wang@example.org"
		rem, disp, err = s.CommitDigests(ctx, "deadlines", run.ID, digests, build, t0.Add(time.Hour))
		must(t, err)
		if rem != 0 || disp != 0 || len(built) != 0 {
			t.Fatalf("second commit: %d reminders, %d dispatches, built for %v; want nothing", rem, disp, built)
		}

		// One new stage among known ones: a message with only the new one.
		digests[0].Reminders = append(digests[0].Reminders, reminder("2024-7/一.3", "due", "bgs@example.org"))
		digests[0].Key, digests[1].Key = "deadlines/3/bgs@example.org", "deadlines/3/wang@example.org"
		rem, disp, err = s.CommitDigests(ctx, "deadlines", 0, digests, build, t0.Add(2*time.Hour))
		must(t, err)
		if rem != 1 || disp != 1 {
			t.Fatalf("third commit: %d reminders, %d dispatches, want 1 and 1", rem, disp)
		}
		list, err := s.ListDispatches(ctx, store.DispatchFilter{})
		must(t, err)
		if len(list) != 3 {
			t.Fatalf("%d dispatches, want 3", len(list))
		}
		d := list[0]
		if d.Key != "deadlines/3/bgs@example.org" || d.Refs != `["2024-7/一.3@due"]` || d.State != store.StatePending || d.RunID != 0 ||
			d.Job != "deadlines" || d.Attempts != 0 || d.MessageID != "" || d.BodyHTML != "<p>html</p>" {
			t.Errorf("newest dispatch = %+v", d)
		}
		sameTime(t, "NextAttemptAt", d.NextAttemptAt, t0.Add(2*time.Hour))
		if list[2].RunID != run.ID {
			t.Errorf("first dispatch run id = %d, want %d", list[2].RunID, run.ID)
		}
	})
}

// A message whose key was queued before (the same run's message, built
// again) is not queued twice: the new reminders are linked to it.
func TestCommitDigestsLinksToExistingMessage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		for i, subjects := range [][]string{{"2024-7/一.2"}, {"2024-7/二.1", "2024-7/三.4"}} {
			var rs []store.Reminder
			for _, subject := range subjects {
				rs = append(rs, reminder(subject, "due", "a@example.org"))
			}
			digests := []store.Digest{{Recipient: "a@example.org", Key: "deadlines/20250616T010000Z/a@example.org", Reminders: rs}}
			rem, disp, err := s.CommitDigests(ctx, "deadlines", 0, digests, buildMessage, t0)
			must(t, err)
			if rem != len(subjects) || disp != 1-i {
				t.Fatalf("commit %d: %d reminders, %d dispatches; want %d and %d", i+1, rem, disp, len(subjects), 1-i)
			}
		}
		first, err := s.DispatchesForSubject(ctx, "2024-7/一.2")
		must(t, err)
		if len(first) != 1 {
			t.Fatalf("the first reminder's messages: %+v, want one", first)
		}
		for _, subject := range []string{"2024-7/二.1", "2024-7/三.4"} {
			later, err := s.DispatchesForSubject(ctx, subject)
			must(t, err)
			if len(later) != 1 || later[0].ID != first[0].ID {
				t.Fatalf("the reminder about %s is not linked to the queued message: %+v, want %d", subject, later, first[0].ID)
			}
		}
	})
}

// Replicas that decide the same reminders at once record each once and
// queue one message per recipient between them.
func TestCommitDigestsConcurrently(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		var digests []store.Digest
		for _, to := range []string{"a@example.org", "b@example.org", "c@example.org"} {
			digests = append(digests, store.Digest{Recipient: to, Key: "deadlines/x/" + to, Reminders: []store.Reminder{
				reminder("2024-7/一.2", "due", to), reminder("2024-7/二.1", "overdue-1", to),
			}})
		}
		const replicas = 4
		var wg sync.WaitGroup
		var mu sync.Mutex
		var reminders, dispatches int
		for range replicas {
			wg.Go(func() {
				r, d, err := s.CommitDigests(t.Context(), "deadlines", 0, digests, buildMessage, t0)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				reminders += r
				dispatches += d
				mu.Unlock()
			})
		}
		wg.Wait()
		if reminders != 6 || dispatches != 3 {
			t.Errorf("replicas recorded %d reminders and %d dispatches, want 6 and 3", reminders, dispatches)
		}
	})
}

// build runs inside CommitDigests' transaction; reading the store from it
// must not wait for that transaction (SQLite's single writer connection).
func TestCommitDigestsBuildMayReadStore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		importAll(t, s, seedItems())
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		build := func(d store.Digest, fresh []store.Reminder) (store.Message, error) {
			open, err := s.ListItems(ctx, store.ItemFilter{Status: ledger.StatusOpen})
			if err != nil {
				return store.Message{}, err
			}
			msg, err := buildMessage(d, fresh)
			msg.Text = fmt.Sprintf("另有 %d 项正在整改", len(open))
			return msg, err
		}
		digests := []store.Digest{{Recipient: "a@example.org", Key: "k/a", Reminders: []store.Reminder{reminder("x", "due", "a@example.org")}}}
		_, n, err := s.CommitDigests(ctx, "deadlines", 0, digests, build, t0)
		must(t, err)
		if n != 1 {
			t.Errorf("%d dispatches, want 1", n)
		}
	})
}

func TestCommitDigestsRollsBackOnBuildError(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		boom := errors.New("template broken")
		digests := []store.Digest{
			{Recipient: "a@example.org", Key: "k/a", Reminders: []store.Reminder{reminder("x", "due", "a@example.org")}},
			{Recipient: "b@example.org", Key: "k/b", Reminders: []store.Reminder{reminder("x", "due", "b@example.org")}},
		}
		build := func(d store.Digest, fresh []store.Reminder) (store.Message, error) {
			if d.Recipient == "b@example.org" {
				return store.Message{}, boom
			}
			return buildMessage(d, fresh)
		}
		_, _, err := s.CommitDigests(ctx, "deadlines", 0, digests, build, t0)
		wantErr(t, err, boom)
		known, err := s.KnownReminders(ctx, []string{digests[0].Reminders[0].Key})
		must(t, err)
		if len(known) != 0 {
			t.Error("reminders survived a failed commit")
		}
		counts, err := s.CountDispatchesByState(ctx)
		must(t, err)
		if counts[store.StatePending] != 0 {
			t.Error("dispatches survived a failed commit")
		}
	})
}

func TestClaimDispatchesExclusive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		const n, workers = 40, 5
		var recipients []string
		for i := range n {
			recipients = append(recipients, fmt.Sprintf("u%02d@example.org", i))
		}
		queue(t, s, 0, t0, recipients...)

		var mu sync.Mutex
		claimed := make(map[int64]string)
		var wg sync.WaitGroup
		for w := range workers {
			owner := fmt.Sprintf("worker-%d", w)
			wg.Go(func() {
				for {
					got, err := s.ClaimDispatches(t.Context(), owner, t0.Add(time.Minute), time.Minute, 3, false)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						if prev, dup := claimed[d.ID]; dup {
							t.Errorf("dispatch %d claimed by %s and %s", d.ID, prev, owner)
						}
						claimed[d.ID] = owner
						if d.State != store.StateSending || d.LeaseOwner != owner || d.Attempts != 1 {
							t.Errorf("claimed dispatch = %+v", d)
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(claimed) != n {
			t.Errorf("%d dispatches claimed, want %d", len(claimed), n)
		}
	})
}

func TestClaimDispatchesBackoffAndLeases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		queue(t, s, 0, t0.Add(10*time.Minute), "late@example.org")
		queue(t, s, 0, t0, "early@example.org")

		got, err := s.ClaimDispatches(ctx, "a", t0.Add(time.Minute), time.Minute, 10, false)
		must(t, err)
		if len(got) != 1 || got[0].Recipient != "early@example.org" {
			t.Fatalf("claim before the late one is due = %+v, want only early", got)
		}
		early := got[0]
		sameTime(t, "LeaseUntil", early.LeaseUntil, t0.Add(2*time.Minute))

		// Ignoring backoff takes the pending one early, but not the leased one.
		got, err = s.ClaimDispatches(ctx, "b", t0.Add(time.Minute), time.Minute, 10, true)
		must(t, err)
		if len(got) != 1 || got[0].Recipient != "late@example.org" {
			t.Fatalf("claim ignoring backoff = %+v, want only late", got)
		}
		late := got[0]

		// a crashes; once its lease has expired, c takes early over.
		got, err = s.ClaimDispatches(ctx, "c", t0.Add(2*time.Minute), time.Minute, 10, false)
		must(t, err)
		if len(got) != 0 {
			t.Fatalf("claim at lease end = %+v, want nothing", got)
		}
		// b's lease on late expired too: late is pending again, due at its
		// own time, not taken ahead of its backoff.
		got, err = s.ClaimDispatches(ctx, "c", t0.Add(3*time.Minute), time.Minute, 10, false)
		must(t, err)
		if len(got) != 1 || got[0].ID != early.ID || got[0].Attempts != 2 || got[0].LeaseOwner != "c" {
			t.Fatalf("claim after lease expiry = %+v, want early (attempt 2)", got)
		}
		// The old owner may no longer settle it; the new one may.
		wantLost(t, s, "a", t0.Add(3*time.Minute), store.Outcome{ID: early.ID, State: store.StateSent, MessageID: "<m@x>", Reply: "250 ok"})
		wantSettled(t, s, "c", t0.Add(3*time.Minute), store.Outcome{ID: early.ID, State: store.StateSent, MessageID: "<m@x>", Reply: "250 ok"})

		got, err = s.ClaimDispatches(ctx, "c", t0.Add(10*time.Minute), time.Minute, 10, false)
		must(t, err)
		if len(got) != 1 || got[0].ID != late.ID || got[0].Attempts != 2 || got[0].LeaseOwner != "c" {
			t.Fatalf("claim when late is due = %+v, want late (attempt 2)", got)
		}

		wantLost(t, s, "b", t0.Add(10*time.Minute), store.Outcome{ID: late.ID, State: store.StateSent, MessageID: "<m@x>", Reply: "250 ok"})
		wantSettled(t, s, "c", t0.Add(10*time.Minute), store.Outcome{ID: late.ID, State: store.StateSent, MessageID: "", Reply: "250 ok"})

		got, err = s.ClaimDispatches(ctx, "d", t0.Add(time.Hour), time.Minute, 10, true)
		must(t, err)
		if len(got) != 0 {
			t.Errorf("sent dispatches claimed again: %+v", got)
		}
	})
}

func TestDispatchStateMachine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		queue(t, s, 0, t0, "bgs@example.org")
		claim := func(owner string, now time.Time) store.Dispatch {
			t.Helper()
			got, err := s.ClaimDispatches(ctx, owner, now, time.Minute, 1, false)
			must(t, err)
			if len(got) != 1 {
				t.Fatalf("claim at %v: %d dispatches, want 1", now, len(got))
			}
			return got[0]
		}
		d := claim("w", t0)
		next, ok, err := s.NextDispatchDue(ctx)
		must(t, err)
		if ok {
			t.Errorf("NextDispatchDue = %v while nothing is pending", next)
		}

		// A temporary failure: back to pending, due later.
		wantSettled(t, s, "w", t0.Add(5*time.Minute), store.Outcome{ID: d.ID, State: store.StatePending, NextAttemptAt: t0.Add(5 * time.Minute), MessageID: "<id@duban>", Error: "421 try later", Reply: "421 4.7.0"})
		wantLost(t, s, "w", t0.Add(5*time.Minute), store.Outcome{ID: d.ID, State: store.StatePending, NextAttemptAt: t0.Add(5 * time.Minute), MessageID: "", Error: "again", Reply: ""})
		got, err := s.GetDispatch(ctx, d.ID)
		must(t, err)
		if got.State != store.StatePending || got.LastError != "421 try later" || got.SMTPReply != "421 4.7.0" ||
			got.MessageID != "<id@duban>" || !got.LeaseUntil.IsZero() {
			t.Errorf("after retry = %+v", got)
		}
		next, ok, err = s.NextDispatchDue(ctx)
		must(t, err)
		if !ok {
			t.Fatal("NextDispatchDue: none pending")
		}
		sameTime(t, "NextDispatchDue", next, t0.Add(5*time.Minute))
		if list, _ := s.ClaimDispatches(ctx, "w", t0.Add(time.Minute), time.Minute, 1, false); len(list) != 0 {
			t.Fatalf("claimed before the backoff ended: %+v", list)
		}

		// A permanent failure keeps the Message-ID when none is given.
		d = claim("w", t0.Add(5*time.Minute))
		if d.Attempts != 2 {
			t.Errorf("attempts = %d, want 2", d.Attempts)
		}
		wantSettled(t, s, "w", t0.Add(6*time.Minute), store.Outcome{ID: d.ID, State: store.StateFailed, MessageID: "", Error: "550 no such user", Reply: "550 5.1.1"})
		got, err = s.GetDispatch(ctx, d.ID)
		must(t, err)
		if got.State != store.StateFailed || got.MessageID != "<id@duban>" || got.LastError != "550 no such user" {
			t.Errorf("after failure = %+v", got)
		}
		wantLost(t, s, "w", t0, store.Outcome{ID: d.ID, State: store.StateSent, MessageID: "", Reply: ""})

		// The console retries it: pending again, with a fresh budget.
		must(t, s.RetryDispatch(ctx, d.ID, t0.Add(time.Hour), console))
		wantErr(t, s.RetryDispatch(ctx, d.ID, t0.Add(time.Hour), console), store.ErrConflict)
		d = claim("w", t0.Add(time.Hour))
		if d.Attempts != 1 {
			t.Errorf("attempts after console retry = %d, want 1", d.Attempts)
		}
		wantSettled(t, s, "w", t0.Add(time.Hour+time.Second), store.Outcome{ID: d.ID, State: store.StateSent, MessageID: "<id@duban>", Reply: "250 2.0.0 queued"})
		got, err = s.GetDispatch(ctx, d.ID)
		must(t, err)
		if got.State != store.StateSent || got.SMTPReply != "250 2.0.0 queued" {
			t.Errorf("after sent = %+v", got)
		}
		sameTime(t, "SentAt", got.SentAt, t0.Add(time.Hour+time.Second))

		_, err = s.GetDispatch(ctx, 99999)
		wantErr(t, err, store.ErrNotFound)
		wantLost(t, s, "w", t0, store.Outcome{ID: 99999, State: store.StateSent, MessageID: "", Reply: ""})
		wantErr(t, s.RetryDispatch(ctx, 99999, t0, console), store.ErrNotFound)
	})
}

func TestListDispatches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		run, err := s.ClaimRun(ctx, "deadlines", t0, "h", t0, store.Retry{})
		must(t, err)
		queue(t, s, run.ID, t0, "a@example.org", "b@example.org")
		queue(t, s, run.ID, t0.Add(time.Hour), "a@example.org")
		_, _, err = s.CommitDigests(ctx, "duties", 0, []store.Digest{{Recipient: "A@example.org", Key: "duties/x/A", Reminders: []store.Reminder{
			{Rule: "duty", Subject: "sanzhongyida/2025-05/bgs", Stage: "due"},
		}}}, buildMessage, t0.Add(2*time.Hour))
		must(t, err)
		got, err := s.ClaimDispatches(ctx, "w", t0.Add(3*time.Hour), time.Minute, 1, false)
		must(t, err)
		wantSettled(t, s, "w", t0.Add(3*time.Hour), store.Outcome{ID: got[0].ID, State: store.StateSent, MessageID: "", Reply: "250"})

		recipients := func(ds []store.Dispatch) []string {
			var out []string
			for _, d := range ds {
				out = append(out, fmt.Sprintf("%s@%d", strings.Split(d.Recipient, "@")[0], d.CreatedAt.Sub(t0)/time.Hour))
			}
			return out
		}
		tests := []struct {
			name   string
			filter store.DispatchFilter
			want   []string
		}{
			{"all, newest first", store.DispatchFilter{}, []string{"A@2", "a@1", "b@0", "a@0"}},
			{"since", store.DispatchFilter{Since: t0.Add(time.Hour)}, []string{"A@2", "a@1"}},
			{"until (exclusive)", store.DispatchFilter{Until: t0.Add(time.Hour)}, []string{"b@0", "a@0"}},
			{"state", store.DispatchFilter{State: store.StateSent}, []string{"a@0"}},
			{"recipient, any case", store.DispatchFilter{To: "a@EXAMPLE.org"}, []string{"A@2", "a@1", "a@0"}},
			{"job", store.DispatchFilter{Job: "duties"}, []string{"A@2"}},
			{"limit", store.DispatchFilter{Limit: 2}, []string{"A@2", "a@1"}},
			{"page", store.DispatchFilter{Limit: 2, Offset: 1}, []string{"a@1", "b@0"}},
			{"offset only", store.DispatchFilter{Offset: 3}, []string{"a@0"}},
		}
		for _, tt := range tests {
			list, err := s.ListDispatches(ctx, tt.filter)
			must(t, err)
			if got := recipients(list); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}

		counts, err := s.CountDispatchesByState(ctx)
		must(t, err)
		want := map[string]int{store.StatePending: 3, store.StateSending: 0, store.StateSent: 1, store.StateFailed: 0}
		if fmt.Sprint(counts) != fmt.Sprint(want) {
			t.Errorf("CountDispatchesByState = %v, want %v", counts, want)
		}
		next, ok, err := s.NextDispatchDue(ctx)
		must(t, err)
		if !ok {
			t.Fatal("NextDispatchDue: none")
		}
		sameTime(t, "NextDispatchDue", next, t0)
	})
}

// A commit with more reminders than one multi-row INSERT carries, known
// and new ones interleaved in key order, records each new one once and
// gives each digest exactly its new ones, with their ids.
func TestCommitDigestsManyReminders(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		recipients := []string{"a@example.org", "b@example.org", "c@example.org"}
		digestsOf := func(n int) []store.Digest {
			var ds []store.Digest
			for _, r := range recipients {
				d := store.Digest{Recipient: r, Key: fmt.Sprintf("deadlines/%d/%s", n, r)}
				for i := range n {
					d.Reminders = append(d.Reminders, reminder(fmt.Sprintf("2024-7/%04d", i), "due", r))
				}
				ds = append(ds, d)
			}
			return ds
		}
		// Every other item first: those are known to the second commit.
		first := digestsOf(700)
		for i := range first {
			first[i].Reminders = slices.DeleteFunc(first[i].Reminders, func(r store.Reminder) bool {
				var n int
				fmt.Sscanf(r.Subject, "2024-7/%d", &n)
				return n%2 == 1
			})
		}
		for i := range first {
			first[i].Key += "/first"
		}
		rem, _, err := s.CommitDigests(ctx, "deadlines", 0, first, buildMessage, t0)
		must(t, err)
		if rem != 3*350 {
			t.Fatalf("first commit: %d reminders, want %d", rem, 3*350)
		}
		var mu sync.Mutex // build runs on several goroutines
		fresh := map[string][]store.Reminder{}
		build := func(d store.Digest, rs []store.Reminder) (store.Message, error) {
			mu.Lock()
			defer mu.Unlock()
			fresh[d.Recipient] = rs
			return buildMessage(d, rs)
		}
		rem, disp, err := s.CommitDigests(ctx, "deadlines", 0, digestsOf(700), build, t0.Add(time.Hour))
		must(t, err)
		if rem != 3*350 || disp != 3 {
			t.Fatalf("second commit: %d reminders, %d dispatches, want %d and 3", rem, disp, 3*350)
		}
		keys := map[string]bool{}
		for _, r := range recipients {
			if len(fresh[r]) != 350 {
				t.Fatalf("%s: %d fresh reminders, want 350", r, len(fresh[r]))
			}
			for _, rm := range fresh[r] {
				var n int
				fmt.Sscanf(rm.Subject, "2024-7/%d", &n)
				if n%2 != 1 || rm.Recipient != r || keys[rm.Key] {
					t.Fatalf("%s: fresh reminder %+v is known, another's, or twice", r, rm)
				}
				keys[rm.Key] = true
			}
		}
	})
}

// An operator reads a message's bodies and its reminders with plain SQL
// (psql, sqlite3): text columns, and each reminder names its message.
func TestMessagesAreReadableWithSQL(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		queue(t, s, 0, t0, "bgs@example.org")
		var text, html, reminderKey string
		err := s.DB().QueryRowContext(ctx, `SELECT d.body_text, d.body_html, r.key
			FROM dispatches d JOIN reminders r ON r.dispatch_key = d.key`).Scan(&text, &html, &reminderKey)
		must(t, err)
		if text != "text" || html != "<p>html</p>" || !strings.HasSuffix(reminderKey, "|due|bgs@example.org") {
			t.Errorf("read with SQL: %q, %q, reminder %q", text, html, reminderKey)
		}
	})
}
