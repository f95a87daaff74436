-- +goose Up
-- deadline_checks keyed by the rowid itself: declared BIGINT PRIMARY KEY,
-- its key was an index beside the table, and listing the due items looked
-- every open item up twice (the index, then the row). INTEGER PRIMARY KEY
-- makes item_id the rowid: one lookup. The check days are worked out again
-- from the items: the table starts empty and the mark is dropped, so the
-- next deadlines run reads every open item, as after migration 00005.
DROP TABLE deadline_checks;
CREATE TABLE deadline_checks (
    item_id  INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    check_on TEXT NOT NULL,
    seen     TEXT NOT NULL
);
DELETE FROM check_marks;

-- +goose Down
DROP TABLE deadline_checks;
CREATE TABLE deadline_checks (
    item_id  BIGINT PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    check_on TEXT NOT NULL,
    seen     TEXT NOT NULL
);
DELETE FROM check_marks;
