package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"duban/ledger"
)

// Reminder is one decision of the rules: tell Recipient about Subject at
// Stage, by Rule. Key is unique: rule|subject|stage|recipient (derived when
// empty).
type Reminder struct {
	Key, Rule, Subject, Stage, Recipient string
}

// Digest is what one run wants to tell one recipient, in the one message
// of key Key.
type Digest struct {
	Recipient string
	Key       string
	Reminders []Reminder
}

// Message is a built message; Refs is JSON text of what it concerns.
type Message struct {
	Subject, Text, HTML, Refs string
}

// BuildFunc builds the message that tells d's recipient of its fresh
// reminders (those not recorded before). It is called from several
// goroutines at once.
type BuildFunc func(d Digest, fresh []Reminder) (Message, error)

// reminderKey is the unique key of a reminder: rule|subject|stage|recipient.
func reminderKey(rule, subject, stage, recipient string) string {
	return strings.Join([]string{rule, subject, stage, recipient}, "|")
}

// listChunk is how many rows one multi-row INSERT carries, and
// knownChunk how many keys one lookup of known reminders names: well below
// both dialects' parameter limits, and few round trips.
const (
	listChunk  = 500
	knownChunk = 2000
	// arrayChunk is how many rows one PostgreSQL statement carries as
	// arrays: one round trip for a day's reminders at a district's scale.
	arrayChunk = 10000
)

// KnownReminders reports which of keys were already recorded; keys not in
// the map are unknown.
func (s *Store) KnownReminders(ctx context.Context, keys []string) (map[string]bool, error) {
	known := make(map[string]bool)
	for _, chunk := range chunks(keys, knownChunk) {
		query, args, err := in(s.rdb, qKnownReminders, chunk)
		if err != nil {
			return nil, fmt.Errorf("store: known reminders: %w", err)
		}
		var found []string
		if err := s.rdb.SelectContext(ctx, &found, query, args...); err != nil {
			return nil, fmt.Errorf("store: known reminders: %w", err)
		}
		for _, k := range found {
			known[k] = true
		}
	}
	return known, nil
}

// CommitDigests records, in one transaction, the reminders of a run and
// one message per digest that has reminders not recorded before
// ("fresh"); build makes that message from the fresh ones. A reminder
// recorded before (by an earlier run, or another replica) is in no new
// message: that is the "never twice". A message whose key exists is not
// inserted again; its fresh reminders name it. told, when given, are
// recorded too. It returns the number of reminders and messages inserted;
// an error from build rolls everything back.
func (s *Store) CommitDigests(ctx context.Context, job string, runID int64, digests []Digest,
	build BuildFunc, now time.Time, told ...Told) (reminders, messages int, err error) {
	digests, err = withKeys(digests)
	if err != nil {
		return 0, 0, fmt.Errorf("store: commit digests of %s: %w", job, err)
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		fresh, err := insertReminders(ctx, tx, s.dialect, job, runID, digests, now)
		if err != nil {
			return err
		}
		reminders = len(fresh)
		if messages, err = insertMessages(ctx, tx, job, runID, digests, fresh, build, now); err != nil {
			return err
		}
		return writeTold(ctx, tx, told)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: commit digests of %s: %w", job, err)
	}
	return reminders, messages, nil
}

// Told is the digest of the deadline reminders an open item was told
// (ledger.NoticesDigest of its notices), recorded with them by
// CommitDigests: a later run that finds the same digest for the item
// would record nothing new, and need not consider its reminders.
type Told struct {
	ItemID int64
	Digest string
}

// writeTold records the items' digests.
func writeTold(ctx context.Context, tx *sqlx.Tx, told []Told) error {
	for _, chunk := range chunks(told, listChunk) {
		rows := make([][]any, len(chunk))
		for i, t := range chunk {
			rows[i] = []any{t.ItemID, t.Digest}
		}
		if _, err := exec(ctx, tx, multiRow(qSetTold, rows, qSetToldEnd), flatten(rows)...); err != nil {
			return fmt.Errorf("record what the items were told: %w", err)
		}
	}
	return nil
}

// withKeys returns digests whose reminders all have their recipient and
// key, and checks that every digest names its message.
func withKeys(digests []Digest) ([]Digest, error) {
	out := make([]Digest, len(digests))
	for i, d := range digests {
		if d.Key == "" {
			return nil, fmt.Errorf("digest for %s has no message key", d.Recipient)
		}
		rs := make([]Reminder, len(d.Reminders))
		for j, r := range d.Reminders {
			r.Recipient = cmp.Or(r.Recipient, d.Recipient)
			r.Key = cmp.Or(r.Key, reminderKey(r.Rule, r.Subject, r.Stage, r.Recipient))
			rs[j] = r
		}
		d.Reminders = rs
		out[i] = d
	}
	return out, nil
}

// insertReminders inserts every digest's reminders, ignoring known keys,
// and returns the keys it inserted. Keys go in sorted, so that two
// transactions over the same keys (PostgreSQL) wait for each other
// instead of deadlocking.
func insertReminders(ctx context.Context, tx *sqlx.Tx, dialect string, job string, runID int64, digests []Digest, now time.Time) (map[string]bool, error) {
	var rows []reminderRow
	for _, d := range digests {
		for _, r := range d.Reminders {
			rows = append(rows, reminderRow{r, d.Key})
		}
	}
	slices.SortFunc(rows, func(a, b reminderRow) int { return strings.Compare(a.r.Key, b.r.Key) })
	size, insert := listChunk, insertReminderValues
	if dialect == dialectPostgres {
		size, insert = arrayChunk, insertReminderArrays
	}
	fresh := make(map[string]bool)
	for _, chunk := range chunks(rows, size) {
		inserted, err := insert(ctx, tx, job, runID, chunk, now)
		if err != nil {
			return nil, fmt.Errorf("insert reminders: %w", err)
		}
		for _, k := range inserted {
			fresh[k] = true
		}
	}
	return fresh, nil
}

// reminderRow is a reminder with the key of the message it is in.
type reminderRow struct {
	r           Reminder
	dispatchKey string
}

// insertReminderValues inserts a chunk of reminders in one multi-row
// INSERT and returns the keys of those that were not recorded before.
func insertReminderValues(ctx context.Context, tx *sqlx.Tx, job string, runID int64, rows []reminderRow, now time.Time) ([]string, error) {
	values := make([][]any, len(rows))
	for i, w := range rows {
		values[i] = []any{w.r.Key, w.r.Rule, w.r.Subject, w.r.Stage, w.r.Recipient, job, runIDArg(runID), w.dispatchKey, ts(now)}
	}
	var inserted []string
	err := sel(ctx, tx, &inserted, multiRow(qInsertReminders, values, qInsertRemindersEnd), flatten(values)...)
	return inserted, err
}

// insertReminderArrays does the same on PostgreSQL with a larger chunk as
// arrays: a statement of a few parameters is parsed and planned at once,
// where thousands of VALUES tuples cost more to plan than to insert.
func insertReminderArrays(ctx context.Context, tx *sqlx.Tx, job string, runID int64, rows []reminderRow, now time.Time) ([]string, error) {
	cols := make([][]string, 6)
	for i := range cols {
		cols[i] = make([]string, len(rows))
	}
	for i, w := range rows {
		cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i], cols[5][i] = w.r.Key, w.r.Rule, w.r.Subject, w.r.Stage, w.r.Recipient, w.dispatchKey
	}
	var inserted []string
	err := tx.SelectContext(ctx, &inserted, qInsertRemindersPostgres, pq.Array(cols[0]), pq.Array(cols[1]), pq.Array(cols[2]),
		pq.Array(cols[3]), pq.Array(cols[4]), pq.Array(cols[5]), job, runIDArg(runID), ts(now))
	return inserted, err
}

// messagesPerInsert is how many messages are built at once, on every
// core, and carried by one INSERT; their bodies are held until then.
const messagesPerInsert = 50

// builtGroup is a group of digests with their messages, or the error of
// building them.
type builtGroup struct {
	digests []Digest
	msgs    []Message
	err     error
}

// insertMessages builds and inserts the message of each digest with fresh
// reminders, and returns how many it inserted. The next group of messages
// is built while one is inserted.
func insertMessages(ctx context.Context, tx *sqlx.Tx, job string, runID int64, digests []Digest,
	fresh map[string]bool, build BuildFunc, now time.Time) (int, error) {
	built := make(chan builtGroup, 1)
	stop := make(chan struct{})
	var builder sync.WaitGroup
	defer builder.Wait()
	defer close(stop) // before the wait: a builder blocked on built gives up
	builder.Go(func() {
		defer close(built)
		for _, group := range chunks(freshDigests(digests, fresh), messagesPerInsert) {
			msgs, err := buildAll(group, build)
			select {
			case built <- builtGroup{group, msgs, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	})
	inserted := 0
	for g := range built {
		if g.err != nil {
			return 0, g.err
		}
		rows := make([][]any, len(g.digests))
		for i, d := range g.digests {
			m := g.msgs[i]
			rows[i] = []any{d.Key, job, runIDArg(runID), d.Recipient, ledger.ChannelOf(d.Recipient),
				m.Subject, m.Text, m.HTML, m.Refs, ts(now), ts(now), ts(now)}
		}
		var keys []string
		if err := sel(ctx, tx, &keys, multiRow(qInsertDispatches, rows, qInsertDispatchesEnd), flatten(rows)...); err != nil {
			return 0, fmt.Errorf("insert dispatches: %w", err)
		}
		inserted += len(keys)
	}
	return inserted, nil
}

// freshDigests are the digests with fresh reminders, each with only those.
func freshDigests(digests []Digest, fresh map[string]bool) []Digest {
	var out []Digest
	for _, d := range digests {
		var mine []Reminder
		for _, r := range d.Reminders {
			if fresh[r.Key] {
				mine = append(mine, r)
			}
		}
		if len(mine) > 0 {
			d.Reminders = mine
			out = append(out, d)
		}
	}
	return out
}

// buildAll builds the messages of digests (their reminders the fresh
// ones) on every core: rendering the templates is most of what a message
// costs before it is stored.
func buildAll(digests []Digest, build BuildFunc) ([]Message, error) {
	msgs := make([]Message, len(digests))
	errs := make([]error, len(digests))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(digests)) {
		wg.Go(func() {
			for i := range next {
				if msgs[i], errs[i] = build(digests[i], digests[i].Reminders); errs[i] != nil {
					errs[i] = fmt.Errorf("build message to %s: %w", digests[i].Recipient, errs[i])
				}
			}
		})
	}
	for i := range digests {
		next <- i
	}
	close(next)
	wg.Wait()
	return msgs, errors.Join(errs...)
}

// multiRow is head, one "(?, ?, …)" per row of values, then tail.
func multiRow(head string, values [][]any, tail string) string {
	tuple := "(" + strings.Repeat("?, ", len(values[0])-1) + "?)"
	return head + strings.Repeat(tuple+", ", len(values)-1) + tuple + tail
}

func flatten(values [][]any) []any {
	var out []any
	for _, v := range values {
		out = append(out, v...)
	}
	return out
}
