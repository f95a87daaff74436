package store

import (
	"context"
	"fmt"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
)

// SessionStore is where the console keeps its login sessions: the
// sessions table, through alexedwards/scs's own store for the dialect, so
// that every replica honours a session and a restart keeps it. Its
// cleanup goroutine stays off: DeleteExpiredSessions does that work.
func (s *Store) SessionStore() scs.Store {
	if s.dialect == dialectPostgres {
		return postgresstore.NewWithCleanupInterval(s.db.DB, 0)
	}
	// sqlite3store speaks plain database/sql, which modernc's driver
	// serves. Sessions are looked up on every page: through the read pool,
	// so that a page does not wait for a job's write transaction on the
	// one writer connection.
	return sqliteSessions{
		read:  sqlite3store.NewWithCleanupInterval(s.rdb.DB, 0),
		write: sqlite3store.NewWithCleanupInterval(s.db.DB, 0),
	}
}

type sqliteSessions struct{ read, write *sqlite3store.SQLite3Store }

func (s sqliteSessions) Find(token string) ([]byte, bool, error) { return s.read.Find(token) }
func (s sqliteSessions) Delete(token string) error               { return s.write.Delete(token) }
func (s sqliteSessions) Commit(token string, b []byte, expiry time.Time) error {
	return s.write.Commit(token, b, expiry)
}

// DeleteExpiredSessions removes the sessions past their expiry by the
// database's clock, which the scs stores judge expiry by.
func (s *Store) DeleteExpiredSessions(ctx context.Context) error {
	if _, err := exec(ctx, s.db, s.q.deleteExpiredSessions); err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}

// ReserveLogin counts a login attempt of addr before its password is
// checked, in one statement, so that attempts in flight count: it reports
// whether addr still had one of its limit attempts in the window that
// began with its first attempt, no longer ago than window. Concurrent
// attempts are counted one by one, on every replica.
func (s *Store) ReserveLogin(ctx context.Context, addr string, now time.Time, window time.Duration, limit int) (bool, error) {
	var n int
	start := ts(now.Add(-window))
	if err := get(ctx, s.db, &n, qReserveLogin, addr, ts(now), start, start); err != nil {
		return false, fmt.Errorf("store: reserve a login attempt: %w", err)
	}
	return n <= limit, nil
}

// ReleaseLogin gives back a reserved attempt that proved nothing against
// the password: it succeeded, or checked no password at all.
func (s *Store) ReleaseLogin(ctx context.Context, addr string, now time.Time, window time.Duration) error {
	if _, err := exec(ctx, s.db, qReleaseLogin, addr, ts(now.Add(-window))); err != nil {
		return fmt.Errorf("store: release a login attempt: %w", err)
	}
	return nil
}

// DeleteStaleLogins forgets the addresses whose window ended before now.
func (s *Store) DeleteStaleLogins(ctx context.Context, now time.Time, window time.Duration) error {
	if _, err := exec(ctx, s.db, qDeleteStaleLogins, ts(now.Add(-window))); err != nil {
		return fmt.Errorf("store: delete stale login attempts: %w", err)
	}
	return nil
}
