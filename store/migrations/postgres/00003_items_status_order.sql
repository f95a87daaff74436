-- +goose Up
-- The jobs page through the open (or done) items in ledger order; without
-- this index every page sorts all the items of that status.
CREATE INDEX items_status_order ON items (status, round, seq, id);

-- +goose Down
DROP INDEX items_status_order;
