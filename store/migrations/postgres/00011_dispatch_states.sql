-- +goose Up
-- A message's delivery state moves out of the row that holds the message.
-- Every claim and every settlement rewrote the whole dispatch (its state
-- appears in the partial indexes, so no update was HOT) and added an entry
-- to each of its indexes: the unique key, the log's created_at and the
-- primary key, twice per message sent. The message (key, recipient,
-- subject, bodies, refs) never changes once written; its state changes
-- with every attempt. dispatch_messages keeps the message and the indexes
-- the log and the dedupe need; dispatch_states is narrow, with only the
-- indexes the worker needs. The view dispatches shows both as one row, as
-- the table did.
ALTER TABLE dispatches RENAME TO dispatch_messages;
CREATE TABLE dispatch_states (
    id              BIGINT PRIMARY KEY REFERENCES dispatch_messages (id) ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    smtp_reply      TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
INSERT INTO dispatch_states (id, state, attempts, next_attempt_at, lease_owner, lease_until,
        last_error, smtp_reply, message_id, updated_at, sent_at)
    SELECT id, state, attempts, next_attempt_at, lease_owner, lease_until,
        last_error, smtp_reply, message_id, updated_at, sent_at FROM dispatch_messages;
DROP INDEX dispatches_pending;
DROP INDEX dispatches_leased;
DROP INDEX dispatches_failed;
ALTER TABLE dispatch_messages DROP COLUMN state, DROP COLUMN attempts, DROP COLUMN next_attempt_at,
    DROP COLUMN lease_owner, DROP COLUMN lease_until, DROP COLUMN last_error, DROP COLUMN smtp_reply,
    DROP COLUMN message_id, DROP COLUMN updated_at, DROP COLUMN sent_at;
-- The worker's lookups, as in 00006: pending by next attempt, leases to
-- take over when they expire, and the console's failed messages.
CREATE INDEX dispatch_states_pending ON dispatch_states (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX dispatch_states_leased ON dispatch_states (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX dispatch_states_failed ON dispatch_states (id) WHERE state = 'failed';
CREATE VIEW dispatches AS
    SELECT m.id, m.key, m.job, m.run_id, m.recipient, m.subject, m.body_text, m.body_html, m.body,
        m.refs, s.state, s.attempts, s.next_attempt_at, s.lease_owner, s.lease_until, s.last_error,
        s.smtp_reply, s.message_id, m.created_at, s.updated_at, s.sent_at
    FROM dispatch_messages m JOIN dispatch_states s ON s.id = m.id;

-- +goose Down
DROP VIEW dispatches;
ALTER TABLE dispatch_messages
    ADD COLUMN state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at TIMESTAMPTZ,
    ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '',
    ADD COLUMN lease_until TIMESTAMPTZ,
    ADD COLUMN last_error TEXT NOT NULL DEFAULT '',
    ADD COLUMN smtp_reply TEXT NOT NULL DEFAULT '',
    ADD COLUMN message_id TEXT NOT NULL DEFAULT '',
    ADD COLUMN updated_at TIMESTAMPTZ,
    ADD COLUMN sent_at TIMESTAMPTZ;
UPDATE dispatch_messages m SET state = s.state, attempts = s.attempts, next_attempt_at = s.next_attempt_at,
    lease_owner = s.lease_owner, lease_until = s.lease_until, last_error = s.last_error,
    smtp_reply = s.smtp_reply, message_id = s.message_id, updated_at = s.updated_at, sent_at = s.sent_at
FROM dispatch_states s WHERE s.id = m.id;
-- A message without a state (none is written so) is kept, pending now.
UPDATE dispatch_messages SET next_attempt_at = created_at, updated_at = created_at WHERE next_attempt_at IS NULL;
ALTER TABLE dispatch_messages ALTER COLUMN next_attempt_at SET NOT NULL, ALTER COLUMN updated_at SET NOT NULL;
DROP TABLE dispatch_states;
ALTER TABLE dispatch_messages RENAME TO dispatches;
CREATE INDEX dispatches_pending ON dispatches (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX dispatches_leased ON dispatches (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX dispatches_failed ON dispatches (created_at) WHERE state = 'failed';
