-- +goose Up

-- The tables mirror migrations/postgres one for one.

-- server_keys: secrets duban generates once and keeps here, so that every
-- replica shares them: the key that signs the units' links when the config
-- supplies none. The first replica's insert wins; the others read it.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- unit_links: a unit's link generation. Every link carries, under its
-- signature, the generation it was made in; `duban links revoke` counts it
-- up, and the links made before no longer open. No row: generation 0.
CREATE TABLE unit_links (
    unit       TEXT PRIMARY KEY,
    generation INTEGER NOT NULL,
    revoked_at TEXT NOT NULL,
    revoked_by TEXT NOT NULL DEFAULT ''
);

-- requests: what a unit files through its link for the office to review
-- (待审核); see migrations/postgres.
CREATE TABLE requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('progress', 'completion', 'extension', 'submission')),
    unit          TEXT NOT NULL,
    item_id       INTEGER REFERENCES items (id) ON DELETE CASCADE,
    duty          TEXT NOT NULL DEFAULT '',
    period        TEXT NOT NULL DEFAULT '',
    submission_id INTEGER REFERENCES submissions (id) ON DELETE SET NULL,
    body          TEXT NOT NULL DEFAULT '',
    on_date       TEXT,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at    TEXT NOT NULL,
    decided_at    TEXT,
    decided_by    TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT '',
    closed        INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1)),
    CHECK ((item_id IS NULL) = (kind = 'submission'))
);
CREATE INDEX requests_status ON requests (status, created_at, id);
CREATE INDEX requests_unit ON requests (unit, created_at);
CREATE INDEX requests_item ON requests (item_id);

-- files: the evidence of a request (佐证材料), kept in the database so that
-- every replica serves them; type checked from the content, never unpacked.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id   INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX files_request ON files (request_id, id);

-- +goose Down
DROP TABLE files;
DROP TABLE requests;
DROP TABLE unit_links;
DROP TABLE server_keys;
