-- +goose Up
-- Every claim and every settlement of a dispatch writes a new entry into
-- each index of the table whose columns it changes (state, lease_until),
-- and the one (state, next_attempt_at, id) index kept an entry for every
-- sent message while a claim walked the leased rows one heap fetch at a
-- time to compare their lease_until. Partial indexes hold only the rows
-- each lookup wants, and a row has an entry only while it is in that
-- state: a sent message leaves them all.
-- What the worker claims, in claim order: pending dispatches by next attempt.
CREATE INDEX dispatches_pending ON dispatches (next_attempt_at, id) WHERE state = 'pending';
-- Leases to take over when they expire (a crashed worker). Every settlement
-- clears lease_until, so only the dispatches being sent are here. The
-- predicate names lease_until rather than state so that the settlements
-- (WHERE id = ? AND state = 'sending') find their row by its key instead
-- of walking the leases.
CREATE INDEX dispatches_leased ON dispatches (lease_until) WHERE lease_until IS NOT NULL;
-- The console's failed messages, newest first.
CREATE INDEX dispatches_failed ON dispatches (created_at) WHERE state = 'failed';
DROP INDEX dispatches_due;

-- +goose Down
CREATE INDEX dispatches_due ON dispatches (state, next_attempt_at, id);
DROP INDEX dispatches_failed;
DROP INDEX dispatches_leased;
DROP INDEX dispatches_pending;
