package store

import (
	"context"
	"fmt"
)

// DispatchesForSubject returns every dispatch that carried a reminder about
// subject ("ROUND/NO" for an item, "DUTY/PERIOD" for a duty period), newest
// first: the console shows an item's page with what was sent about it.
func (s *Store) DispatchesForSubject(ctx context.Context, subject string) ([]Dispatch, error) {
	var rows []dispatchRow
	if err := sel(ctx, s.rdb, &rows, qDispatchesForSubject, subject); err != nil {
		return nil, fmt.Errorf("store: dispatches for %s: %w", subject, err)
	}
	return dispatches(rows), nil
}
