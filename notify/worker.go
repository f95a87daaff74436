package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"duban/store"
)

// DispatchStore is what the delivery worker needs of the store.
type DispatchStore interface {
	ClaimDispatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, ignoreBackoff bool) ([]store.Dispatch, error)
	MarkSent(ctx context.Context, id int64, owner, messageID, reply string, now time.Time) error
	MarkRetry(ctx context.Context, id int64, owner, messageID, errText, reply string, next time.Time) error
	MarkFailed(ctx context.Context, id int64, owner, messageID, errText, reply string, now time.Time) error
	NextDispatchDue(ctx context.Context) (time.Time, bool, error)
}

// claimer claims dispatches: the store, or its prepared statements.
type claimer interface {
	ClaimDispatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, ignoreBackoff bool) ([]store.Dispatch, error)
}

// SentBatcher is what a store may offer to settle many sent dispatches with
// one commit (*store.Store does). A worker whose store has it records
// deliveries in groups, off the sending path; otherwise it marks each
// message on its own before sending the next on that connection.
type SentBatcher interface {
	MarkSentMany(ctx context.Context, owner string, marks []store.SentMark, now time.Time) (lost []int64, err error)
}

// DeliveryPreparer is what a store may offer to prepare the statements a
// delivery pass runs again and again, claiming and settling in groups
// (*store.Store does): DeliverDue then claims and settles through them.
type DeliveryPreparer interface {
	PrepareDelivery() *store.PreparedDelivery
}

// Worker defaults, for zero fields.
const (
	DefaultMaxAttempts = 8
	DefaultLease       = 10 * time.Minute
	DefaultPollEvery   = 30 * time.Second

	// markTimeout bounds the store update that records an outcome; it runs
	// on a context that shutdown does not cancel, so a sent message is
	// recorded as sent.
	markTimeout = 30 * time.Second
	// minWait keeps Run from spinning when something is due again at once
	// (a zero backoff); Wake still cuts any wait short.
	minWait = time.Second
	// maxSentGroup bounds how many sent dispatches one MarkSentMany settles.
	maxSentGroup = 500
	// sentGroupWait is how long a delivered dispatch may wait for others to
	// be recorded with it. Each group is one statement and one commit, whose
	// fixed cost PostgreSQL spreads over the group: at 16 messages a group
	// (20 ms at 800 messages a second) a settlement costs it half as much
	// again per message as at 32 or more. A crash re-sends at most this
	// much of a delivery (at least once, same Message-ID).
	sentGroupWait = 50 * time.Millisecond
	// maxBatch bounds the claims sized by the delivery rate: a claim is one
	// statement and one commit, so fewer, larger claims keep the database's
	// share of a fast delivery small (claims of 128 cost PostgreSQL a sixth
	// less per message than claims of 64).
	maxBatch = 128
)

// Worker delivers due dispatches: it claims them with a lease, builds each
// message, hands it to the transport and records the outcome. Several
// workers (replicas) may share a store; the lease keeps them apart.
type Worker struct {
	Store       DispatchStore
	Transport   Transport
	From        string        // "整改办 <zgb@example.org>"
	MaxAttempts int           // 0: DefaultMaxAttempts
	Owner       string        // lease owner; "": host name and pid
	Lease       time.Duration // 0: DefaultLease; must exceed a batch's sending time
	Concurrency int           // messages in flight; 0: 1
	// Batch is how many dispatches are claimed at once; 0: sized by the
	// delivery rate of the call so far, from twice Concurrency up to
	// maxBatch, so that a claimed dispatch starts well within its lease
	// even behind a slow or rate-limited server.
	Batch  int
	Now    func() time.Time
	Logger *slog.Logger
	// Backoff is the wait after the attempt-th failed attempt; nil:
	// exponential 1m·2^(attempt-1) with ±20% jitter, capped at 6h.
	Backoff func(attempt int) time.Duration
	// PollEvery is the longest Run sleeps without a Wake, to pick up work
	// other replicas queued; 0: DefaultPollEvery.
	PollEvery time.Duration
	// Observe, when set, is told of every hand-over to the transport: the
	// outcome (sent, retry, failed), the SMTP reply code (0 when there was
	// no reply) and how long the transport took. The console's metrics use it.
	Observe func(outcome string, code int, d time.Duration)

	wakeOnce sync.Once
	wake     chan struct{}
}

// Stats counts the outcomes of one DeliverDue.
type Stats struct {
	Sent, Retried, Failed int
}

func (s *Stats) add(o Stats) {
	s.Sent += o.Sent
	s.Retried += o.Retried
	s.Failed += o.Failed
}

// Wake tells Run that new dispatches exist; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wakeCh() <- struct{}{}:
	default: // a wake-up is pending already
	}
}

func (w *Worker) wakeCh() chan struct{} {
	w.wakeOnce.Do(func() { w.wake = make(chan struct{}, 1) })
	return w.wake
}

// Run delivers what is due, then sleeps until Wake, the next due time, or
// PollEvery, whichever comes first, and again, until ctx is cancelled. It
// returns nil after a shutdown in which in-flight messages were finished.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.check(); err != nil {
		return err
	}
	wake := w.wakeCh()
	for {
		stats, err := w.DeliverDue(ctx, false)
		if err != nil && ctx.Err() == nil {
			w.logger().Error("deliver due dispatches", "error", err)
		}
		if stats != (Stats{}) {
			w.logger().Info("delivered", "sent", stats.Sent, "retried", stats.Retried, "failed", stats.Failed)
		}
		if ctx.Err() != nil {
			return nil
		}
		timer := time.NewTimer(w.nextWait(ctx))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// nextWait is how long Run may sleep: until the earliest pending dispatch
// is due, at most PollEvery, at least minWait.
func (w *Worker) nextWait(ctx context.Context) time.Duration {
	wait := w.PollEvery
	if wait <= 0 {
		wait = DefaultPollEvery
	}
	next, ok, err := w.Store.NextDispatchDue(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.logger().Error("next dispatch due", "error", err)
		}
		return wait
	}
	if ok {
		wait = min(wait, next.Sub(w.now()))
	}
	return max(wait, minWait)
}

// DeliverDue claims due dispatches batch by batch and sends them, up to
// Concurrency at a time, until none is due; ignoreBackoff also takes
// pending dispatches whose next attempt lies ahead (duban deliver --all).
// Each dispatch is attempted at most once per call, so a call ends even
// when every attempt fails: temporary failures keep their lease until the
// call ends (or half their lease has passed), and a dispatch claimed again
// within the call is handed back untouched. When the store is a
// SentBatcher, delivered dispatches are recorded as sent in groups, one
// commit per group, by a goroutine of their own, and all of them are
// recorded before DeliverDue returns. When it is a DeliveryPreparer, the
// claims and those groups run as statements prepared for the call.
//
// When ctx is cancelled it claims nothing more, lets the messages in flight
// finish, releases the claimed but unsent dispatches back to pending, and
// returns without error.
func (w *Worker) DeliverDue(ctx context.Context, ignoreBackoff bool) (Stats, error) {
	if err := w.check(); err != nil {
		return Stats{}, err
	}
	dl := &delivery{w: w, owner: w.owner(), log: w.logger(), started: w.now(), claims: w.Store}
	if closeStatements := dl.prepare(); closeStatements != nil {
		defer closeStatements()
	}
	dl.startSettling(ctx)
	// The senders stay up for the whole call, one per connection, and take
	// dispatches from a queue that is refilled a batch at a time: the next
	// claim is made while the senders still have a batch to send.
	queue := newSendQueue()
	var senders sync.WaitGroup
	for range w.concurrency() {
		senders.Go(func() { dl.sendAll(ctx, queue) })
	}
	claimErr := dl.feed(ctx, queue, ignoreBackoff)
	queue.close()
	senders.Wait()
	dl.stopSettling()
	dl.flushRetries(ctx, true)
	return dl.stats, errors.Join(append([]error{claimErr}, dl.errs...)...)
}

// feed claims due dispatches batch by batch and queues them for the
// senders, until none is due or ctx is cancelled. It claims a batch when
// the queue is down to at most one batch, so that a claimed dispatch waits
// behind at most two. Each dispatch is queued at most once per call; one
// claimed again is handed back untouched. The senders release what is
// still queued after ctx is cancelled.
func (dl *delivery) feed(ctx context.Context, queue *sendQueue, ignoreBackoff bool) error {
	w := dl.w
	attempted := make(map[int64]bool)
	for ctx.Err() == nil {
		n := dl.batch()
		if queue.waitRoom(ctx, n) != nil {
			return nil
		}
		batch, err := dl.claims.ClaimDispatches(ctx, dl.owner, w.now(), w.lease(), n, ignoreBackoff)
		if err != nil {
			if ctx.Err() == nil {
				return fmt.Errorf("notify: claim dispatches: %w", err)
			}
			return nil
		}
		var fresh []store.Dispatch
		for _, d := range batch {
			if attempted[d.ID] {
				dl.handBack(ctx, d)
				continue
			}
			attempted[d.ID] = true
			fresh = append(fresh, d)
		}
		if len(fresh) == 0 {
			return nil // nothing due, or only what this call has tried already
		}
		queue.push(fresh)
		dl.flushRetries(ctx, false)
	}
	return nil
}

// sendQueue holds the claimed dispatches that the senders take one at a
// time. Senders wait only when it is empty, and the feeder is woken once
// per batch, when the queue runs low: with a channel, every message taken
// woke the feeder blocked on the full channel, and those goroutine
// hand-overs cost the delivery a share of the CPU it shares with the
// server and the database.
type sendQueue struct {
	mu       sync.Mutex
	nonEmpty *sync.Cond // senders wait on it while the queue is empty
	items    []store.Dispatch
	room     int // the feeder waits until at most room dispatches are queued
	closed   bool
	low      chan struct{} // capacity 1: the queue is down to room
}

func newSendQueue() *sendQueue {
	q := &sendQueue{low: make(chan struct{}, 1)}
	q.nonEmpty = sync.NewCond(&q.mu)
	return q
}

// push queues claimed dispatches and wakes the senders waiting for them.
func (q *sendQueue) push(ds []store.Dispatch) {
	q.mu.Lock()
	q.items = append(q.items, ds...)
	q.mu.Unlock()
	q.nonEmpty.Broadcast()
}

// take returns the next queued dispatch, waiting while there is none; false
// when the queue is closed and empty.
func (q *sendQueue) take() (store.Dispatch, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.nonEmpty.Wait()
	}
	if len(q.items) == 0 {
		return store.Dispatch{}, false
	}
	d := q.items[0]
	q.items[0] = store.Dispatch{} // let the bodies go once sent
	q.items = q.items[1:]
	if len(q.items) <= q.room {
		select {
		case q.low <- struct{}{}:
		default: // the feeder has been told already
		}
	}
	return d, true
}

// waitRoom waits until at most n dispatches are queued, or ctx is done.
func (q *sendQueue) waitRoom(ctx context.Context, n int) error {
	for {
		q.mu.Lock()
		q.room = n
		short := len(q.items) <= n
		q.mu.Unlock()
		if short {
			return nil
		}
		select {
		case <-q.low:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// close tells the senders that nothing more comes once the queue is empty.
func (q *sendQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.nonEmpty.Broadcast()
}

func (w *Worker) check() error {
	switch {
	case w.Store == nil:
		return errors.New("notify: worker has no store")
	case w.Transport == nil:
		return errors.New("notify: worker has no transport")
	}
	// A bad sender would fail every message for good: refuse to start.
	if _, err := senderDomain(w.From); err != nil {
		return err
	}
	return nil
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (w *Worker) owner() string {
	if w.Owner != "" {
		return w.Owner
	}
	host, err := os.Hostname()
	if err != nil {
		host = "duban"
	}
	return host + ":" + strconv.Itoa(os.Getpid())
}

// observe reports a transport outcome to Observe, with the reply's code.
func (w *Worker) observe(outcome, reply string, d time.Duration) {
	if w.Observe == nil {
		return
	}
	code := 0
	if len(reply) >= 3 {
		if n, err := strconv.Atoi(reply[:3]); err == nil {
			code = n
		}
	}
	w.Observe(outcome, code, d)
}

func (w *Worker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return DefaultLease
}

// batch is the size of the next claim: Batch, or as many dispatches as the
// call has been delivering in an eighth of the lease. Claimed dispatches
// wait behind at most two batches (one queued for the senders, one being
// handed over), so they start within a quarter of their lease.
func (dl *delivery) batch() int {
	w := dl.w
	if w.Batch > 0 {
		return w.Batch
	}
	least := 2 * w.concurrency()
	dl.mu.Lock()
	done := dl.stats.Sent + dl.stats.Retried + dl.stats.Failed
	dl.mu.Unlock()
	elapsed := w.now().Sub(dl.started)
	if done == 0 || elapsed <= 0 {
		return least
	}
	perLease := float64(done) / elapsed.Seconds() * w.lease().Seconds()
	return max(least, min(maxBatch, int(perLease/8)))
}

func (w *Worker) concurrency() int {
	return max(w.Concurrency, 1)
}

func (w *Worker) maxAttempts() int {
	if w.MaxAttempts > 0 {
		return w.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (w *Worker) backoff(attempt int) time.Duration {
	if w.Backoff != nil {
		return w.Backoff(attempt)
	}
	return DefaultBackoff(attempt)
}

// DefaultBackoff waits 1m·2^(attempt-1) with ±20% jitter, at most 6h: 1m,
// 2m, 4m … so that eight attempts span about four hours.
func DefaultBackoff(attempt int) time.Duration {
	const base, ceiling = time.Minute, 6 * time.Hour
	d := ceiling
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 16 {
		d = min(base<<(attempt-1), ceiling)
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return min(time.Duration(float64(d)*jitter), ceiling)
}

// delivery is the state of one DeliverDue call.
type delivery struct {
	w       *Worker
	owner   string
	log     *slog.Logger
	started time.Time
	claims  claimer     // the store, or its prepared statements
	batcher SentBatcher // settles sent dispatches in groups; nil: one by one

	mu      sync.Mutex
	retries []pendingRetry // temporary failures, still leased until flushed
	errs    []error
	stats   Stats

	// sent collects delivered dispatches for the goroutine that settles
	// them in groups; nil when the store cannot (each is marked on its own).
	sent    *sentMarks
	settled chan struct{} // closed when that goroutine is done
}

func (dl *delivery) count(s Stats) {
	dl.mu.Lock()
	dl.stats.add(s)
	dl.mu.Unlock()
}

// prepare has the call claim and settle through the store's prepared
// statements when it offers them, or settle in groups when it can, and
// returns what closes the statements (nil when none were prepared).
func (dl *delivery) prepare() (closeStatements func()) {
	if p, ok := dl.w.Store.(DeliveryPreparer); ok {
		prepared := p.PrepareDelivery()
		dl.claims, dl.batcher = prepared, prepared
		return func() {
			if err := prepared.Close(); err != nil {
				dl.log.Warn("close delivery statements", "error", err)
			}
		}
	}
	if b, ok := dl.w.Store.(SentBatcher); ok {
		dl.batcher = b
	}
	return nil
}

// startSettling starts the goroutine that marks delivered dispatches sent,
// when the store can settle several at once. It takes whatever has arrived
// since its last commit, so that a group grows with the delivery rate
// while a lone message is recorded at once.
func (dl *delivery) startSettling(ctx context.Context) {
	batcher := dl.batcher
	if batcher == nil {
		return
	}
	dl.sent = newSentMarks()
	dl.settled = make(chan struct{})
	go func() {
		defer close(dl.settled)
		for dl.sent.gather() {
			for group := range slices.Chunk(dl.sent.takeAll(), maxSentGroup) {
				dl.settleGroup(ctx, batcher, group)
			}
		}
	}()
}

// stopSettling waits until every delivered dispatch is recorded.
func (dl *delivery) stopSettling() {
	if dl.sent == nil {
		return
	}
	dl.sent.stop()
	<-dl.settled
}

// sentMarks collects delivered dispatches for the settling goroutine. A
// sender wakes that goroutine only for the first mark of a group (and when
// a group is full), not for every message; it waits while maxSentGroup
// marks are waiting already, so that a stalled database stops delivery
// instead of piling up sent but unrecorded messages.
type sentMarks struct {
	mu    sync.Mutex
	taken *sync.Cond // senders wait on it while the marks are many
	marks []store.SentMark
	first chan struct{} // capacity 1: a group has begun
	full  chan struct{} // capacity 1: a group is full
	done  chan struct{} // closed by stop
}

func newSentMarks() *sentMarks {
	s := &sentMarks{first: make(chan struct{}, 1), full: make(chan struct{}, 1), done: make(chan struct{})}
	s.taken = sync.NewCond(&s.mu)
	return s
}

func (s *sentMarks) add(m store.SentMark) {
	s.mu.Lock()
	for len(s.marks) >= maxSentGroup {
		s.taken.Wait()
	}
	s.marks = append(s.marks, m)
	n := len(s.marks)
	s.mu.Unlock()
	if n == 1 {
		signal(s.first)
	}
	if n == maxSentGroup {
		signal(s.full)
	}
}

// gather waits for a group: from its first mark, sentGroupWait for others
// to join it, or until it is full, so that one commit records a group even
// when messages come one at a time over one connection (a crash in between
// costs at most that much re-sending: at least once, same Message-ID). It
// reports false when stop was called and nothing is left to take.
func (s *sentMarks) gather() bool {
	select {
	case <-s.first:
	case <-s.done:
		return s.pending() > 0
	}
	timer := time.NewTimer(sentGroupWait)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-s.full:
	case <-s.done:
	}
	return true
}

// takeAll takes the marks gathered so far.
func (s *sentMarks) takeAll() []store.SentMark {
	s.mu.Lock()
	marks := s.marks
	s.marks = nil
	s.mu.Unlock()
	s.taken.Broadcast()
	select {
	case <-s.full: // told of a group taken now
	default:
	}
	return marks
}

func (s *sentMarks) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.marks)
}

// stop has gather return at once from now on.
func (s *sentMarks) stop() { close(s.done) }

// signal wakes whoever waits on ch, unless a wake-up is pending already.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (dl *delivery) settleGroup(ctx context.Context, batcher SentBatcher, group []store.SentMark) {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	lost, err := batcher.MarkSentMany(mctx, dl.owner, group, dl.w.now())
	if err != nil {
		dl.mu.Lock()
		dl.errs = append(dl.errs, fmt.Errorf("notify: record %d sent dispatches: %w", len(group), err))
		dl.mu.Unlock()
		return
	}
	for _, id := range lost {
		dl.log.Warn("dispatch lease lost", "dispatch", id, "error", "settled or claimed by another worker before it was recorded as sent")
	}
}

// markSent records a delivered dispatch: through the settling goroutine
// when there is one, else at once.
func (dl *delivery) markSent(ctx context.Context, d store.Dispatch, messageID, reply string) {
	if dl.sent != nil {
		dl.sent.add(store.SentMark{ID: d.ID, MessageID: messageID, Reply: reply})
		return
	}
	dl.mark(ctx, d.ID, func(mctx context.Context) error {
		return dl.w.Store.MarkSent(mctx, d.ID, dl.owner, messageID, reply, dl.w.now())
	})
}

type pendingRetry struct {
	d         store.Dispatch
	messageID string
	errText   string
	reply     string
	next      time.Time
}

// sendAll delivers the queued dispatches, one at a time, until the queue
// is closed and empty. The next message is rendered while this one is on
// the wire: rendering is most of the CPU a message costs, and over one
// connection the sender would otherwise do it while the server and the
// network wait.
func (dl *delivery) sendAll(ctx context.Context, queue *sendQueue) {
	next := make(chan outgoing, 1)
	go dl.renderAll(ctx, queue, next)
	for o := range next {
		dl.count(dl.deliver(ctx, o))
	}
}

// outgoing is a claimed dispatch and its rendered message.
type outgoing struct {
	d   store.Dispatch
	m   *Message // nil when it could not be rendered, or the call is ending
	err error    // why it could not be rendered
}

// renderAll renders the queued dispatches for sendAll, one ahead of it,
// until the queue is closed and empty. Once ctx is cancelled it only
// passes them on, for sendAll to release.
func (dl *delivery) renderAll(ctx context.Context, queue *sendQueue, next chan<- outgoing) {
	defer close(next)
	for d, ok := queue.take(); ok; d, ok = queue.take() {
		o := outgoing{d: d}
		if ctx.Err() == nil {
			o.m, o.err = RenderMessage(dl.w.From, d)
		}
		next <- o
	}
}

// deliver sends one claimed dispatch and records the outcome.
func (dl *delivery) deliver(ctx context.Context, o outgoing) Stats {
	d := o.d
	if ctx.Err() != nil || dl.leaseRunningOut(d) || (o.m == nil && o.err == nil) {
		dl.release(ctx, d)
		return Stats{}
	}
	log := dl.log.With("dispatch", d.ID, "to", d.Recipient, "attempt", d.Attempts)
	if o.err != nil {
		// A message that cannot be built never will be.
		dl.mark(ctx, d.ID, func(mctx context.Context) error {
			return dl.w.Store.MarkFailed(mctx, d.ID, dl.owner, "", o.err.Error(), "", dl.w.now())
		})
		log.Error("dispatch failed", "outcome", "failed", "error", o.err)
		return Stats{Failed: 1}
	}
	m := o.m
	log = log.With("message_id", m.ID)
	// In flight means finished: shutdown must not cut a message in half.
	start := dl.w.now()
	reply, err := dl.w.Transport.Send(context.WithoutCancel(ctx), m)
	took := dl.w.now().Sub(start)
	if err == nil {
		dl.w.observe("sent", reply, took)
		dl.markSent(ctx, d, m.ID, reply)
		log.Info("dispatch sent", "outcome", "sent", "reply", reply)
		return Stats{Sent: 1}
	}
	temporary, smtpReply := Classify(err)
	if temporary && d.Attempts < dl.w.maxAttempts() {
		r := pendingRetry{d: d, messageID: m.ID, errText: err.Error(), reply: smtpReply,
			next: dl.w.now().Add(dl.w.backoff(d.Attempts))}
		dl.retry(r)
		log.Warn("dispatch will be retried", "outcome", "retry", "reply", smtpReply, "next_attempt", r.next, "error", err)
		dl.w.observe("retry", smtpReply, took)
		return Stats{Retried: 1}
	}
	dl.w.observe("failed", smtpReply, took)
	dl.mark(ctx, d.ID, func(mctx context.Context) error {
		return dl.w.Store.MarkFailed(mctx, d.ID, dl.owner, m.ID, err.Error(), smtpReply, dl.w.now())
	})
	log.Error("dispatch failed", "outcome", "failed", "reply", smtpReply, "temporary", temporary, "error", err)
	return Stats{Failed: 1}
}

// leaseRunningOut tells whether half of d's lease went by while it waited
// for its turn: sending it now could outlast the lease and let another
// worker send it too, so it goes back to pending instead.
func (dl *delivery) leaseRunningOut(d store.Dispatch) bool {
	return d.LeaseUntil.Sub(dl.w.now()) < dl.w.lease()/2
}

// retry holds a temporarily failed dispatch, still leased, so that this
// call does not claim it again, whatever its backoff; flushRetries puts it
// back to pending with its next attempt time.
func (dl *delivery) retry(r pendingRetry) {
	dl.mu.Lock()
	dl.retries = append(dl.retries, r)
	dl.mu.Unlock()
}

// flushRetries marks held temporary failures for retry: all of them, or
// those whose lease is half gone, before it expires and another worker
// claims them ahead of their backoff.
func (dl *delivery) flushRetries(ctx context.Context, all bool) {
	dl.mu.Lock()
	var flush, keep []pendingRetry
	for _, r := range dl.retries {
		if all || dl.leaseRunningOut(r.d) {
			flush = append(flush, r)
		} else {
			keep = append(keep, r)
		}
	}
	dl.retries = keep
	dl.mu.Unlock()
	for _, r := range flush {
		dl.markRetry(ctx, r)
	}
}

func (dl *delivery) markRetry(ctx context.Context, r pendingRetry) {
	dl.mark(ctx, r.d.ID, func(mctx context.Context) error {
		return dl.w.Store.MarkRetry(mctx, r.d.ID, dl.owner, r.messageID, r.errText, r.reply, r.next)
	})
}

// release gives a claimed dispatch that was not sent back to pending, due
// now, keeping its last error, instead of leaving it leased until expiry.
func (dl *delivery) release(ctx context.Context, d store.Dispatch) {
	dl.mark(ctx, d.ID, func(mctx context.Context) error {
		return dl.w.Store.MarkRetry(mctx, d.ID, dl.owner, d.MessageID, d.LastError, d.SMTPReply, dl.w.now())
	})
	dl.log.Info("dispatch released", "dispatch", d.ID, "to", d.Recipient, "attempt", d.Attempts, "outcome", "released")
}

// handBack returns a dispatch claimed a second time within one call as it
// was: pending, due when it was due, with its last error. (The claim has
// counted an attempt; that is the price of not sending it twice.)
func (dl *delivery) handBack(ctx context.Context, d store.Dispatch) {
	dl.mark(ctx, d.ID, func(mctx context.Context) error {
		return dl.w.Store.MarkRetry(mctx, d.ID, dl.owner, d.MessageID, d.LastError, d.SMTPReply, d.NextAttemptAt)
	})
	dl.log.Debug("dispatch handed back", "dispatch", d.ID, "to", d.Recipient, "attempt", d.Attempts, "next_attempt", d.NextAttemptAt)
}

// mark records an outcome on a context that shutdown does not cancel. A
// lost lease (ErrConflict: another worker took the dispatch over) is logged,
// not returned: the other worker owns the outcome now.
func (dl *delivery) mark(ctx context.Context, id int64, update func(context.Context) error) {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	err := update(mctx)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrConflict):
		dl.log.Warn("dispatch lease lost", "dispatch", id, "error", err)
	default:
		dl.mu.Lock()
		dl.errs = append(dl.errs, fmt.Errorf("notify: record dispatch %d: %w", id, err))
		dl.mu.Unlock()
	}
}
