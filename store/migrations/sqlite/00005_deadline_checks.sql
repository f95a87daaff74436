-- +goose Up
-- deadline_checks: the day the deadline job next has something new to say
-- about an open item (a new stage of its ladder, an escalation), as its
-- last successful run worked it out from the item as it was at seen (its
-- updated_at then). A day holds only while the item's updated_at is still
-- seen: an item changed since, even while the run was going, is read
-- again. A daily run reads only the items whose day has come instead of
-- every open item. A table of its own, narrow, so that recording the days
-- does not rewrite the items' rows.
CREATE TABLE deadline_checks (
    item_id  BIGINT PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    check_on TEXT NOT NULL,
    seen     TEXT NOT NULL
);
-- The open items with their updated_at, read from the index alone when the
-- due items are listed.
CREATE INDEX items_status_updated ON items (status, id, updated_at);

-- check_marks: what the check days were worked out under (a fingerprint of
-- the rules' settings: policy and directory) and on which day; a run under
-- other settings, or as of an earlier day, reads every open item again.
CREATE TABLE check_marks (
    job         TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    as_of       TEXT NOT NULL
);

-- +goose Down
DROP TABLE check_marks;
DROP INDEX items_status_updated;
DROP TABLE deadline_checks;
