// Package sqlitelock makes sure one duban daemon at a time serves an
// SQLite database. PostgreSQL needs no such lock: its replicas share the
// work by design.
package sqlitelock
