package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Audit actions and objects of the units' links and requests.
const (
	ActionLinksRevoke    = "links.revoke"
	ActionRequestAdd     = "request.add"
	ActionRequestApprove = "request.approve"
	ActionRequestReject  = "request.reject"

	ObjectUnit    = "unit"
	ObjectRequest = "request"
)

// serverKeySize is the size of a generated key: 256 bits, HMAC-SHA256's block-sized key.
const serverKeySize = 32

const (
	qInsertServerKey = `INSERT INTO server_keys (name, secret, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`
	qServerKey       = `SELECT secret FROM server_keys WHERE name = ?`
	qLinkGeneration  = `SELECT generation FROM unit_links WHERE unit = ?`
	qLinkGenerations = `SELECT unit, generation FROM unit_links`
	qRevokeUnitLinks = `INSERT INTO unit_links (unit, generation, revoked_at, revoked_by) VALUES (?, 1, ?, ?)
		ON CONFLICT (unit) DO UPDATE SET generation = unit_links.generation + 1,
		revoked_at = excluded.revoked_at, revoked_by = excluded.revoked_by
		RETURNING generation`
)

// ServerKey returns the secret named name, generating it on first use.
// Several replicas starting at once each try to insert their own; the
// first insert wins and every one of them reads that one, so that they all
// sign and check with the same key.
func (s *Store) ServerKey(ctx context.Context, name string, now time.Time) ([]byte, error) {
	fresh := make([]byte, serverKeySize)
	rand.Read(fresh) // never fails: crypto/rand panics rather than return short
	if _, err := exec(ctx, s.db, qInsertServerKey, name, fresh, ts(now)); err != nil {
		return nil, fmt.Errorf("store: server key %s: %w", name, err)
	}
	var key []byte
	if err := get(ctx, s.db, &key, qServerKey, name); err != nil {
		return nil, fmt.Errorf("store: server key %s: %w", name, classify(err))
	}
	return key, nil
}

// LinkGeneration returns the generation of unit's links: 0 until they are
// first revoked.
func (s *Store) LinkGeneration(ctx context.Context, unit string) (int64, error) {
	var gen int64
	err := get(ctx, s.db, &gen, qLinkGeneration, unit)
	if err != nil && classify(err) != ErrNotFound {
		return 0, fmt.Errorf("store: link generation of %s: %w", unit, err)
	}
	return gen, nil
}

// LinkGenerations returns the generation of every unit whose links were
// ever revoked; a unit not in the map is at 0.
func (s *Store) LinkGenerations(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Unit       string `db:"unit"`
		Generation int64  `db:"generation"`
	}
	if err := sel(ctx, s.db, &rows, qLinkGenerations); err != nil {
		return nil, fmt.Errorf("store: link generations: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Unit] = r.Generation
	}
	return out, nil
}

// RevokeLinks ends every link of unit made so far: it counts the unit's
// generation up and returns the new one, which the links made from now on
// carry.
func (s *Store) RevokeLinks(ctx context.Context, unit string, by Actor, now time.Time) (int64, error) {
	var gen int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := get(ctx, tx, &gen, qRevokeUnitLinks, unit, ts(now), by.Name); err != nil {
			return err
		}
		return audit(ctx, tx, by, now, ActionLinksRevoke, ObjectUnit, unit,
			map[string]int64{"generation": gen - 1}, map[string]int64{"generation": gen})
	})
	if err != nil {
		return 0, fmt.Errorf("store: revoke links of %s: %w", unit, err)
	}
	return gen, nil
}
