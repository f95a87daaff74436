-- +goose Up

-- ledger_uploads: a ledger file uploaded in the console, kept from the
-- preview of its import (the diff and the conflicts) until the office
-- applies it, so that whichever replica answers the second request has it.
-- Uploads a day old are dropped.
CREATE TABLE ledger_uploads (
    token       TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    round       TEXT NOT NULL,
    data        BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX ledger_uploads_created ON ledger_uploads (created_at);

-- +goose Down
DROP TABLE ledger_uploads;
