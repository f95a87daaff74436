package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"duban/store"
)

// DispatchStore is what the delivery worker needs of the store.
type DispatchStore interface {
	ClaimDispatches(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, ignoreBackoff bool) ([]store.Dispatch, error)
	Settle(ctx context.Context, owner string, outcomes []store.Outcome, now time.Time) (lost []int64, err error)
	NextDispatchDue(ctx context.Context) (time.Time, bool, error)
}

const (
	// defaultBatch is how many dispatches a sender claims at once when
	// Batch is 0: a claim and a settlement are a commit each, shared by
	// the batch.
	defaultBatch = 64
	// settleTimeout bounds the store update that records a batch; it runs
	// on a context that shutdown does not cancel, so that a sent message is
	// recorded as sent.
	settleTimeout = 30 * time.Second
	// minWait keeps Run from spinning when something is due again at once;
	// Wake still cuts any wait short.
	minWait = time.Second
)

// Worker delivers due dispatches. Each of its senders claims a batch with
// a lease, sends it, and records the outcomes; several workers (replicas)
// may share a store, and the lease keeps them apart.
type Worker struct {
	Store DispatchStore
	// Channels deliver the dispatches by their Channel: ledger.ChannelEmail
	// and each robot platform. A dispatch of a channel not here fails.
	Channels    map[string]Channel
	Owner       string        // names this process in the leases
	Lease       time.Duration // how long a claim is ours; must exceed a batch's sending time
	MaxAttempts int           // attempts before a temporary failure is final
	Backoff     func(attempt int) time.Duration
	PollEvery   time.Duration // Run's longest sleep without a Wake: work other replicas queued
	Concurrency int           // senders, one connection each; 0: 1
	Batch       int           // dispatches claimed at once; 0: defaultBatch
	Now         func() time.Time
	Logger      *slog.Logger
	// Observe, when set, is told of every hand-over to a channel: the
	// channel, the outcome (sent, retry, failed), the reply code (0 when
	// there was no reply) and how long it took. The console's metrics use it.
	Observe func(channel, outcome string, code int, d time.Duration)
	// OnFailure, when set, is called after a DeliverDue in which a dispatch
	// failed for good or the store failed, so that failures are loud (the
	// heartbeat's /fail). It must not block.
	OnFailure func(s Stats, err error)

	wakeOnce sync.Once
	wake     chan struct{}
}

// Stats counts the outcomes of one DeliverDue. Waiting dispatches were not
// sent: a robot's rate limit holds them until their next attempt.
type Stats struct {
	Sent, Retried, Failed, Waiting int
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

// Run delivers what is due, then sleeps until Wake, the next due time or
// PollEvery, whichever comes first, and again, until ctx is cancelled. It
// returns nil after a shutdown in which the messages in flight were finished.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.check(); err != nil {
		return err
	}
	for {
		stats, err := w.DeliverDue(ctx, false)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("deliver due dispatches", "error", err)
		}
		if stats != (Stats{}) {
			w.Logger.Info("delivered", "sent", stats.Sent, "retried", stats.Retried, "failed", stats.Failed, "waiting", stats.Waiting)
		}
		timer := time.NewTimer(w.nextWait(ctx))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-w.wakeCh():
			timer.Stop()
		case <-timer.C:
		}
	}
}

// nextWait is how long Run may sleep: until the earliest pending dispatch
// is due, at most PollEvery, at least minWait.
func (w *Worker) nextWait(ctx context.Context) time.Duration {
	wait := w.PollEvery
	next, ok, err := w.Store.NextDispatchDue(ctx)
	if err != nil && ctx.Err() == nil {
		w.Logger.Error("next dispatch due", "error", err)
	}
	if ok {
		wait = min(wait, next.Sub(w.Now()))
	}
	return max(wait, minWait)
}

func (w *Worker) check() error {
	switch {
	case w.Store == nil || len(w.Channels) == 0 || w.Now == nil || w.Logger == nil || w.Backoff == nil:
		return errors.New("notify: worker needs a store, channels, a clock, a logger and a backoff")
	case w.Owner == "" || w.Lease <= 0 || w.MaxAttempts <= 0 || w.PollEvery <= 0:
		return errors.New("notify: worker needs an owner, a lease, max attempts and a poll interval")
	}
	return nil
}

// Close closes every channel.
func (w *Worker) Close() error { return CloseChannels(w.Channels) }

// DeliverDue has Concurrency senders claim and send due dispatches until
// none is due; ignoreBackoff also takes pending dispatches whose next
// attempt lies ahead (duban deliver --all). A temporary failure keeps its
// lease until the pass ends (or half of it is gone), so that the pass does
// not claim it again: each dispatch is attempted once per call, and a call
// ends even when every attempt fails. When ctx is cancelled the messages
// in flight are finished, the claimed but unsent ones handed back, and
// DeliverDue returns without error.
func (w *Worker) DeliverDue(ctx context.Context, ignoreBackoff bool) (Stats, error) {
	if err := w.check(); err != nil {
		return Stats{}, err
	}
	p := &pass{w: w}
	var senders sync.WaitGroup
	for range max(w.Concurrency, 1) {
		senders.Go(func() { p.send(ctx, ignoreBackoff) })
	}
	senders.Wait()
	p.settle(ctx, p.takeRetries(true))
	err := errors.Join(p.errs...)
	if w.OnFailure != nil && (p.stats.Failed > 0 || err != nil) {
		w.OnFailure(p.stats, err)
	}
	return p.stats, err
}

// pass is the state one DeliverDue shares among its senders.
type pass struct {
	w       *Worker
	mu      sync.Mutex
	retries []heldRetry
	stats   Stats
	errs    []error
}

// heldRetry is a temporary failure, still leased until its outcome is recorded.
type heldRetry struct {
	outcome    store.Outcome
	leaseUntil time.Time
}

// send claims, sends and settles batches until a claim brings nothing.
// The next batch is claimed, and the last one recorded, while this one is
// sent: the database's work need not wait for the mail server's.
func (p *pass) send(ctx context.Context, ignoreBackoff bool) {
	var settling sync.WaitGroup
	defer settling.Wait()
	next := p.claim(ctx, ignoreBackoff)
	handedBack := false
	for next != nil {
		batch := <-next
		next = nil
		if len(batch) == 0 {
			if !handedBack || ctx.Err() != nil {
				return
			}
			// That claim ran before the last batch's hand-backs were
			// recorded; they are due now and may be claimed once recorded.
			settling.Wait()
			handedBack = false
			next = p.claim(ctx, ignoreBackoff)
			continue
		}
		if ctx.Err() == nil {
			next = p.claim(ctx, ignoreBackoff)
		}
		outcomes := p.deliverBatch(ctx, batch)
		handedBack = handedBack || slices.ContainsFunc(outcomes, func(o store.Outcome) bool { return o.Unsent })
		settling.Wait()
		settling.Go(func() { p.settle(ctx, append(outcomes, p.takeRetries(false)...)) })
	}
}

// claim claims a batch in the background; its channel yields the batch,
// empty when nothing is due or the claim failed.
func (p *pass) claim(ctx context.Context, ignoreBackoff bool) <-chan []store.Dispatch {
	w := p.w
	claimed := make(chan []store.Dispatch, 1)
	go func() {
		batch, err := w.Store.ClaimDispatches(ctx, w.Owner, w.Now(), w.Lease, cmpInt(w.Batch, defaultBatch), ignoreBackoff)
		if err != nil && ctx.Err() == nil {
			p.fail(fmt.Errorf("notify: claim dispatches: %w", err))
		}
		claimed <- batch
	}()
	return claimed
}

// deliverBatch sends a claimed batch and returns the outcomes to record
// now; retries, and dispatches waiting for their rate limit, are held
// (leased) to the pass's end, so that the pass does not claim them again.
func (p *pass) deliverBatch(ctx context.Context, batch []store.Dispatch) []store.Outcome {
	var outcomes []store.Outcome
	for _, d := range batch {
		o := p.deliver(ctx, d)
		if o.State == store.StatePending && (!o.Unsent || o.NextAttemptAt.After(p.w.Now())) {
			p.hold(heldRetry{o, d.LeaseUntil})
			continue
		}
		outcomes = append(outcomes, o)
	}
	return outcomes
}

func (p *pass) hold(r heldRetry) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.retries = append(p.retries, r)
}

// takeRetries takes the held retries to record: all of them, or those
// whose lease is half gone, before another worker could claim them ahead
// of their backoff.
func (p *pass) takeRetries(all bool) []store.Outcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	var take []store.Outcome
	keep := p.retries[:0]
	for _, r := range p.retries {
		if all || p.leaseRunningOut(r.leaseUntil) {
			take = append(take, r.outcome)
		} else {
			keep = append(keep, r)
		}
	}
	p.retries = keep
	return take
}

// leaseRunningOut tells whether less than half a lease is left: sending
// now could outlast it and let another worker send the message too.
func (p *pass) leaseRunningOut(until time.Time) bool {
	return until.Sub(p.w.Now()) < p.w.Lease/2
}

// deliver sends one claimed dispatch and says what became of it.
func (p *pass) deliver(ctx context.Context, d store.Dispatch) store.Outcome {
	w := p.w
	if ctx.Err() != nil || p.leaseRunningOut(d.LeaseUntil) {
		return handBack(d, w.Now())
	}
	log := w.Logger.With("dispatch", d.ID, "to", d.Recipient, "channel", d.Channel, "attempt", d.Attempts)
	ch := w.Channels[d.Channel]
	if ch == nil {
		err := fmt.Errorf("notify: no %s channel is configured", cmp.Or(d.Channel, "(empty)"))
		log.Error("dispatch failed", "outcome", "failed", "error", err)
		p.count(Stats{Failed: 1})
		return store.Outcome{ID: d.ID, State: store.StateFailed, Error: err.Error()}
	}
	start := w.Now()
	// In flight means finished: shutdown must not cut a message in half.
	rc, err := ch.Send(context.WithoutCancel(ctx), d)
	took := w.Now().Sub(start)
	if rc.MessageID != "" {
		log = log.With("message_id", rc.MessageID)
	}
	if err == nil {
		p.observe(d.Channel, "sent", rc.Code, took)
		log.Info("dispatch sent", "outcome", "sent", "reply", rc.Reply)
		p.count(Stats{Sent: 1})
		return store.Outcome{ID: d.ID, State: store.StateSent, MessageID: rc.MessageID, Reply: rc.Reply, Error: d.LastError}
	}
	if at, ok := waitsUntil(err); ok {
		log.Debug("dispatch waits for the rate limit", "outcome", "waiting", "next_attempt", at)
		p.count(Stats{Waiting: 1})
		return handBack(d, at)
	}
	temporary, reply := Classify(err)
	reply = cmp.Or(reply, rc.Reply)
	if temporary && d.Attempts < w.MaxAttempts {
		next := w.Now().Add(w.Backoff(d.Attempts))
		p.observe(d.Channel, "retry", rc.Code, took)
		log.Warn("dispatch will be retried", "outcome", "retry", "reply", reply, "next_attempt", next, "error", err)
		p.count(Stats{Retried: 1})
		return store.Outcome{ID: d.ID, State: store.StatePending, NextAttemptAt: next, MessageID: rc.MessageID, Reply: reply, Error: err.Error()}
	}
	p.observe(d.Channel, "failed", rc.Code, took)
	log.Error("dispatch failed", "outcome", "failed", "reply", reply, "temporary", temporary, "error", err)
	p.count(Stats{Failed: 1})
	return store.Outcome{ID: d.ID, State: store.StateFailed, MessageID: rc.MessageID, Reply: reply, Error: err.Error()}
}

// handBack returns a claimed dispatch unsent: pending again, due at next,
// as it was otherwise; the claim's attempt does not count.
func handBack(d store.Dispatch, next time.Time) store.Outcome {
	return store.Outcome{ID: d.ID, State: store.StatePending, NextAttemptAt: next, Unsent: true,
		Reply: d.SMTPReply, Error: d.LastError}
}

// settle records outcomes. A lost lease is logged, not returned: another
// worker took the dispatch over and owns its outcome.
func (p *pass) settle(ctx context.Context, outcomes []store.Outcome) {
	if len(outcomes) == 0 {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	lost, err := p.w.Store.Settle(sctx, p.w.Owner, outcomes, p.w.Now())
	if err != nil {
		p.fail(fmt.Errorf("notify: record %d dispatches: %w", len(outcomes), err))
		return
	}
	for _, id := range lost {
		p.w.Logger.Warn("dispatch lease lost", "dispatch", id, "error", "settled or claimed by another worker before its outcome was recorded")
	}
}

func (p *pass) count(s Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Sent += s.Sent
	p.stats.Retried += s.Retried
	p.stats.Failed += s.Failed
	p.stats.Waiting += s.Waiting
}

func (p *pass) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs = append(p.errs, err)
}

func (p *pass) observe(channel, outcome string, code int, d time.Duration) {
	if p.w.Observe != nil {
		p.w.Observe(channel, outcome, code, d)
	}
}

func cmpInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
