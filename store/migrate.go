package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// Migrate applies the pending migrations and returns the schema version.
// On PostgreSQL a lock row keeps several processes starting at once from
// migrating the same schema twice.
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	p, err := s.migrationProvider()
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	if err := checkKnownVersion(ctx, p); err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		// SQLite has no such lock: two processes opening a new file at
		// once may both find a migration pending, and the second fails on
		// tables the first created. Each migration runs in a transaction,
		// so the failed one left nothing behind: look again, once.
		if s.dialect != dialectSQLite {
			return 0, fmt.Errorf("store: migrate: %w", err)
		}
		if _, err := p.Up(ctx); err != nil {
			return 0, fmt.Errorf("store: migrate: %w", err)
		}
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: migrate: read version: %w", err)
	}
	return v, nil
}

func (s *Store) migrationProvider() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(slog.New(slog.DiscardHandler)),
	}
	dialect := goose.DialectSQLite3
	if s.dialect == dialectPostgres {
		dialect = goose.DialectPostgres
		// A row in a table of the schema, not a session's advisory lock:
		// it holds behind a pooler in transaction mode, and processes
		// migrating different schemas of one database do not wait for each
		// other. It is retried for up to five minutes.
		locker, err := lock.NewPostgresTableLocker(lock.WithTableLockTimeout(200*time.Millisecond, 1500))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithLocker(locker))
	}
	return goose.NewProvider(dialect, s.db.DB, fsys, opts...)
}

// checkKnownVersion refuses a database whose schema is newer than the
// migrations this binary carries: it was written by another version of
// duban, and reading it as if it were ours could lose data.
func checkKnownVersion(ctx context.Context, p *goose.Provider) error {
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: read version: %w", err)
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	if current > known {
		return fmt.Errorf("store: the database schema is at version %d, but this duban knows versions up to %d: "+
			"it was created by another version of duban; use that version, or a new database", current, known)
	}
	return nil
}
