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
type freshFilter struct {
	store   *store.Store
	pending []ledger.Notice
	keys    []string
	fresh   []ledger.Notice
}

func newFreshFilter(st *store.Store) *freshFilter {
	return &freshFilter{store: st}
}

// add takes the notices of one subject.
func (f *freshFilter) add(ctx context.Context, ns []ledger.Notice) error {
	for _, n := range ns {
		f.pending = append(f.pending, n)
		f.keys = append(f.keys, n.Key())
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
	known, err := f.store.KnownReminders(ctx, f.keys)
	if err != nil {
		return fmt.Errorf("scheduler: known reminders: %w", err)
	}
	for i, n := range f.pending {
		if !known[f.keys[i]] {
			f.fresh = append(f.fresh, n)
		}
	}
	f.pending, f.keys = f.pending[:0], f.keys[:0]
	return nil
}

// finish returns the fresh notices, in the order they came.
func (f *freshFilter) finish(ctx context.Context) ([]ledger.Notice, error) {
	if err := f.flush(ctx); err != nil {
		return nil, err
	}
	return f.fresh, nil
}
