-- +goose Up

-- The tables mirror migrations/postgres one for one, except sessions,
-- which is alexedwards/scs's sqlite3store's own: its expiry is a Julian day.

-- users: the office's accounts (办公室用户). The bootstrap account "admin"
-- is the config's (DUBAN_ADMIN_PASSWORD or admin.password_hash), never a row.
-- A session older than password_changed_at is no longer honoured.
CREATE TABLE users (
    name                TEXT PRIMARY KEY,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    password_changed_at TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

-- sessions: the console's login sessions (token is a hash of the cookie's),
-- kept across restarts.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- login_throttle: the login attempts of a client address in its current
-- window; one row per address, counted up in one statement.
CREATE TABLE login_throttle (
    addr         TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    attempts     INTEGER NOT NULL
);

-- audit_log: every write (操作日志), recorded in the transaction of the
-- write: who (actor, actor_kind), what (action on object_type/object_key),
-- the object before and after (JSON), from where (addr) and when.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('user', 'unit-link', 'cli', 'import', 'system')),
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_key  TEXT NOT NULL DEFAULT '',
    before      TEXT NOT NULL DEFAULT '',
    after       TEXT NOT NULL DEFAULT '',
    addr        TEXT NOT NULL DEFAULT ''
);
-- The console's 操作日志, newest first, and its filters.
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_key, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE users;
