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

// multiRow prepares the statements that write many rows at once on
// SQLite: head, then tuple once per row (comma-separated), then tail. SQLite
// runs in process, but every statement still goes through database/sql and
// the driver: a statement per row was a large part of a run's writing. A
// statement is prepared once per number of rows (the last group of a run
// is shorter), within the transaction.
type multiRow struct {
	head, tuple, tail string
	tx                *sqlx.Tx
	stmts             map[int]*sql.Stmt
}

func newMultiRow(tx *sqlx.Tx, head, tuple, tail string) *multiRow {
	return &multiRow{head: head, tuple: tuple, tail: tail, tx: tx, stmts: map[int]*sql.Stmt{}}
}

// stmt returns the statement for n rows.
func (m *multiRow) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st := m.stmts[n]; st != nil {
		return st, nil
	}
	st, err := m.tx.PrepareContext(ctx, m.head+strings.Repeat(", "+m.tuple, n)[2:]+m.tail)
	if err != nil {
		return nil, err
	}
	m.stmts[n] = st
	return st, nil
}

func (m *multiRow) close() {
	for _, st := range m.stmts {
		st.Close()
	}
}
