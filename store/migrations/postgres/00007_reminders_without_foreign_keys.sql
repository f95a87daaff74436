-- +goose Up
-- reminders is the log of what the rules decided, written in one place
-- (store.CommitDigests), in the same transaction as the job run and the
-- messages its rows name, and never deleted from; duban deletes neither
-- job runs nor messages. Its two foreign keys were checked row by row: a
-- daily run over a large ledger records 40,000 reminders, and the checks
-- (one lookup of the run per row as it is inserted, one of the message
-- per row at commit) were 0.3 s of a 2 s run. The columns keep their
-- meaning; a message or run deleted by hand leaves its reminders pointing
-- at nothing, which every query that follows them reads as no message.
ALTER TABLE reminders DROP CONSTRAINT reminders_run_id_fkey;
ALTER TABLE reminders DROP CONSTRAINT reminders_dispatch_id_fkey;

-- +goose Down
-- NOT VALID: rows written meanwhile are not checked, only new ones.
ALTER TABLE reminders ADD CONSTRAINT reminders_run_id_fkey
    FOREIGN KEY (run_id) REFERENCES job_runs (id) ON DELETE SET NULL NOT VALID;
ALTER TABLE reminders ADD CONSTRAINT reminders_dispatch_id_fkey
    FOREIGN KEY (dispatch_id) REFERENCES dispatches (id) ON DELETE SET NULL
    DEFERRABLE INITIALLY DEFERRED NOT VALID;
