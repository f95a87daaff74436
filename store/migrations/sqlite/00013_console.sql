-- +goose Up
-- The console's 整改台账 pages through the whole ledger in ledger order;
-- without this index every page sorts all the items.
CREATE INDEX items_order ON items (round, seq, id);

-- +goose Down
DROP INDEX items_order;
