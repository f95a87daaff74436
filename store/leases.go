package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AcquireLease takes or renews the named lease for owner until now+ttl. It
// reports false when another owner holds a lease that has not expired.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || owner == "" || ttl <= 0 {
		return false, errors.New("store: acquire lease: name, owner and a positive ttl are required")
	}
	var got string
	err := get(ctx, s.db, &got, qAcquireLease, name, owner, ts(now.Add(ttl)), ts(now))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %s: %w", name, err)
	}
	return true, nil
}

// ReleaseLease gives the lease up if owner holds it; otherwise it does nothing.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := exec(ctx, s.db, qReleaseLease, name, owner); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}
