-- +goose Up
-- Message bodies are compressed with lz4 rather than pglz: a run queues
-- tens of MiB of rendered digests and the worker reads each back once, and
-- lz4 compresses and decompresses several times faster. Servers built
-- without lz4 (or older than PostgreSQL 14) keep pglz: this is no error.
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE 'ALTER TABLE dispatches ALTER COLUMN body_text SET COMPRESSION lz4, '
         || 'ALTER COLUMN body_html SET COMPRESSION lz4';
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'dispatch bodies keep the default compression: %', SQLERRM;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE 'ALTER TABLE dispatches ALTER COLUMN body_text SET COMPRESSION default, '
         || 'ALTER COLUMN body_html SET COMPRESSION default';
EXCEPTION WHEN OTHERS THEN
    NULL;
END
$$;
-- +goose StatementEnd
