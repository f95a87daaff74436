package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"duban/ledger"
)

// DB lets the external tests read the tables with plain SQL, as an
// operator would.
func (s *Store) DB() *sqlx.DB { return s.db }

// EachOpenItemPaged is EachOpenItem reading page items at a time, so that a
// test of its paging needs a few hundred items, not thousands.
func (s *Store) EachOpenItemPaged(ctx context.Context, page int, fn func(ledger.Item) error) error {
	return s.eachItemIn(ctx, ledger.StatusOpen, page, func(r itemRow) error { return fn(r.item()) })
}
