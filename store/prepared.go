package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// maxPrepared bounds the statements a preparedTx keeps: queries with
// expanded IN lists differ by length, and are not worth keeping.
const maxPrepared = 32

// preparedTx is a transaction that prepares each distinct statement once
// and reuses it: an import runs the same few statements for every row, and
// compiling them again each time was a third of its time on SQLite (and a
// parse per statement on PostgreSQL). It satisfies dbtx, so the helpers
// that take one use it unchanged.
type preparedTx struct {
	*sqlx.Tx
	stmts map[string]*sqlx.Stmt
}

func newPreparedTx(tx *sqlx.Tx) *preparedTx {
	return &preparedTx{Tx: tx, stmts: make(map[string]*sqlx.Stmt)}
}

// stmt returns the prepared statement of query; nil (and no error) when the
// cache is full, to run it unprepared.
func (p *preparedTx) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	if len(p.stmts) >= maxPrepared {
		return nil, nil
	}
	st, err := p.Tx.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = st
	return st, nil
}

func (p *preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.Tx.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (p *preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.Tx.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p *preparedTx) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.Tx.QueryxContext(ctx, query, args...)
	}
	return st.QueryxContext(ctx, args...)
}

func (p *preparedTx) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		// Unprepared, the error (if any) surfaces from the query itself.
		return p.Tx.QueryRowxContext(ctx, query, args...)
	}
	return st.QueryRowxContext(ctx, args...)
}

// Close releases the prepared statements.
func (p *preparedTx) Close() error {
	var errs []error
	for _, st := range p.stmts {
		errs = append(errs, st.Close())
	}
	p.stmts = nil
	return errors.Join(errs...)
}
