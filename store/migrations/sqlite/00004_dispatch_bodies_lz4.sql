-- +goose Up
-- PostgreSQL compresses message bodies with lz4 from this version on;
-- SQLite stores them as they are. Nothing to do, but the versions of both
-- dialects stay in step.
SELECT 1;

-- +goose Down
SELECT 1;
