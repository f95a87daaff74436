package store

import (
	"context"

	"github.com/jmoiron/sqlx"
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
