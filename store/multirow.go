package store

import "strings"

// sqliteRowsPerStatement is how many rows one multi-row SQLite statement
// carries: at most nine parameters each, far below SQLite's limit of 32,766.
// SQLite runs in process, but every statement still goes through
// database/sql and the driver: a statement per row was a large part of a
// run's writing.
const sqliteRowsPerStatement = 256

// multiRowQuery is head, then tuple n times (comma-separated), then tail:
// a statement that writes n rows. Run through a preparedTx, it is
// prepared once per number of rows (the last group of a run is shorter).
func multiRowQuery(head, tuple, tail string, n int) string {
	return head + strings.Repeat(", "+tuple, n)[2:] + tail
}
