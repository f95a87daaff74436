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
	"slices"
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

// deliveryRounds is how many times each side sends the whole batch; the
// sides alternate, and the median of each side is reported, so that a burst
// of load on the machine does not favour one side. This machine's speed
// drifts by a fifth within seconds (it is a virtual machine on a shared
// host): five rounds a side keep one slow round from setting the median.
const deliveryRounds = 5

// BenchmarkDelivery sends the same pending dispatches to a loopback SMTP
// sink (cmd/smtpsink, a process of its own) over N connections: with
// duban's notify.Worker (claiming from PostgreSQL, rendering, sending over
// the pooled transport, marking each sent), with a bare go-mail loop that
// builds the same messages from memory and sends them over N connections
// of its own, and with duban's transport alone fed from memory. The ratio
// is duban's messages per second over the bare loop's; the note compares
// duban with its transport alone, which is what the database and the
// worker cost.
func BenchmarkDelivery(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { benchDelivery(b, conns) })
	}
}

func benchDelivery(b *testing.B, conns int) {
	ctx := b.Context()
	// This process holds the bare loop's messages (130 MiB for 10,000),
	// which a duban process never does: under duban's soft memory limit
	// (TestMain) the collector would run without pause, for both sides,
	// and the two rates would measure it instead (237 against 1,400
	// msgs/s). The limit is lifted for the delivery cases.
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
	sink := startSinkProcess(b)

	at := time.Date(2025, 6, 16, 1, 0, 0, 0, time.UTC)
	msgs, err := DigestMessages(n, 5, at)
	if err != nil {
		b.Fatal(err)
	}
	if err := insertDispatches(ctx, db, msgs, at); err != nil {
		b.Fatal(err)
	}

	var bare, duban, transport []float64
	var bareCPU, dubanCPU, transportCPU []roundCPU
	round := func(send func() (float64, error), rates *[]float64, cpus *[]roundCPU) {
		before, err := readRoundCPU(sink.pid)
		if err != nil {
			b.Fatal(err)
		}
		rate, err := send()
		if err != nil {
			b.Fatal(err)
		}
		after, err := readRoundCPU(sink.pid)
		if err != nil {
			b.Fatal(err)
		}
		*rates = append(*rates, rate)
		*cpus = append(*cpus, after.since(before, n))
	}
	b.ResetTimer()
	for range b.N {
		for range deliveryRounds {
			round(func() (float64, error) { return sendBare(ctx, sink, conns, msgs) }, &bare, &bareCPU)
			if err := resetDispatches(ctx, db, at); err != nil {
				b.Fatal(err)
			}
			round(func() (float64, error) { return sendWorker(ctx, st, sink, conns, n) }, &duban, &dubanCPU)
			round(func() (float64, error) { return sendTransport(ctx, sink, conns, msgs) }, &transport, &transportCPU)
		}
	}
	b.StopTimer()
	mb, md, mt := median(bare), median(duban), median(transport)
	b.ReportMetric(mb, "bare_msgs/s")
	b.ReportMetric(md, "duban_msgs/s")
	b.ReportMetric(md/mb, "ratio")
	b.ReportMetric(mt, "transport_msgs/s")
	b.Logf("bare %v, duban %v, transport alone %v msgs/s", bare, duban, transport)
	cpu := fmt.Sprintf("CPU µs/msg, bare: %s; duban: %s; transport alone: %s",
		medianCPU(bareCPU), medianCPU(dubanCPU), medianCPU(transportCPU))
	b.Log(cpu)
	if err := Record(Row{Bench: "delivery", Case: fmt.Sprintf("%d msgs, N=%d", n, conns), Unit: "msgs/s",
		Duban: md, Floor: mb, Ratio: md / mb, Target: "≥ 0.9", MemMB: NA,
		Note: fmt.Sprintf("median of %d alternating rounds; duban's transport alone (no database, no worker) %.0f msgs/s, duban %.2f of it; %s",
			len(duban), mt, md/mt, cpu)}); err != nil {
		b.Fatal(err)
	}
}

// roundCPU is the CPU time of the processes a round of sending keeps busy:
// this one (the sending side), the SMTP server, and PostgreSQL (all its
// processes on this machine).
type roundCPU struct{ sender, server, db time.Duration }

func readRoundCPU(serverPID string) (roundCPU, error) {
	sender, err := ReadCPU("self")
	if err != nil {
		return roundCPU{}, err
	}
	server, err := ReadCPU(serverPID)
	if err != nil {
		return roundCPU{}, err
	}
	return roundCPU{sender, server, ReadCPUOf("postgres")}, nil
}

// since is the CPU used from before to c, per message of n.
func (c roundCPU) since(before roundCPU, n int) roundCPU {
	per := func(a, b time.Duration) time.Duration { return (a - b) / time.Duration(n) }
	return roundCPU{per(c.sender, before.sender), per(c.server, before.server), per(c.db, before.db)}
}

// medianCPU formats the median of each part over rounds, in µs.
func medianCPU(rounds []roundCPU) string {
	part := func(f func(roundCPU) time.Duration) float64 {
		xs := make([]float64, len(rounds))
		for i, r := range rounds {
			xs[i] = float64(f(r)) / float64(time.Microsecond)
		}
		return median(xs)
	}
	return fmt.Sprintf("sender %.0f, SMTP server %.0f, PostgreSQL %.0f",
		part(func(r roundCPU) time.Duration { return r.sender }),
		part(func(r roundCPU) time.Duration { return r.server }),
		part(func(r roundCPU) time.Duration { return r.db }))
}

// smtpServer is the sink, in process or not.
type smtpServer interface {
	Port() int
	Messages() int64
}

// insertDispatches queues msgs as pending dispatches due at at, in one
// statement.
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

// sendWorker delivers the pending dispatches with duban's worker and
// transport, as serve would with max_connections = conns.
func sendWorker(ctx context.Context, st *store.Store, sink smtpServer, conns, want int) (float64, error) {
	tr, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: notify.TLSNone,
		MaxConnections: conns, Timeout: 30 * time.Second, HeloName: "bench.local"})
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
	before := sink.Messages()
	start := time.Now()
	stats, err := w.DeliverDue(ctx, false)
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if stats.Sent != want || sink.Messages()-before != int64(want) {
		return 0, fmt.Errorf("worker sent %d (sink got %d), want %d: %+v", stats.Sent, sink.Messages()-before, want, stats)
	}
	return float64(want) / took.Seconds(), nil
}

// sendTransport sends the messages with duban's SMTP transport alone, as
// configured for the worker, rendering each from memory on the sending
// goroutine: no database, no worker. duban's rate over this one is what
// claiming, recording and the worker's hand-overs cost.
func sendTransport(ctx context.Context, sink smtpServer, conns int, msgs []store.Dispatch) (float64, error) {
	tr, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: notify.TLSNone,
		MaxConnections: conns, Timeout: 30 * time.Second, HeloName: "bench.local"})
	if err != nil {
		return 0, err
	}
	defer tr.Close()
	return fanOut(sink, conns, len(msgs), "transport alone", func(next func() (int, bool)) error {
		for i, ok := next(); ok; i, ok = next() {
			m, _, err := notify.BuildMessage(From, msgs[i])
			if err != nil {
				return err
			}
			if _, err := tr.Send(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// fanOut runs send on conns goroutines that share n messages, taking
// their numbers from next, and returns the rate at which they were sent,
// once the sink has counted them all.
func fanOut(sink smtpServer, conns, n int, what string, send func(next func() (int, bool)) error) (float64, error) {
	before := sink.Messages()
	var taken atomic.Int64
	next := func() (int, bool) {
		i := int(taken.Add(1) - 1)
		return i, i < n
	}
	errs := make([]error, conns)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Go(func() { errs[c] = send(next) })
	}
	wg.Wait()
	took := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if got := sink.Messages() - before; got != int64(n) {
		return 0, fmt.Errorf("%s: sink got %d messages, want %d", what, got, n)
	}
	return float64(n) / took.Seconds(), nil
}

// sendBare is the floor: go-mail alone, conns connections each sending
// messages from a shared queue, building each message as it goes, exactly
// as notify.BuildMessage builds it (same headers, same parts).
func sendBare(ctx context.Context, sink smtpServer, conns int, msgs []store.Dispatch) (float64, error) {
	// go-mail's own send, as duban's transport uses it.
	client, err := mail.NewClient("127.0.0.1", mail.WithPort(sink.Port()), mail.WithTLSPolicy(mail.NoTLS),
		mail.WithTimeout(30*time.Second), mail.WithHELO("bench.local"))
	if err != nil {
		return 0, err
	}
	sender, err := netmail.ParseAddress(From)
	if err != nil {
		return 0, err
	}
	domain := sender.Address[strings.LastIndexByte(sender.Address, '@')+1:]
	return fanOut(sink, conns, len(msgs), "bare loop", func(next func() (int, bool)) error {
		conn, err := client.DialToSMTPClientWithContext(ctx)
		if err != nil {
			return err
		}
		defer client.CloseWithSMTPClient(conn)
		for i, ok := next(); ok; i, ok = next() {
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
	})
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return NA
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
