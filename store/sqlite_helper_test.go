package store

import (
	"context"
	"path/filepath"
	"testing"
)

// openTempSQLite opens a store on a new SQLite file of the test's own,
// closed when the test ends.
func openTempSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "duban.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
