package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"duban/ledger"
)

// MigrateDownTo and DB let the external tests of a migration take a store
// back to the version before it and write rows as they were then.
func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := s.migrationProvider(ctx)
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

func (s *Store) DB() *sqlx.DB { return s.db }

// EachOpenItemPaged is EachOpenItem reading page items at a time, so that a
// test of its paging needs a few hundred items, not thousands.
func (s *Store) EachOpenItemPaged(ctx context.Context, page int, fn func(ledger.Item) error) error {
	return s.eachItemIn(ctx, ledger.StatusOpen, page, func(r itemRow) error { return fn(r.item()) })
}
