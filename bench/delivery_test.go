package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	netmail "net/mail"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/wneessen/go-mail"

	"duban/ledger"
	"duban/notify"
	"duban/store"
	"duban/store/storetest"
)

// BenchmarkDelivery sends the same digests to a loopback SMTP sink over N
// connections twice: with a bare go-mail loop that builds each message
// from memory and sends it with go-mail's SendWithSMTPClient, the floor,
// then with duban's notify.Worker, which claims the dispatches from
// PostgreSQL in batches, builds the same messages, sends them with the same
// call on its pooled connections and records each batch. The ratio is
// duban's messages per second over the bare loop's.
func BenchmarkDelivery(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprintf("N=%d", conns), func(b *testing.B) { benchDelivery(b, conns) })
	}
}

func benchDelivery(b *testing.B, conns int) {
	ctx := b.Context()
	// The bare loop's messages sit in this process's memory (about 130 MiB
	// for 10,000), which a duban process never holds: under duban's soft
	// limit the collector would run without pause on both sides.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	n := EnvInt("DUBAN_BENCH_MESSAGES", 10000)
	url := storetest.URL(b, "postgres")
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	db, err := sql.Open("postgres", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	port := startSink(b)
	at := time.Date(2025, 6, 16, 1, 0, 0, 0, time.UTC)
	msgs, err := DigestMessages(n, 5, at)
	if err != nil {
		b.Fatal(err)
	}
	if err := insertDispatches(ctx, db, msgs, at); err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	for i := range b.N {
		if i > 0 {
			if err := resetDispatches(ctx, db, at); err != nil {
				b.Fatal(err)
			}
		}
		bare, err := sendBare(ctx, port, conns, msgs)
		if err != nil {
			b.Fatal(err)
		}
		duban, err := sendWorker(ctx, st, port, conns, n)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(bare, "bare_msgs/s")
		b.ReportMetric(duban, "duban_msgs/s")
		if err := Record(Row{Case: fmt.Sprintf("delivery, %d digests, N=%d", n, conns), Unit: "msgs/s",
			Measured: duban, Floor: bare, Ratio: duban / bare, Target: "≥ 0.8×"}); err != nil {
			b.Fatal(err)
		}
	}
}

// insertDispatches queues msgs as pending dispatches due at at.
func insertDispatches(ctx context.Context, db *sql.DB, msgs []store.Dispatch, at time.Time) error {
	cols := make([][]string, 6)
	for _, m := range msgs {
		for i, v := range []string{m.Key, m.Job, m.Recipient, m.Subject, m.BodyText, m.BodyHTML} {
			cols[i] = append(cols[i], v)
		}
	}
	_, err := db.ExecContext(ctx, `INSERT INTO dispatches (key, job, recipient, subject, body_text, body_html,
		refs, next_attempt_at, created_at, updated_at)
		SELECT k, j, r, s, t, h, '[]', $7, $7, $7
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(k, j, r, s, t, h)`,
		pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]), pq.Array(cols[3]), pq.Array(cols[4]), pq.Array(cols[5]), at)
	if err != nil {
		return fmt.Errorf("insert dispatches: %w", err)
	}
	_, err = db.ExecContext(ctx, `VACUUM ANALYZE dispatches`)
	return err
}

// resetDispatches makes every dispatch pending again, as if never sent.
func resetDispatches(ctx context.Context, db *sql.DB, at time.Time) error {
	if _, err := db.ExecContext(ctx, `UPDATE dispatches SET state = 'pending', attempts = 0, lease_owner = '',
		lease_until = NULL, sent_at = NULL, message_id = '', smtp_reply = '', last_error = '',
		next_attempt_at = $1, updated_at = $1`, at); err != nil {
		return fmt.Errorf("reset dispatches: %w", err)
	}
	_, err := db.ExecContext(ctx, `VACUUM ANALYZE dispatches`)
	return err
}

// sendWorker delivers the pending dispatches with duban's worker and SMTP
// transport, as serve would with max_connections = conns.
func sendWorker(ctx context.Context, st *store.Store, port, conns, want int) (float64, error) {
	tr, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: notify.TLSNone,
		MaxConnections: conns, HeloName: "bench.local"})
	if err != nil {
		return 0, err
	}
	defer tr.Close()
	email, err := notify.NewEmail(From, tr)
	if err != nil {
		return 0, err
	}
	w := &notify.Worker{Store: st, Channels: map[string]notify.Channel{ledger.ChannelEmail: email}, Owner: "bench", Lease: 10 * time.Minute, Concurrency: conns,
		MaxAttempts: 8, PollEvery: time.Minute, Backoff: notify.ExponentialBackoff(time.Minute),
		Now: time.Now, Logger: slog.New(slog.DiscardHandler)}
	start := time.Now()
	stats, err := w.DeliverDue(ctx, false)
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if stats.Sent != want {
		return 0, fmt.Errorf("worker sent %d, want %d: %+v", stats.Sent, want, stats)
	}
	return float64(want) / took.Seconds(), nil
}

// sendBare is the floor: go-mail alone, conns connections taking messages
// from a shared queue, building each as notify.BuildMessage does (same
// headers, same parts) and sending it with the call duban's transport uses.
func sendBare(ctx context.Context, port, conns int, msgs []store.Dispatch) (float64, error) {
	client, err := mail.NewClient("127.0.0.1", mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS),
		mail.WithTimeout(30*time.Second), mail.WithHELO("bench.local"))
	if err != nil {
		return 0, err
	}
	sender, err := netmail.ParseAddress(From)
	if err != nil {
		return 0, err
	}
	domain := sender.Address[strings.LastIndexByte(sender.Address, '@')+1:]
	var taken atomic.Int64
	send := func() error {
		conn, err := client.DialToSMTPClientWithContext(ctx)
		if err != nil {
			return err
		}
		defer client.CloseWithSMTPClient(conn)
		for i := taken.Add(1) - 1; i < int64(len(msgs)); i = taken.Add(1) - 1 {
			d := msgs[i]
			rcpt, err := netmail.ParseAddress(d.Recipient)
			if err != nil {
				return err
			}
			m := mail.NewMsg(mail.WithNoDefaultUserAgent())
			m.FromMailAddress(sender)
			m.ToMailAddress(rcpt)
			m.Subject(d.Subject)
			m.SetMessageIDWithValue(strings.Trim(notify.MessageID(d.Key, domain), "<>"))
			m.SetDateWithValue(d.CreatedAt)
			m.SetGenHeader("Auto-Submitted", "auto-generated")
			m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
			m.SetGenHeader(notify.HeaderKey, d.Key)
			m.SetUserAgent("duban")
			m.SetBodyString(mail.TypeTextPlain, d.BodyText)
			m.AddAlternativeString(mail.TypeTextHTML, d.BodyHTML)
			if err := client.SendWithSMTPClient(conn, m); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Go(func() { errs[c] = send() })
	}
	wg.Wait()
	took := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("bare loop: %w", err)
	}
	return float64(len(msgs)) / took.Seconds(), nil
}
