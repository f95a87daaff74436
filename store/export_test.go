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

// PinnedPlans tells, for the delivery statement in slot (0: the claim, 1:
// the settlement), its connection's plan_cache_mode and how often the
// statement was planned generically and custom; ok is false before it runs.
func (p *PreparedDelivery) PinnedPlans(ctx context.Context, slot int) (mode string, generic, custom int64, ok bool, err error) {
	p.mu.Lock()
	stmt := p.pg[slot]
	p.mu.Unlock()
	if stmt == nil {
		return "", 0, 0, false, nil
	}
	if err := stmt.conn.QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&mode); err != nil {
		return "", 0, 0, false, err
	}
	err = stmt.conn.QueryRowContext(ctx, `SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0)
		FROM pg_prepared_statements`).Scan(&generic, &custom)
	return mode, generic, custom, true, err
}
