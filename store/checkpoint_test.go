package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// A write transaction on an SQLite file leaves its WAL to the
// checkpointer, which copies all of it back into the database file; the
// commit itself checkpoints only past sqliteInlineCheckpointPages.
func TestCheckpointerCopiesTheWALAfterAWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTempSQLite(t)

	var inline int
	if err := s.db.GetContext(ctx, &inline, "PRAGMA wal_autocheckpoint"); err != nil {
		t.Fatal(err)
	}
	if inline != sqliteInlineCheckpointPages {
		t.Fatalf("writer's wal_autocheckpoint = %d, want %d", inline, sqliteInlineCheckpointPages)
	}

	results := make(chan checkpointResult, 16)
	report := func(r checkpointResult) { results <- r }
	s.ckpt.after.Store(&report)

	// About 2,000 pages: more than SQLite's default threshold, so without
	// the raised one the commit would have checkpointed in line.
	body := strings.Repeat("督办", 1300)
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		for i := range 2000 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO rounds (code, name) VALUES (?, ?)`,
				fmt.Sprintf("r%04d", i), body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing reads meanwhile, so one checkpoint copies every frame.
	var r checkpointResult
	select {
	case r = <-results:
	case <-time.After(time.Minute):
		t.Fatal("no checkpoint followed the write")
	}
	if r.err != nil {
		t.Fatalf("checkpoint: %v", r.err)
	}
	if r.frames < 1000 {
		t.Fatalf("the checkpointer saw a WAL of %d frames: the commit checkpointed in line", r.frames)
	}
	if r.copied != r.frames {
		t.Fatalf("the checkpointer copied %d of %d frames", r.copied, r.frames)
	}
}
