package store_test

import (
	"testing"
	"time"

	"duban/store"
	"duban/store/storetest"
)

// Migration 00011 moves the delivery state of every dispatch into
// dispatch_states and keeps each message with its id, state and body; its
// Down migration puts them back into one table.
func TestMigration00011KeepsTheDispatches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Parallel()
		ctx := t.Context()
		must(t, s.MigrateDownTo(ctx, 10))
		at := time.Date(2025, 6, 16, 1, 0, 0, 0, time.UTC)
		db := s.DB()
		insert := db.Rebind(`INSERT INTO dispatches (id, key, job, recipient, subject, body, refs, state, attempts,
			next_attempt_at, lease_owner, lease_until, last_error, smtp_reply, message_id, created_at, updated_at, sent_at)
			VALUES (?, ?, 'deadlines', ?, '主题', ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		type row struct {
			id                                 int64
			state                              string
			attempts                           int
			owner, lastError, reply, messageID string
			leased, sent                       bool
		}
		rows := []row{
			{id: 4, state: store.StatePending},
			{id: 5, state: store.StateSending, attempts: 1, owner: "w1", leased: true},
			{id: 6, state: store.StateSent, attempts: 2, owner: "w1", reply: "250 OK", messageID: "<m6@x>", sent: true},
			{id: 7, state: store.StateFailed, attempts: 8, owner: "w2", lastError: "550 no such user", reply: "550"},
		}
		dbTime := func(t time.Time) any {
			if s.Dialect() == "sqlite" {
				return t.UTC().Format(time.RFC3339Nano)
			}
			return t
		}
		for _, r := range rows {
			var leaseUntil, sentAt any
			if r.leased {
				leaseUntil = dbTime(at.Add(10 * time.Minute))
			}
			if r.sent {
				sentAt = dbTime(at.Add(time.Minute))
			}
			_, err := db.ExecContext(ctx, insert, r.id, "k"+r.state, r.state+"@example.org",
				store.PackBodies("正文"+r.state, "<p>"+r.state+"</p>"), r.state, r.attempts, dbTime(at),
				r.owner, leaseUntil, r.lastError, r.reply, r.messageID, dbTime(at), dbTime(at), sentAt)
			must(t, err)
		}
		check := func(when string) {
			t.Helper()
			for _, r := range rows {
				d, err := s.GetDispatch(ctx, r.id)
				if err != nil {
					t.Fatalf("%s: dispatch %d: %v", when, r.id, err)
				}
				if d.Key != "k"+r.state || d.State != r.state || d.Attempts != r.attempts || d.LeaseOwner != r.owner ||
					d.LastError != r.lastError || d.SMTPReply != r.reply || d.MessageID != r.messageID ||
					d.BodyText != "正文"+r.state || d.Recipient != r.state+"@example.org" ||
					!d.NextAttemptAt.Equal(at) || !d.CreatedAt.Equal(at) ||
					d.LeaseUntil.IsZero() == r.leased || d.SentAt.IsZero() == r.sent {
					t.Errorf("%s: dispatch %d is %+v", when, r.id, d)
				}
			}
		}
		check("before 00011")
		_, err := s.Migrate(ctx)
		must(t, err)
		check("after 00011")
		counts, err := s.CountDispatchesByState(ctx)
		must(t, err)
		for _, st := range []string{store.StatePending, store.StateSending, store.StateSent, store.StateFailed} {
			if counts[st] != 1 {
				t.Errorf("after 00011: %d %s, want 1", counts[st], st)
			}
		}
		failed, err := s.ListDispatches(ctx, store.DispatchFilter{State: store.StateFailed})
		must(t, err)
		if len(failed) != 1 || failed[0].ID != 7 {
			t.Errorf("after 00011: failed dispatches %+v", failed)
		}
		must(t, s.MigrateDownTo(ctx, 10))
		check("after 00011 down")
	})
}
