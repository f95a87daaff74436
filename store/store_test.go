package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"duban/ledger"
	"duban/store"
	"duban/store/storetest"
)

// cst is the office's zone, without depending on the tzdata package.
var cst = time.FixedZone("CST", 8*3600)

// t0 is the test's "now": 2025-06-16 09:00 in Shanghai, a Monday.
var t0 = time.Date(2025, 6, 16, 9, 0, 0, 0, cst)

func day(s string) ledger.Date {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if !got.IsZero() && got.Location() != time.UTC {
		t.Errorf("%s is in %v, want UTC", what, got.Location())
	}
}

func TestOpenMigratesIdempotently(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		v1, err := s.Migrate(ctx)
		must(t, err)
		if v1 < 1 {
			t.Fatalf("version %d after Open, want >= 1", v1)
		}
		v2, err := s.Migrate(ctx)
		must(t, err)
		if v2 != v1 {
			t.Errorf("second Migrate: version %d, want %d", v2, v1)
		}
		must(t, s.Ping(ctx))
		if d := s.Dialect(); d != strings.Split(t.Name(), "/")[1] {
			t.Errorf("Dialect() = %q in subtest %s", d, t.Name())
		}
	})
}

// Several processes starting at once on a new database must not trip over
// each other's migrations; separate Stores have separate pools, like
// separate processes.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			url := storetest.URL(t, dialect)
			const n = 4
			var wg sync.WaitGroup
			versions := make([]int64, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					s, err := store.Open(context.Background(), url)
					if err != nil {
						errs[i] = err
						return
					}
					defer s.Close()
					versions[i], errs[i] = s.Migrate(context.Background())
				})
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("open %d: %v", i, errs[i])
				}
				if versions[i] != versions[0] || versions[i] < 1 {
					t.Errorf("open %d: version %d, open 0: %d", i, versions[i], versions[0])
				}
			}
		})
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"mysql://root:secret@host/db", "duban.db", "sqlite:"} {
		s, err := store.Open(t.Context(), url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", url)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) error leaks the password: %v", url, err)
		}
	}
}

func TestOpenSQLiteInMemory(t *testing.T) {
	t.Parallel()
	s, err := store.Open(t.Context(), "sqlite::memory:")
	must(t, err)
	defer s.Close()
	importAll(t, s, seedItems())
	n, err := s.CountItems(t.Context())
	must(t, err)
	if n != 3 {
		t.Errorf("CountItems = %d, want 3", n)
	}
}

func TestOpenCreatesSQLiteDirectory(t *testing.T) {
	t.Parallel()
	url := "sqlite:" + t.TempDir() + "/a/b/duban.db"
	s, err := store.Open(t.Context(), url)
	must(t, err)
	defer s.Close()
	n, err := s.CountItems(t.Context())
	must(t, err)
	if n != 0 {
		t.Errorf("CountItems = %d in a new database", n)
	}
}
