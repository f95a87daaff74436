-- +goose Up
-- The console's 整改台账 pages through the whole ledger in ledger order;
-- without this index every page sorts all the items.
CREATE INDEX items_order ON items (round, seq, id);
-- The items of a light are a range of this index, and the counts by light
-- (the overview's, every /metrics scrape's) read it instead of the table.
CREATE INDEX items_lights ON items (status, long_term, deadline);

-- +goose Down
DROP INDEX items_lights;
DROP INDEX items_order;
