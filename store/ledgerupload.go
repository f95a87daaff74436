package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// LedgerUpload is a ledger file uploaded in the console and not yet
// applied: the office sees what its import would do first.
type LedgerUpload struct {
	Token      string // unguessable, names the upload in the apply form
	Name       string // the file's name, with its extension
	Round      string
	Data       []byte
	UploadedBy string
	CreatedAt  time.Time
}

// ledgerUploadTTL is how long an upload waits to be applied.
const ledgerUploadTTL = 24 * time.Hour

// SaveLedgerUpload keeps an upload until it is applied, and drops those
// left longer than a day.
func (s *Store) SaveLedgerUpload(ctx context.Context, u LedgerUpload) error {
	if u.Token == "" || u.Name == "" || u.Round == "" || u.CreatedAt.IsZero() {
		return errors.New("store: save ledger upload: token, name, round and time are required")
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, qDropOldLedgerUploads, ts(u.CreatedAt.Add(-ledgerUploadTTL))); err != nil {
			return err
		}
		_, err := exec(ctx, tx, qInsertLedgerUpload, u.Token, u.Name, u.Round, u.Data, u.UploadedBy, ts(u.CreatedAt))
		return classify(err)
	})
	if err != nil {
		return fmt.Errorf("store: save ledger upload %s: %w", u.Name, err)
	}
	return nil
}

// GetLedgerUpload returns the upload of token; ErrNotFound when there is
// none (applied, dropped, or never made).
func (s *Store) GetLedgerUpload(ctx context.Context, token string) (LedgerUpload, error) {
	var r struct {
		Token      string `db:"token"`
		Name       string `db:"name"`
		Round      string `db:"round"`
		Data       []byte `db:"data"`
		UploadedBy string `db:"uploaded_by"`
		CreatedAt  dbTime `db:"created_at"`
	}
	if err := get(ctx, s.db, &r, qGetLedgerUpload, token); err != nil {
		return LedgerUpload{}, fmt.Errorf("store: get ledger upload: %w", classify(err))
	}
	return LedgerUpload{Token: r.Token, Name: r.Name, Round: r.Round, Data: r.Data, UploadedBy: r.UploadedBy,
		CreatedAt: r.CreatedAt.Time}, nil
}

// DeleteLedgerUpload forgets an applied upload.
func (s *Store) DeleteLedgerUpload(ctx context.Context, token string) error {
	if _, err := exec(ctx, s.db, qDeleteLedgerUpload, token); err != nil {
		return fmt.Errorf("store: delete ledger upload: %w", err)
	}
	return nil
}
