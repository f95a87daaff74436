package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"duban/internal/smtptest"
	"duban/ledger"
	"duban/notify"
	"duban/store"
	"duban/store/storetest"
)

// clock is the injected time of a test; it moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2025, 6, 16, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// queue creates one dispatch per recipient the way a job run does: through
// CommitDigests, with the digest rendered by the embedded templates.
func queue(t *testing.T, st *store.Store, now time.Time, recipients ...string) {
	t.Helper()
	ctx := context.Background()
	run, err := st.ClaimRun(ctx, "deadlines", now, "test", now, store.Retry{})
	if err != nil {
		t.Fatalf("ClaimRun: %v", err)
	}
	tm := loadTemplates(t, "")
	digests := make([]store.Digest, len(recipients))
	for i, r := range recipients {
		digests[i] = store.Digest{Recipient: r, Key: fmt.Sprintf("deadlines/%s/%s", now.UTC().Format("20060102T150405Z"), r), Reminders: []store.Reminder{
			{Rule: "deadline", Subject: "2024-7/一.3.(1)", Stage: "overdue-2", Recipient: r},
		}}
	}
	build := func(d store.Digest, fresh []store.Reminder) (store.Message, error) {
		subject, text, html, err := tm.RenderDigest(notify.DigestData{
			To: d.Recipient, Role: ledger.RoleUnit, AsOf: "2025-06-16",
			Entries: []notify.Entry{deadlineEntry("一.3.(1)", -16, "2025-05-31")},
		})
		if err != nil {
			return store.Message{}, err
		}
		return store.Message{
			Subject: subject, Text: text, HTML: html, Refs: `[{"ref":"2024-7/一.3.(1)","stage":"overdue-2"}]`,
		}, nil
	}
	_, n, err := st.CommitDigests(ctx, "deadlines", run.ID, digests, build, now)
	if err != nil {
		t.Fatalf("CommitDigests: %v", err)
	}
	if n != len(recipients) {
		t.Fatalf("CommitDigests queued %d dispatches, want %d", n, len(recipients))
	}
}

// dispatchesTo indexes all dispatches by recipient.
func dispatchesTo(t *testing.T, st *store.Store) map[string]store.Dispatch {
	t.Helper()
	ds, err := st.ListDispatches(context.Background(), store.DispatchFilter{})
	if err != nil {
		t.Fatalf("ListDispatches: %v", err)
	}
	out := make(map[string]store.Dispatch, len(ds))
	for _, d := range ds {
		out[d.Recipient] = d
	}
	return out
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// passEnds is a slog handler that signals the end of each pass of
// Worker.Run that did something (its "delivered" line).
type passEnds chan<- struct{}

func (p passEnds) Enabled(context.Context, slog.Level) bool { return true }
func (p passEnds) WithAttrs([]slog.Attr) slog.Handler       { return p }
func (p passEnds) WithGroup(string) slog.Handler            { return p }
func (p passEnds) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "delivered" {
		select {
		case p <- struct{}{}:
		default: // nobody waits for it
		}
	}
	return nil
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newWorker(t *testing.T, st *store.Store, tr notify.Transport, c *clock) *notify.Worker {
	email, err := notify.NewEmail(testFrom, tr)
	if err != nil {
		t.Fatal(err)
	}
	return &notify.Worker{
		Store: st, Channels: map[string]notify.Channel{ledger.ChannelEmail: email}, Owner: "worker-1", Lease: 5 * time.Minute,
		MaxAttempts: 8, PollEvery: 30 * time.Second,
		Concurrency: 2, Batch: 2, Now: c.Now, Logger: testLogger(t),
		Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * time.Minute },
	}
}

var recipients = []string{"bgs@zgh.example.org", "cwzcb@zgh.example.org", "zzb@zgh.example.org"}

func TestWorkerDeliversPendingOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t, smtptest.WithSTARTTLS(), smtptest.WithAuth("zgb", "s3cret"))
		c := newClock()
		queue(t, st, c.Now(), recipients...)
		tr := newSMTP(t, srv, notify.TLSStartTLS, func(cfg *notify.SMTPConfig) { cfg.Username, cfg.Password = "zgb", "s3cret" })
		w := newWorker(t, st, tr, c)

		stats, err := w.DeliverDue(context.Background(), false)
		if err != nil {
			t.Fatalf("DeliverDue: %v", err)
		}
		if stats != (notify.Stats{Sent: 3}) {
			t.Errorf("stats = %+v, want 3 sent", stats)
		}
		msgs := srv.WaitForMessages(t, 3, waitTimeout)
		byTo := dispatchesTo(t, st)
		for _, r := range recipients {
			got := srv.MessagesTo(r)
			if len(got) != 1 {
				t.Errorf("%s got %d messages, want 1", r, len(got))
				continue
			}
			d := byTo[r]
			if d.State != store.StateSent || d.Attempts != 1 || !d.SentAt.Equal(c.Now()) {
				t.Errorf("%s: state %s attempts %d sent at %v", r, d.State, d.Attempts, d.SentAt)
			}
			if d.MessageID == "" || got[0].MessageID() != d.MessageID {
				t.Errorf("%s: recorded Message-ID %q, sent %q", r, d.MessageID, got[0].MessageID())
			}
			if !strings.HasPrefix(d.SMTPReply, "250") {
				t.Errorf("%s: smtp reply %q", r, d.SMTPReply)
			}
			if got[0].Subject() != "【整改督办】1项已逾期" {
				t.Errorf("%s: subject %q", r, got[0].Subject())
			}
		}

		// Nothing is due any more: a second pass sends nothing.
		stats, err = w.DeliverDue(context.Background(), true)
		if err != nil || stats != (notify.Stats{}) {
			t.Errorf("second DeliverDue = %+v, %v; want nothing", stats, err)
		}
		if got := len(srv.Messages()); got != len(msgs) {
			t.Errorf("server has %d messages after the second pass, want %d", got, len(msgs))
		}
		if got := srv.Sessions(); got != 1 {
			t.Errorf("three messages with one connection took %d sessions", got)
		}
	})
}

func TestWorkerRejectedAddressFailsAlone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t)
		srv.RejectRcpt("cwzcb@zgh.example.org", 550, "mailbox unavailable")
		c := newClock()
		queue(t, st, c.Now(), recipients...)
		w := newWorker(t, st, newSMTP(t, srv, notify.TLSNone, nil), c)

		stats, err := w.DeliverDue(context.Background(), false)
		if err != nil {
			t.Fatalf("DeliverDue: %v", err)
		}
		if stats != (notify.Stats{Sent: 2, Failed: 1}) {
			t.Errorf("stats = %+v, want 2 sent 1 failed", stats)
		}
		byTo := dispatchesTo(t, st)
		bad := byTo["cwzcb@zgh.example.org"]
		if bad.State != store.StateFailed || bad.SMTPReply != "550 5.0.0" || bad.LastError == "" {
			t.Errorf("rejected dispatch: state %s reply %q error %q", bad.State, bad.SMTPReply, bad.LastError)
		}
		for _, r := range []string{"bgs@zgh.example.org", "zzb@zgh.example.org"} {
			if d := byTo[r]; d.State != store.StateSent {
				t.Errorf("%s: state %s, want sent", r, d.State)
			}
		}
	})
}

func TestWorkerServerDownThenBack(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t, smtptest.WithImplicitTLS())
		c := newClock()
		queue(t, st, c.Now(), recipients...)
		w := newWorker(t, st, newSMTP(t, srv, notify.TLSImplicit, nil), c)
		w.Backoff = notify.ExponentialBackoff(time.Minute) // about a minute after the first attempt

		srv.Stop()
		stats, err := w.DeliverDue(context.Background(), false)
		if err != nil {
			t.Fatalf("DeliverDue while down: %v", err)
		}
		if stats != (notify.Stats{Retried: 3}) {
			t.Errorf("stats while down = %+v, want 3 retried", stats)
		}
		for r, d := range dispatchesTo(t, st) {
			wait := d.NextAttemptAt.Sub(c.Now())
			if d.State != store.StatePending || d.Attempts != 1 || d.LastError == "" || wait < 48*time.Second || wait > 72*time.Second {
				t.Errorf("%s: state %s attempts %d error %q next attempt in %s; want pending, 1, an error, about 1m",
					r, d.State, d.Attempts, d.LastError, wait)
			}
		}
		// Backing off: nothing is due yet.
		if stats, err := w.DeliverDue(context.Background(), false); err != nil || stats != (notify.Stats{}) {
			t.Errorf("DeliverDue during backoff = %+v, %v; want nothing", stats, err)
		}

		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		stats, err = w.DeliverDue(context.Background(), true)
		if err != nil {
			t.Fatalf("DeliverDue after the server came back: %v", err)
		}
		if stats != (notify.Stats{Sent: 3}) {
			t.Errorf("stats = %+v, want 3 sent", stats)
		}
		srv.WaitForMessages(t, 3, waitTimeout)
		byTo := dispatchesTo(t, st)
		for _, r := range recipients {
			got := srv.MessagesTo(r)
			if len(got) != 1 {
				t.Errorf("%s got %d messages, want exactly 1", r, len(got))
				continue
			}
			if d := byTo[r]; d.State != store.StateSent || d.Attempts != 2 || got[0].MessageID() != d.MessageID {
				t.Errorf("%s: state %s attempts %d, Message-ID recorded %q sent %q", r, d.State, d.Attempts, d.MessageID, got[0].MessageID())
			}
		}
	})
}

func TestWorkerLostAfterDataIsResentAsTheSameMessage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t)
		c := newClock()
		queue(t, st, c.Now(), "bgs@zgh.example.org")
		w := newWorker(t, st, newSMTP(t, srv, notify.TLSNone, nil), c)

		srv.DropAfterData(1)
		if stats, err := w.DeliverDue(context.Background(), false); err != nil || stats != (notify.Stats{Retried: 1}) {
			t.Fatalf("DeliverDue = %+v, %v; want 1 retried", stats, err)
		}
		c.Advance(time.Minute) // the test backoff after attempt 1
		if stats, err := w.DeliverDue(context.Background(), false); err != nil || stats != (notify.Stats{Sent: 1}) {
			t.Fatalf("DeliverDue after backoff = %+v, %v; want 1 sent", stats, err)
		}
		lost, got := srv.Dropped(), srv.WaitForMessages(t, 1, waitTimeout)
		if len(lost) != 1 || len(got) != 1 || lost[0].MessageID() != got[0].MessageID() {
			t.Fatalf("lost %d, delivered %d; the retry must carry the same Message-ID", len(lost), len(got))
		}
	})
}

func TestWorkerGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t)
		srv.TempFail(-1, 451, "mailbox busy")
		c := newClock()
		queue(t, st, c.Now(), "bgs@zgh.example.org")
		w := newWorker(t, st, newSMTP(t, srv, notify.TLSNone, nil), c)
		w.MaxAttempts = 3

		for attempt := 1; attempt <= 3; attempt++ {
			stats, err := w.DeliverDue(context.Background(), false)
			if err != nil {
				t.Fatalf("attempt %d: %v", attempt, err)
			}
			want := notify.Stats{Retried: 1}
			if attempt == 3 {
				want = notify.Stats{Failed: 1}
			}
			if stats != want {
				t.Fatalf("attempt %d: stats %+v, want %+v", attempt, stats, want)
			}
			c.Advance(time.Duration(attempt) * time.Minute)
		}
		d := dispatchesTo(t, st)["bgs@zgh.example.org"]
		if d.State != store.StateFailed || d.Attempts != 3 || d.SMTPReply != "451 4.0.0" {
			t.Errorf("state %s attempts %d reply %q; want failed after 3 with the last reply", d.State, d.Attempts, d.SMTPReply)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server accepted %d messages", n)
		}
	})
}

func TestWorkerTriesEachDispatchOncePerCall(t *testing.T) {
	t.Parallel()
	for _, ignoreBackoff := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreBackoff=%v", ignoreBackoff), func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				srv := smtptest.New(t)
				srv.TempFail(-1, 421, "too busy")
				c := newClock()
				queue(t, st, c.Now(), recipients...)
				w := newWorker(t, st, newSMTP(t, srv, notify.TLSNone, nil), c)
				w.Backoff = func(int) time.Duration { return 0 } // due again at once

				stats, err := w.DeliverDue(context.Background(), ignoreBackoff)
				if err != nil {
					t.Fatalf("DeliverDue: %v", err)
				}
				if stats != (notify.Stats{Retried: 3}) {
					t.Errorf("stats = %+v, want 3 retried", stats)
				}
				for r, d := range dispatchesTo(t, st) {
					if d.State != store.StatePending || d.Attempts != 1 || d.SMTPReply != "421 4.0.0" {
						t.Errorf("%s: state %s attempts %d reply %q, want pending after 1 attempt", r, d.State, d.Attempts, d.SMTPReply)
					}
				}
			})
		})
	}
}

func TestWorkerReleasesClaimsWhoseLeaseIsHalfGone(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t)
		c := newClock()
		queue(t, st, c.Now(), recipients...)
		// Each send takes (by the clock) three minutes of a five-minute
		// lease: the second dispatch of a batch would start with too little
		// lease left, so it is handed back rather than risk a double send,
		// and claimed again with a lease of its own.
		tr := &slowTransport{Transport: newSMTP(t, srv, notify.TLSNone, nil), clock: c, takes: 3 * time.Minute, st: st}
		w := newWorker(t, st, tr, c)
		w.Concurrency, w.Batch = 1, 3

		stats, err := w.DeliverDue(context.Background(), false)
		if err != nil {
			t.Fatalf("DeliverDue: %v", err)
		}
		if stats != (notify.Stats{Sent: 3}) {
			t.Fatalf("stats = %+v, want 3 sent", stats)
		}
		for r, d := range dispatchesTo(t, st) {
			if d.State != store.StateSent || d.Attempts != 1 {
				t.Errorf("%s: %s after %d attempts, want sent after 1 (a hand-back is no attempt)", r, d.State, d.Attempts)
			}
		}
		if got := len(srv.Messages()); got != 3 {
			t.Errorf("server has %d messages, want 3", got)
		}
		if len(tr.leaseLeft) != 3 {
			t.Fatalf("%d sends seen with their dispatch's lease, want 3", len(tr.leaseLeft))
		}
		for i, left := range tr.leaseLeft {
			if left < w.Lease/2 {
				t.Errorf("send %d started with %s of its lease left, want at least half of %s", i+1, left, w.Lease)
			}
		}
	})
}

// slowTransport makes each send take a while on the test clock, and notes
// how much of its dispatch's lease was left when it started.
type slowTransport struct {
	notify.Transport
	clock     *clock
	takes     time.Duration
	st        *store.Store
	leaseLeft []time.Duration
}

func (s *slowTransport) Send(ctx context.Context, m *mail.Msg) (string, error) {
	ds, err := s.st.ListDispatches(ctx, store.DispatchFilter{State: store.StateSending})
	if err != nil {
		return "", err
	}
	for _, d := range ds {
		if to, _ := m.GetRecipients(); len(to) == 1 && strings.Trim(to[0], "<>") == d.Recipient {
			s.leaseLeft = append(s.leaseLeft, d.LeaseUntil.Sub(s.clock.Now()))
		}
	}
	s.clock.Advance(s.takes)
	return s.Transport.Send(ctx, m)
}

func TestWorkerUnbuildableMessageFails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		c := newClock()
		queue(t, st, c.Now(), "bgs@zgh.example.org", "not an address")
		dir := t.TempDir()
		ob, err := notify.NewOutbox(dir)
		if err != nil {
			t.Fatal(err)
		}
		w := newWorker(t, st, ob, c)
		stats, err := w.DeliverDue(context.Background(), false)
		if err != nil {
			t.Fatalf("DeliverDue: %v", err)
		}
		if stats != (notify.Stats{Sent: 1, Failed: 1}) {
			t.Errorf("stats = %+v, want 1 sent 1 failed", stats)
		}
		byTo := dispatchesTo(t, st)
		if d := byTo["not an address"]; d.State != store.StateFailed || !strings.Contains(d.LastError, "recipient") {
			t.Errorf("bad recipient: state %s error %q", d.State, d.LastError)
		}
		good := byTo["bgs@zgh.example.org"]
		if good.State != store.StateSent || !strings.HasPrefix(good.SMTPReply, "written to "+dir) {
			t.Errorf("outbox dispatch: state %s reply %q", good.State, good.SMTPReply)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		if len(files) != 1 {
			t.Errorf("outbox holds %v, want one .eml", files)
		}
	})
}

// A bad sender would fail every message for good: the email channel
// refuses it when it is made, before any dispatch is claimed.
func TestEmailRefusesABadSender(t *testing.T) {
	t.Parallel()
	ob, err := notify.NewOutbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"整改办", "zgb@", "整改办 <zgb@zgh.example.org>\r\nBcc: x@example.org", ""} {
		if _, err := notify.NewEmail(from, ob); err == nil {
			t.Errorf("NewEmail(%q) succeeded", from)
		}
	}
	if _, err := notify.NewEmail(testFrom, ob); err != nil {
		t.Errorf("NewEmail(%q): %v", testFrom, err)
	}
}

func TestWorkerRunShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t)
		srv.Hold()
		c := newClock()
		five := []string{"a@zgh.example.org", "b@zgh.example.org", "c@zgh.example.org", "d@zgh.example.org", "e@zgh.example.org"}
		queue(t, st, c.Now(), five...)
		w := newWorker(t, st, newSMTP(t, srv, notify.TLSNone, nil), c)
		w.Concurrency, w.Batch = 1, 5

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		srv.WaitUntil(t, waitTimeout, "a message in flight", func() bool { return srv.Holding() == 1 })

		cancel() // SIGTERM while the first message is in the server's hands
		srv.Release()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("Run did not return after cancel")
		}

		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server accepted %d messages, want just the one in flight", len(msgs))
		}
		var sent, pending int
		for r, d := range dispatchesTo(t, st) {
			switch d.State {
			case store.StateSent:
				sent++
				if r != msgs[0].To[0] {
					t.Errorf("sent %s, but the server has the message to %s", r, msgs[0].To[0])
				}
			case store.StatePending:
				pending++
				if d.NextAttemptAt.After(c.Now()) {
					t.Errorf("%s released with next attempt %v, want due now", r, d.NextAttemptAt)
				}
			default:
				t.Errorf("%s left %s", r, d.State)
			}
		}
		if sent != 1 || pending != 4 {
			t.Errorf("sent %d pending %d, want 1 and 4", sent, pending)
		}
		// The released rows are claimable at once, without waiting for the lease.
		claimed, err := st.ClaimDispatches(context.Background(), "worker-2", c.Now(), time.Minute, 10, false)
		if err != nil || len(claimed) != 4 {
			t.Errorf("another worker claimed %d (%v), want 4", len(claimed), err)
		}
	})
}

func TestWorkerRunWakesUp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := smtptest.New(t)
		c := newClock()
		queue(t, st, c.Now(), "a@zgh.example.org")
		w := newWorker(t, st, newSMTP(t, srv, notify.TLSNone, nil), c)
		w.PollEvery = time.Hour // only Wake can end a sleep within the test
		passes := make(chan struct{}, 4)
		w.Logger = slog.New(slog.NewMultiHandler(w.Logger.Handler(), passEnds(passes)))

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		srv.WaitForMessages(t, 1, waitTimeout) // delivered at start
		// The pass records the delivery after the server has the message;
		// an hour later, before that, its lease would be over.
		select {
		case <-passes:
		case <-time.After(waitTimeout):
			t.Fatal("the first pass did not end")
		}

		c.Advance(time.Hour)
		queue(t, st, c.Now(), "b@zgh.example.org", "c@zgh.example.org")
		w.Wake()
		w.Wake() // never blocks, coalesces
		srv.WaitForMessages(t, 3, waitTimeout)

		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("Run did not return after cancel")
		}
		for r, d := range dispatchesTo(t, st) {
			if d.State != store.StateSent {
				t.Errorf("%s: %s", r, d.State)
			}
		}
	})
}
