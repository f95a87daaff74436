package store

import (
	"context"
	"strings"
	"testing"
)

// A database whose schema a later duban migrated further is refused, not
// read as if it were this version's.
func TestOpenRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := t.TempDir() + "/newer.db"
	s, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, 1)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, "sqlite:"+path)
	if err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Fatalf("Open of a newer schema: %v, want it refused naming version 99", err)
	}
}
