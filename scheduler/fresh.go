package scheduler

import (
	"context"
	"fmt"

	"duban/ledger"
	"duban/store"
)

// freshBatch is how many notices freshFilter asks the store about at once.
const freshBatch = 4096

// freshFilter keeps, of the notices streamed through it, those whose
// reminders were never recorded. A daily run over a large ledger reaches
// the same stages as the day before for most items: asking the store in
// batches as the items stream by, and dropping what it already knows,
// keeps neither all the notices nor their items in memory, and leaves
// CommitDigests only the reminders that may be new. (CommitDigests still
// decides: a key recorded in between is not fresh there.)
//
// With lookup false it keeps every notice and asks nothing: when the items
// read are those whose check day has come, their notices are nearly all
// new, and CommitDigests' own dedupe is enough.
//
// It keeps at most limit notices (none: no limit). Past the limit it drops
// them and only counts them by recipient, for the run to be committed in
// parts (see Scheduler.performDeadlines).
type freshFilter struct {
	store   *store.Store
	lookup  bool
	limit   int
	pending []ledger.Notice
	keys    []string
	fresh   [][]ledger.Notice
	kept    int
	counts  map[string]int // by recipient, once past the limit
}

func newFreshFilter(st *store.Store, lookup bool, limit int) *freshFilter {
	return &freshFilter{store: st, lookup: lookup, limit: limit}
}

// add takes the notices of one subject.
func (f *freshFilter) add(ctx context.Context, ns []ledger.Notice) error {
	if f.pending == nil {
		// A batch's worth at once: grown by append, a batch of these large
		// structs was copied over and over on the way.
		f.pending = make([]ledger.Notice, 0, freshBatch+len(ns))
	}
	for _, n := range ns {
		f.pending = append(f.pending, n)
		if f.lookup {
			f.keys = append(f.keys, n.Key())
		}
	}
	if len(f.pending) >= freshBatch {
		return f.flush(ctx)
	}
	return nil
}

func (f *freshFilter) flush(ctx context.Context) error {
	if len(f.pending) == 0 {
		return nil
	}
	if !f.lookup {
		// Every notice is kept: the batch is handed over as it is, and the
		// next one starts afresh.
		f.keep(f.pending)
		f.pending = nil
		return nil
	}
	known, err := f.store.KnownReminders(ctx, f.keys)
	if err != nil {
		return fmt.Errorf("scheduler: known reminders: %w", err)
	}
	n := 0
	for _, k := range f.keys {
		if !known[k] {
			n++
		}
	}
	if n > 0 {
		batch := make([]ledger.Notice, 0, n) // exactly: a first run keeps hundreds of thousands
		for i, k := range f.keys {
			if !known[k] {
				batch = append(batch, f.pending[i])
			}
		}
		f.keep(batch)
	}
	f.pending, f.keys = f.pending[:0], f.keys[:0]
	return nil
}

// keep adds a batch of fresh notices, or counts it once past the limit.
func (f *freshFilter) keep(batch []ledger.Notice) {
	if f.counts == nil {
		f.fresh = append(f.fresh, batch)
		f.kept += len(batch)
		if f.limit <= 0 || f.kept <= f.limit {
			return
		}
		f.counts = map[string]int{}
		batch = nil
		for _, b := range f.fresh {
			f.count(b)
		}
		f.fresh = nil
	}
	f.count(batch)
}

func (f *freshFilter) count(batch []ledger.Notice) {
	for _, n := range batch {
		f.counts[n.Recipient]++
	}
}

// finish returns the fresh notices, in batches, in the order they came;
// past the limit, none but their counts by recipient.
func (f *freshFilter) finish(ctx context.Context) ([][]ledger.Notice, map[string]int, error) {
	if err := f.flush(ctx); err != nil {
		return nil, nil, err
	}
	return f.fresh, f.counts, nil
}
