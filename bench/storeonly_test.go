package bench

import (
	"context"
	"os"
	"database/sql"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"duban/notify"
	"duban/store"
	"duban/store/storetest"
)

type nopTransport struct{}

func (nopTransport) Send(context.Context, *mail.Msg) (string, error) { return "250 ok", nil }
func (nopTransport) Close() error                                   { return nil }

func BenchmarkStoreOnly(b *testing.B) {
	ctx := b.Context()
	n := EnvInt("DUBAN_BENCH_MESSAGES", 10000)
	url := storetest.URL(b, "postgres")
	st, _ := store.Open(ctx, url)
	defer st.Close()
	db, _ := sql.Open("postgres", url)
	defer db.Close()
	at := time.Date(2025, 6, 16, 1, 0, 0, 0, time.UTC)
	msgs, _ := DigestMessages(n, 5, at)
	if err := insertDispatches(ctx, db, msgs, at); err != nil {
		b.Fatal(err)
	}
	for range 3 {
		ts := &timedStore{Store: st}
		w := &notify.Worker{Store: ts, Transport: nopTransport{}, From: From, Owner: "bench", Lease: 10 * time.Minute, Concurrency: 1, Batch: EnvInt("DUBAN_BENCH_BATCH", 0)}
		start := time.Now()
		stats, err := w.DeliverDue(ctx, false)
		b.Logf("%d sent in %v: %.0f/s %v; claims %d in %v, marks %d (%d) in %v", stats.Sent, time.Since(start), float64(stats.Sent)/time.Since(start).Seconds(), err, ts.nclaims, ts.claims, ts.nmarks, ts.nm, ts.marks)
		resetDispatches(ctx, db, at)
	}
}

type timedStore struct {
	*store.Store
	claims, marks       time.Duration
	nclaims, nmarks, nm int
}

func (t *timedStore) ClaimDispatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, ib bool) ([]store.Dispatch, error) {
	s := time.Now()
	d, err := t.Store.ClaimDispatches(ctx, owner, now, lease, limit, ib)
	t.claims += time.Since(s)
	t.nclaims++
	return d, err
}

func (t *timedStore) MarkSentMany(ctx context.Context, owner string, marks []store.SentMark, now time.Time) ([]int64, error) {
	s := time.Now()
	l, err := t.Store.MarkSentMany(ctx, owner, marks, now)
	t.marks += time.Since(s)
	t.nmarks++
	t.nm += len(marks)
	return l, err
}

func BenchmarkClaimOnly(b *testing.B) {
	ctx := b.Context()
	n := EnvInt("DUBAN_BENCH_MESSAGES", 10000)
	url := storetest.URL(b, "postgres")
	st, _ := store.Open(ctx, url)
	defer st.Close()
	db, _ := sql.Open("postgres", url)
	defer db.Close()
	at := time.Date(2025, 6, 16, 1, 0, 0, 0, time.UTC)
	msgs, _ := DigestMessages(n, 5, at)
	if err := insertDispatches(ctx, db, msgs, at); err != nil {
		b.Fatal(err)
	}
	if os.Getenv("DROPIDX") != "" {
		db.ExecContext(ctx, "DROP INDEX dispatches_recipient; DROP INDEX dispatches_job")
	}
	if os.Getenv("EXTERNAL") != "" {
		db.ExecContext(ctx, "TRUNCATE dispatches; ALTER TABLE dispatches ALTER body_html SET STORAGE EXTERNAL, ALTER body_text SET STORAGE EXTERNAL")
		insertDispatches(ctx, db, msgs, at)
	}
	start := time.Now()
	c := 0
	for {
		d, err := st.ClaimDispatches(ctx, "x", at.Add(time.Hour), time.Hour, 32, false)
		if err != nil {
			b.Fatal(err)
		}
		if len(d) == 0 {
			break
		}
		c++
	}
	b.Logf("claims %d in %v", c, time.Since(start))
	resetDispatches(ctx, db, at)
	start = time.Now()
	c = 0
	for {
		var ids []int64
		rows, err := db.QueryContext(ctx, `WITH pending AS MATERIALIZED (SELECT id AS due_id FROM dispatches WHERE state = 'pending' ORDER BY next_attempt_at, id LIMIT 32 FOR UPDATE SKIP LOCKED) UPDATE dispatches SET state = 'sending', lease_owner = 'x', lease_until = now()+interval '1h', attempts = attempts + 1, updated_at = now() FROM pending WHERE id = pending.due_id RETURNING id`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			break
		}
		c++
	}
	b.Logf("id-only claims %d in %v", c, time.Since(start))
}
