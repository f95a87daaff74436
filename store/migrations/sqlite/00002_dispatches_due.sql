-- +goose Up
-- What the delivery worker claims, in the order it claims it: pending
-- dispatches by next attempt, ties by id. With id in the index a claim reads
-- the first rows of the index instead of sorting every pending row.
CREATE INDEX dispatches_due ON dispatches (state, next_attempt_at, id);
DROP INDEX dispatches_state_next;
-- Every claim and every settlement moves a dispatch to another state, which
-- rewrites an entry in each of the table's indexes. These two served no
-- query: the log filters by lower(recipient), and four job names are no
-- selective filter. Fewer indexes, cheaper delivery.
DROP INDEX dispatches_recipient;
DROP INDEX dispatches_job;

-- +goose Down
CREATE INDEX dispatches_job ON dispatches (job);
CREATE INDEX dispatches_recipient ON dispatches (recipient);
CREATE INDEX dispatches_state_next ON dispatches (state, next_attempt_at);
DROP INDEX dispatches_due;
