package store

import (
	"context"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// sqliteInlineCheckpointPages is the WAL size, in pages, past which a
// commit copies the WAL back into the database file itself (SQLite's
// wal_autocheckpoint; its default is 1,000 pages, 4 MiB). Below it the
// checkpointer does that in the background after each transaction; the
// threshold only bounds the WAL should the checkpointer fall behind.
const sqliteInlineCheckpointPages = 16384

// checkpointer copies an SQLite file's WAL back into the database after
// write transactions, on a reader connection, in the background. SQLite
// does it in the committing connection, in the commit that takes the WAL
// past its threshold: a deadline run's commit of tens of MiB of messages
// then waited about 80 ms for the copy, which nothing needed done before
// the run could end. A PASSIVE checkpoint waits for no reader or writer,
// and the writer goes on while it runs. It sleeps until a write signals
// it: an idle daemon does nothing.
type checkpointer struct {
	db     *sqlx.DB
	wake   chan struct{} // capacity 1: a write committed since the last checkpoint
	cancel context.CancelFunc
	done   chan struct{}
	after  atomic.Pointer[func(checkpointResult)] // tests watch the checkpoints
}

// checkpointResult is what one checkpoint reported: the WAL's frames and
// how many of them are now in the database file.
type checkpointResult struct {
	frames, copied int
	err            error
}

func startCheckpointer(db *sqlx.DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go c.run(ctx)
	return c
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		var r checkpointResult
		var busy int
		r.err = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &r.frames, &r.copied)
		// A checkpoint that failed is left to the next write's, or to the
		// commit that takes the WAL past sqliteInlineCheckpointPages.
		if f := c.after.Load(); f != nil {
			(*f)(r)
		}
	}
}

// signal tells the checkpointer that a write committed.
func (c *checkpointer) signal() {
	if c == nil {
		return
	}
	select {
	case c.wake <- struct{}{}:
	default: // a checkpoint is due already
	}
}

// stop ends the checkpointer, interrupting a checkpoint under way (the
// last connection to close checkpoints the WAL anyway).
func (c *checkpointer) stop() {
	if c == nil {
		return
	}
	c.cancel()
	<-c.done
}
