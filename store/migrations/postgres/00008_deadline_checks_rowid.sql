-- +goose Up
-- SQLite's deadline_checks is keyed by its rowid from this version on;
-- PostgreSQL's primary key is already the table's one lookup. Nothing to
-- do, but the versions of both dialects stay in step.
SELECT 1;

-- +goose Down
SELECT 1;
