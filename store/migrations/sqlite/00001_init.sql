-- +goose Up

-- SQLite keeps instants as UTC text "2006-01-02T15:04:05.000000Z" (fixed width,
-- so it sorts and compares like time), dates as "YYYY-MM-DD" text and booleans
-- as 0/1. The tables mirror migrations/postgres one for one.

-- rounds: one inspection and its feedback (巡察轮次).
CREATE TABLE rounds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT ''
);

-- items: the rectification ledger (整改台账), one row per problem. completed_on
-- is the completion day when known; done_seen_on the day duban first saw the
-- item done (what an unknown completion day counts from); imported_at the
-- last import that carried the row.
CREATE TABLE items (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    round                 TEXT NOT NULL REFERENCES rounds (code) ON UPDATE CASCADE,
    no                    TEXT NOT NULL,
    seq                   INTEGER NOT NULL DEFAULT 0,
    category              TEXT NOT NULL DEFAULT '',
    subcategory           TEXT NOT NULL DEFAULT '',
    problem               TEXT NOT NULL DEFAULT '',
    measures              TEXT NOT NULL DEFAULT '',
    leader                TEXT NOT NULL DEFAULT '',
    deadline              TEXT,
    long_term             INTEGER NOT NULL DEFAULT 0 CHECK (long_term IN (0, 1)),
    status                TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'closed')),
    completed_on          TEXT,
    done_seen_on          TEXT,
    progress              TEXT NOT NULL DEFAULT '',
    followup_confirmed_on TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    imported_at           TEXT,
    UNIQUE (round, no)
);
-- The jobs and the console read the items of one status in ledger order.
CREATE INDEX items_status_order ON items (status, round, seq, id);
-- FindItem looks an item up by its number in any round.
CREATE INDEX items_no ON items (no);
-- The console's 整改台账 pages through the whole ledger in ledger order.
CREATE INDEX items_order ON items (round, seq, id);
-- The items of a light are a range of this index, and the counts by light
-- (the overview's, every /metrics scrape's) read it instead of the table.
CREATE INDEX items_lights ON items (status, long_term, deadline);

-- item_units: responsible units of an item, in ledger order (position 0 leads).
CREATE TABLE item_units (
    item_id  INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    unit     TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (item_id, unit)
);
CREATE INDEX item_units_unit ON item_units (unit);

-- item_told: a digest of the deadline reminders recorded for an open item
-- (ledger.NoticesDigest), written with them: a run considers an item's reminders
-- again only when today's have another digest. A narrow table of its own: in
-- items, each item told would rewrite a wide row and every index of items.
CREATE TABLE item_told (
    item_id INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    digest  TEXT NOT NULL
);

-- item_events: an item's timeline (imports, status changes, edits, progress,
-- follow-ups). A change names its field with the values before and after;
-- source is the file of an import, '' for a change made in duban.
CREATE TABLE item_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id     INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    on_date     TEXT,
    field       TEXT NOT NULL DEFAULT '',
    old_value   TEXT NOT NULL DEFAULT '',
    new_value   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX item_events_item ON item_events (item_id, at, id);

-- submissions: a unit's filing of a duty for one period (报送). A withdrawn
-- one (撤回) stays on record with when, by whom and why, and no longer counts.
CREATE TABLE submissions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    duty            TEXT NOT NULL,
    unit            TEXT NOT NULL,
    period          TEXT NOT NULL,
    submitted_on    TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    actor           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    withdrawn_at    TEXT,
    withdrawn_by    TEXT NOT NULL DEFAULT '',
    withdraw_reason TEXT NOT NULL DEFAULT ''
);
-- One submission counts per duty, unit and period: the one not withdrawn.
CREATE UNIQUE INDEX submissions_current ON submissions (duty, unit, period) WHERE withdrawn_at IS NULL;

-- duties_seen: the day this database first saw each configured duty; a duty
-- without a start is supervised from the first period due on or after it.
CREATE TABLE duties_seen (
    duty       TEXT PRIMARY KEY,
    first_seen TEXT NOT NULL
);

-- job_runs: one row per (job, scheduled time); the unique key is the claim
-- that lets several replicas share one database.
CREATE TABLE job_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job           TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    owner         TEXT NOT NULL DEFAULT '',
    outcome       TEXT NOT NULL DEFAULT 'running',
    reminders     INTEGER NOT NULL DEFAULT 0,
    dispatches    INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    -- 1, and one more each time a claim takes over a run that failed or
    -- whose process died (store.Retry)
    attempts      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (job, scheduled_for)
);

-- dispatches: one message to one recipient, with its delivery state.
CREATE TABLE dispatches (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,
    job             TEXT NOT NULL DEFAULT '',
    run_id          INTEGER REFERENCES job_runs (id) ON DELETE SET NULL,
    recipient       TEXT NOT NULL,
    -- how it travels: email, or the group-chat robot of one platform
    -- (wecom, dingtalk, feishu); the recipient's address names it
    -- (ledger.ChannelOf), the column lets the log, the console and the
    -- metrics count by channel without parsing addresses.
    channel         TEXT NOT NULL DEFAULT 'email',
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
    sent_at         TEXT
);
-- What the delivery worker claims: pending messages in the order they are due,
-- and messages whose sender's lease may have run out.
CREATE INDEX dispatches_pending ON dispatches (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX dispatches_sending ON dispatches (lease_until) WHERE state = 'sending';
-- The dispatch log, newest first.
CREATE INDEX dispatches_created ON dispatches (created_at);

-- reminders: every reminder the rules decided on; the unique key
-- (rule|subject|stage|recipient) is the dedupe across reruns and replicas.
-- dispatch_key names the message that carried it. A run records its
-- reminders before the messages that carry them (only a reminder not
-- recorded before gets into a message), so the link is checked at commit.
CREATE TABLE reminders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL UNIQUE,
    rule         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    stage        TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    job          TEXT NOT NULL DEFAULT '',
    run_id       INTEGER REFERENCES job_runs (id) ON DELETE SET NULL,
    dispatch_key TEXT REFERENCES dispatches (key) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    created_at   TEXT NOT NULL
);
-- An item's page lists what was sent about it. A message inserted after
-- its reminders settles their deferred link through reminders_dispatch.
-- Nothing looks reminders up by their run, and duban deletes no run: that
-- column has no index, which every reminder recorded would pay for.
CREATE INDEX reminders_subject ON reminders (subject);
CREATE INDEX reminders_dispatch ON reminders (dispatch_key);

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
-- kept across restarts; alexedwards/scs's sqlite3store's own table, its
-- expiry a Julian day.
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

-- ledger_uploads: a ledger file uploaded in the console, kept from the
-- preview of its import (the diff and the conflicts) until the office
-- applies it, so that whichever replica answers the second request has it.
-- Uploads a day old are dropped.
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
DROP TABLE files;
DROP TABLE requests;
DROP TABLE unit_links;
DROP TABLE server_keys;
DROP TABLE audit_log;
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE reminders;
DROP TABLE dispatches;
DROP TABLE job_runs;
DROP TABLE duties_seen;
DROP TABLE submissions;
DROP TABLE item_events;
DROP TABLE item_told;
DROP TABLE item_units;
DROP TABLE items;
DROP TABLE rounds;
