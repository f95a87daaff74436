package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/jmoiron/sqlx"
)

// sqliteRowsPerStatement is how many rows one multi-row SQLite statement
// carries: at most nine parameters each, far below SQLite's limit of 32,766.
const sqliteRowsPerStatement = 256

// stmtCache prepares each statement of a transaction once. A run writes
// its rows many to a statement, and the statements differ only by how many
// rows they carry (the last group of a run is shorter): parsing each anew
// was a tenth of the time SQLite spent queueing a run's messages, and on
// PostgreSQL it is a round trip.
type stmtCache struct {
	tx    *sqlx.Tx
	stmts map[string]*sql.Stmt
}

func newStmtCache(tx *sqlx.Tx) *stmtCache {
	return &stmtCache{tx: tx, stmts: map[string]*sql.Stmt{}}
}

// prepare returns the statement for query, prepared on first use.
func (c *stmtCache) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.stmts[query]; st != nil {
		return st, nil
	}
	st, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	for _, st := range c.stmts {
		st.Close()
	}
}

// multiRow writes many rows at once on SQLite: head, then tuple once per
// row (comma-separated), then tail. SQLite runs in process, but every
// statement still goes through database/sql and the driver: a statement
// per row was a large part of a run's writing.
type multiRow struct {
	head, tuple, tail string
	cache             *stmtCache
}

func newMultiRow(tx *sqlx.Tx, head, tuple, tail string) *multiRow {
	return &multiRow{head: head, tuple: tuple, tail: tail, cache: newStmtCache(tx)}
}

// stmt returns the statement for n rows.
func (m *multiRow) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	return m.cache.prepare(ctx, m.head+strings.Repeat(", "+m.tuple, n)[2:]+m.tail)
}

func (m *multiRow) close() { m.cache.close() }
