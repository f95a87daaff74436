package scheduler

import (
	"context"
	"fmt"
	"slices"

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
type freshFilter struct {
	store   *store.Store
	lookup  bool
	pending []ledger.Notice
	keys    []string
	fresh   [][]ledger.Notice
}

func newFreshFilter(st *store.Store, lookup bool) *freshFilter {
	return &freshFilter{store: st, lookup: lookup}
}

// add takes the notices of one subject.
func (f *freshFilter) add(ctx context.Context, ns []ledger.Notice) error {
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
		f.fresh = append(f.fresh, slices.Clone(f.pending))
		f.pending = f.pending[:0]
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
		f.fresh = append(f.fresh, batch)
	}
	f.pending, f.keys = f.pending[:0], f.keys[:0]
	return nil
}

// finish returns the fresh notices, in batches, in the order they came.
func (f *freshFilter) finish(ctx context.Context) ([][]ledger.Notice, error) {
	if err := f.flush(ctx); err != nil {
		return nil, err
	}
	return f.fresh, nil
}
