package store

import (
	"github.com/jmoiron/sqlx"
)

// DB lets the external tests read the tables with plain SQL, as an
// operator would.
func (s *Store) DB() *sqlx.DB { return s.db }
