// Package store keeps duban's state in PostgreSQL or SQLite: the ledger's
// items and their timeline, duty submissions, job runs, reminders, dispatches
// and leases. Both dialects share one set of queries where they agree; the
// few that differ are named per dialect in queries.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned when the row asked for does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique key already exists or a row is not
// in the state an operation requires (e.g. a dispatch leased by another owner).
var ErrConflict = errors.New("store: conflict")

const (
	dialectPostgres = "postgres"
	dialectSQLite   = "sqlite"
)

// sqliteDriverBind teaches sqlx that modernc's driver, registered as
// "sqlite", uses ? placeholders; sqlx only knows "sqlite3" by default.
var sqliteDriverBind sync.Once

// Store is a handle on one database. It is safe for concurrent use.
type Store struct {
	db      *sqlx.DB // writes, transactions, and reads that must see them
	rdb     *sqlx.DB // plain reads; the same pool as db except for an SQLite file
	dialect string
	q       dialectQueries
	loc     *time.Location // the zone of the days the store derives from instants
}

// Option adjusts a Store at Open.
type Option func(*Store)

// InZone makes the store count days in loc (UTC without it): the day of a
// status change, a note or a submission given without one, and the days an
// import records, are the calendar days of their instants in loc. An
// office in Beijing that marks an item done at 07:30 did it that day, not
// on the UTC day before.
func InZone(loc *time.Location) Option {
	return func(s *Store) {
		if loc != nil {
			s.loc = loc
		}
	}
}

// Open connects to url ("sqlite:PATH" or "postgres://…") and applies the
// pending migrations.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	s, err := connect(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	s.loc = time.UTC
	for _, opt := range opts {
		opt(s)
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func connect(ctx context.Context, rawURL string) (*Store, error) {
	var (
		s   *Store
		err error
	)
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		s, err = openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite:"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		s, err = openPostgres(ctx, rawURL)
	default:
		return nil, fmt.Errorf("store: unsupported database url %q: want sqlite:PATH or postgres://…", urlScheme(rawURL))
	}
	if err != nil {
		return nil, err
	}
	s.q = queriesFor(s.dialect)
	return s, nil
}

// ping checks a fresh pool and closes it when the database does not answer.
func ping(ctx context.Context, db *sqlx.DB, what string) error {
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("store: connect to %s: %w", what, err)
	}
	return nil
}

// urlScheme keeps only the part before ":" so that an error message never
// prints a password embedded in the url.
func urlScheme(rawURL string) string {
	scheme, _, found := strings.Cut(rawURL, ":")
	if !found {
		return "(no scheme)"
	}
	return scheme + ":…"
}

func openPostgres(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store: invalid postgres url: %w", errors.Unwrap(err))
	}
	// Each statement with parameters in one exchange (Parse, Bind,
	// Execute, Sync) instead of two: behind a pooler in transaction mode
	// the second could reach another server connection, where the
	// statement parsed by the first does not exist.
	if q := u.Query(); !q.Has("binary_parameters") {
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
	}
	connector, err := pq.NewConnector(u.String())
	if err != nil {
		return nil, fmt.Errorf("store: postgres url: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := ping(ctx, db, "postgres"); err != nil {
		return nil, err
	}
	return &Store{db: db, rdb: db, dialect: dialectPostgres}, nil
}

// sqliteWriterParams are applied by modernc on every new writer connection:
// WAL lets readers proceed while a writer writes; busy_timeout makes a
// second process wait for the write lock instead of failing at once;
// foreign keys are off by default in SQLite. _txlock=immediate takes the
// write lock at BEGIN, so a transaction never has to upgrade a read lock,
// which SQLite would refuse with SQLITE_BUSY regardless of busy_timeout.
const sqliteWriterParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// sqliteReaderParams: reader connections cannot write by mistake.
const sqliteReaderParams = "_pragma=busy_timeout(10000)&_query_only=1"

// sqliteReaders is the size of the read pool.
const sqliteReaders = 4

// openSQLite opens two pools on the file. Writes go through a single
// connection: SQLite has one writer anyway, and one connection queues this
// process's writers in Go instead of having them spin on busy_timeout
// against each other (other processes are still kept in line by the file
// lock and busy_timeout). Plain reads use a small pool of their own, so
// that they run alongside a write transaction (WAL) and a caller may read
// the store from inside a callback that runs within one, e.g. the build
// function of CommitDigests, instead of waiting forever for the one
// connection.
func openSQLite(ctx context.Context, path string) (*Store, error) {
	// Accept sqlite:///abs/path and sqlite://rel/path as well as sqlite:PATH.
	path = strings.TrimPrefix(path, "//")
	if path == "" {
		return nil, errors.New("store: sqlite url has no path: want sqlite:PATH")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("store: sqlite path %q must not contain '?'", path)
	}
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
		}
	}
	sqliteDriverBind.Do(func() { sqlx.BindDriver("sqlite", sqlx.QUESTION) })

	db, err := openSQLitePool(ctx, path, sqliteWriterParams, 1)
	if err != nil {
		return nil, err
	}
	if memory { // another connection would be another database
		return &Store{db: db, rdb: db, dialect: dialectSQLite}, nil
	}
	rdb, err := openSQLitePool(ctx, path, sqliteReaderParams, sqliteReaders)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db, rdb: rdb, dialect: dialectSQLite}, nil
}

func openSQLitePool(ctx context.Context, path, params string, conns int) (*sqlx.DB, error) {
	db, err := sqlx.Open("sqlite", path+"?"+params)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	// Keep connections: an in-memory database lives as long as its one
	// connection, and reopening a file costs the pragmas each time.
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := pingSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to sqlite %s: %w", path, err)
	}
	return db, nil
}

// pingSQLite opens the first connection, which applies the pragmas. Turning
// a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY
// at once, without its busy handler, when another process is doing the same
// (several daemons started together on a new file): wait briefly and retry.
func pingSQLite(ctx context.Context, db *sqlx.DB) error {
	const attempts = 50
	var err error
	for i := range attempts {
		if err = db.PingContext(ctx); err == nil || !isSQLiteBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(10+10*i) * time.Millisecond):
		}
	}
	return err
}

func isSQLiteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Close closes the database handles.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// inZone is t in the store's zone, so that ledger.DateOf gives its day there.
func (s *Store) inZone(t time.Time) time.Time { return t.In(s.loc) }

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if err := s.rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping readers: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise (also when fn panics).
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// errRollback ends a transaction without error, e.g. for a dry run.
var errRollback = errors.New("store: rollback requested")

// dbtx is what both *sqlx.DB and *sqlx.Tx offer: queries plus Rebind.
type dbtx = sqlx.ExtContext

// get, sel and exec take queries written with ? placeholders and rebind them
// for the dialect, so that shared SQL needs to be written once.
func get(ctx context.Context, q dbtx, dest any, query string, args ...any) error {
	return sqlx.GetContext(ctx, q, dest, q.Rebind(query), args...)
}

func sel(ctx context.Context, q dbtx, dest any, query string, args ...any) error {
	return sqlx.SelectContext(ctx, q, dest, q.Rebind(query), args...)
}

func exec(ctx context.Context, q dbtx, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, q.Rebind(query), args...)
}

// execOne runs a statement that must touch exactly one row; no row is ErrNotFound.
func execOne(ctx context.Context, q dbtx, query string, args ...any) error {
	res, err := exec(ctx, q, query, args...)
	if err != nil {
		return classify(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// in expands "IN (?)" for a slice argument and rebinds.
func in(q dbtx, query string, args ...any) (string, []any, error) {
	query, args, err := sqlx.In(query, args...)
	if err != nil {
		return "", nil, err
	}
	return q.Rebind(query), args, nil
}

// classify maps driver errors onto the package's sentinel errors, keeping
// the driver's message for unique violations.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case isUniqueViolation(err):
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}

func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.SQLState() == "23505"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// chunks splits ids so that IN lists stay well below both dialects'
// parameter limits.
func chunks[T any](xs []T, size int) [][]T {
	var out [][]T
	for len(xs) > size {
		out = append(out, xs[:size])
		xs = xs[size:]
	}
	if len(xs) > 0 {
		out = append(out, xs)
	}
	return out
}
