-- +goose Up
-- SQLite's reminders lose the foreign keys PostgreSQL's lost in 00007.
-- Nothing to do here, but the versions of both dialects stay in step.
SELECT 1;

-- +goose Down
SELECT 1;
