-- +goose Up
-- SQLite's reminders lose their foreign keys too, as PostgreSQL's did in
-- 00007: duban deletes neither job runs nor messages, and the checks (the
-- run looked up as each row is inserted, the message counted at commit)
-- were a quarter of the time a daily run spends recording its reminders.
-- SQLite cannot drop a constraint: the table is rebuilt, its rows copied
-- with their ids. The id is the rowid without AUTOINCREMENT, which kept a
-- counter row up to date on every insert; a reminder's id is never reused
-- while it exists, and nothing keeps the id of one that does not.
CREATE TABLE reminders_new (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    rule        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    job         TEXT NOT NULL DEFAULT '',
    run_id      INTEGER,
    dispatch_id INTEGER,
    created_at  TEXT NOT NULL
);
INSERT INTO reminders_new (id, key, rule, subject, stage, recipient, job, run_id, dispatch_id, created_at)
    SELECT id, key, rule, subject, stage, recipient, job, run_id, dispatch_id, created_at FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_new RENAME TO reminders;
CREATE INDEX reminders_subject ON reminders (subject);
CREATE INDEX reminders_dispatch ON reminders (dispatch_id);

-- +goose Down
CREATE TABLE reminders_old (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL UNIQUE,
    rule        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    job         TEXT NOT NULL DEFAULT '',
    run_id      INTEGER REFERENCES job_runs (id) ON DELETE SET NULL,
    dispatch_id INTEGER REFERENCES dispatches (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);
INSERT INTO reminders_old (id, key, rule, subject, stage, recipient, job, run_id, dispatch_id, created_at)
    SELECT id, key, rule, subject, stage, recipient, job, run_id, dispatch_id, created_at FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_old RENAME TO reminders;
CREATE INDEX reminders_subject ON reminders (subject);
CREATE INDEX reminders_dispatch ON reminders (dispatch_id);
