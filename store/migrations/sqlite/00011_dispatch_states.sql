-- +goose Up
-- A message's delivery state moves out of the row that holds the message,
-- as on PostgreSQL (see its 00011): the message never changes once
-- written, its state changes with every attempt. dispatch_messages keeps
-- the message and the indexes the log and the dedupe need;
-- dispatch_states is narrow, with only the worker's indexes. The view
-- dispatches shows both as one row, as the table did. SQLite cannot drop
-- a column named in a CHECK or an index: the message table is rebuilt,
-- its rows copied with their ids.
CREATE TABLE dispatch_messages (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    job        TEXT NOT NULL DEFAULT '',
    run_id     INTEGER REFERENCES job_runs (id) ON DELETE SET NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    body_text  TEXT NOT NULL DEFAULT '',
    body_html  TEXT NOT NULL DEFAULT '',
    body       BLOB,
    refs       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE dispatch_states (
    id              INTEGER PRIMARY KEY REFERENCES dispatch_messages (id) ON DELETE CASCADE,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    smtp_reply      TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    sent_at         TEXT
);
INSERT INTO dispatch_messages (id, key, job, run_id, recipient, subject, body_text, body_html, body, refs, created_at)
    SELECT id, key, job, run_id, recipient, subject, body_text, body_html, body, refs, created_at FROM dispatches;
INSERT INTO dispatch_states (id, state, attempts, next_attempt_at, lease_owner, lease_until,
        last_error, smtp_reply, message_id, updated_at, sent_at)
    SELECT id, state, attempts, next_attempt_at, lease_owner, lease_until,
        last_error, smtp_reply, message_id, updated_at, sent_at FROM dispatches;
DROP TABLE dispatches;
CREATE INDEX dispatch_messages_created ON dispatch_messages (created_at);
CREATE INDEX dispatch_states_pending ON dispatch_states (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX dispatch_states_leased ON dispatch_states (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX dispatch_states_failed ON dispatch_states (id) WHERE state = 'failed';
CREATE VIEW dispatches AS
    SELECT m.id, m.key, m.job, m.run_id, m.recipient, m.subject, m.body_text, m.body_html, m.body,
        m.refs, s.state, s.attempts, s.next_attempt_at, s.lease_owner, s.lease_until, s.last_error,
        s.smtp_reply, s.message_id, m.created_at, s.updated_at, s.sent_at
    FROM dispatch_messages m JOIN dispatch_states s ON s.id = m.id;

-- +goose Down
CREATE TABLE dispatches_old (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,
    job             TEXT NOT NULL DEFAULT '',
    run_id          INTEGER REFERENCES job_runs (id) ON DELETE SET NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    refs            TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_owner     TEXT NOT NULL DEFAULT '',
    lease_until     TEXT,
    last_error      TEXT NOT NULL DEFAULT '',
    smtp_reply      TEXT NOT NULL DEFAULT '',
    message_id      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT,
    body            BLOB
);
-- A message without a state (none is written so) is kept, pending now.
INSERT INTO dispatches_old (id, key, job, run_id, recipient, subject, body_text, body_html, refs,
        state, attempts, next_attempt_at, lease_owner, lease_until, last_error, smtp_reply,
        message_id, created_at, updated_at, sent_at, body)
    SELECT m.id, m.key, m.job, m.run_id, m.recipient, m.subject, m.body_text, m.body_html, m.refs,
        COALESCE(s.state, 'pending'), COALESCE(s.attempts, 0), COALESCE(s.next_attempt_at, m.created_at),
        COALESCE(s.lease_owner, ''), s.lease_until, COALESCE(s.last_error, ''), COALESCE(s.smtp_reply, ''),
        COALESCE(s.message_id, ''), m.created_at, COALESCE(s.updated_at, m.created_at), s.sent_at, m.body
    FROM dispatch_messages m LEFT JOIN dispatch_states s ON s.id = m.id;
DROP VIEW dispatches;
DROP TABLE dispatch_states;
DROP TABLE dispatch_messages;
ALTER TABLE dispatches_old RENAME TO dispatches;
CREATE INDEX dispatches_created ON dispatches (created_at);
CREATE INDEX dispatches_pending ON dispatches (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX dispatches_leased ON dispatches (lease_until) WHERE lease_until IS NOT NULL;
CREATE INDEX dispatches_failed ON dispatches (created_at) WHERE state = 'failed';
