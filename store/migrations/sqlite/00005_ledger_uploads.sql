-- +goose Up

-- ledger_uploads: mirrors migrations/postgres.
CREATE TABLE ledger_uploads (
    token       TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    round       TEXT NOT NULL,
    data        BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX ledger_uploads_created ON ledger_uploads (created_at);

-- +goose Down
DROP TABLE ledger_uploads;
