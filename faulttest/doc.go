// Package faulttest holds duban's fault tests: they build the duban binary,
// start it as real processes (several replicas at once) against PostgreSQL
// and an SMTP server on loopback, break things — kill -9 a replica, restart
// PostgreSQL, take the SMTP server down, leave the daemon off for ten days —
// and check that every reminder is delivered exactly once (at least once
// where a kill leaves a message in flight, with the duplicates counted).
//
// Each test prints a summary line a CI log shows:
//
//	fault: <scenario> delivered=N duplicates=D lost=0 …
//
// They need DUBAN_TEST_DATABASE_URL (skipped without it, failed under
// CI=true), and the PgBouncer test Debian's pgbouncer. DUBAN_FAULT_DURATION
// (a Go duration, default 12s) sets how long the replica test keeps three
// daemons running, e.g. DUBAN_FAULT_DURATION=1m.
package faulttest
