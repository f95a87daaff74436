// Package storetest gives tests a fresh, migrated store in each dialect:
// SQLite in a temporary file and PostgreSQL in a schema of its own in the
// database named by DUBAN_TEST_DATABASE_URL, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // the "postgres" driver, to create and drop test schemas

	"duban/store"
)

// EnvURL names the variable holding the PostgreSQL test database URL.
const EnvURL = "DUBAN_TEST_DATABASE_URL"

// Each runs fn as a parallel subtest named after each dialect, with a
// fresh store. The subtest waits for its turn before it opens the store:
// a store opened by a subtest still waiting would hold its connections
// idle, and a package's waiting subtests could use up PostgreSQL's
// connection limit. fn must not call t.Parallel itself. The PostgreSQL
// subtest is skipped when DUBAN_TEST_DATABASE_URL is unset, and fails
// instead when CI=true.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, dialect))
		})
	}
}

// Open returns a fresh, migrated store of dialect ("sqlite" or "postgres"),
// closed when the test ends.
func Open(t testing.TB, dialect string) *store.Store {
	t.Helper()
	u := URL(t, dialect)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, u)
	if err != nil {
		t.Fatalf("storetest: open %s store: %v", dialect, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close %s store: %v", dialect, err)
		}
	})
	return s
}

// URL returns the URL of a fresh, empty database of dialect, for code that
// opens the store itself (e.g. tests running the duban binary). It is
// removed when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "duban.db")
	case "postgres":
		return postgresURL(t)
	}
	t.Fatalf("storetest: unknown dialect %q", dialect)
	return ""
}

// postgresURL creates schema duban_test_<random> and returns the test
// database URL with search_path set to it; lib/pq passes unknown URL
// parameters to the server as run-time parameters.
func postgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("storetest: %s is not set (required when CI=true)", EnvURL)
		}
		t.Skipf("storetest: %s is not set; skipping PostgreSQL", EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("storetest: %s must be a postgres:// URL", EnvURL)
	}

	schema := "duban_test_" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	defer db.Close()
	// The name is ours and made of [a-z0-9_]: safe to splice into DDL,
	// which takes no parameters.
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() { dropSchema(t, base, schema) })

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func dropSchema(t testing.TB, base, schema string) {
	// The test's context is already cancelled when cleanups run.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("postgres", base)
	if err != nil {
		t.Errorf("storetest: drop schema %s: %v", schema, err)
		return
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Errorf("storetest: drop schema %s: %v", schema, err)
	}
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return strings.ToLower(hex.EncodeToString(b))
}
