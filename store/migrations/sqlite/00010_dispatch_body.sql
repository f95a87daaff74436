-- +goose Up
-- A message's bodies, compressed together by duban (store.PackBodies):
-- rows written from this version on leave body_text and body_html empty.
ALTER TABLE dispatches ADD COLUMN body BLOB;

-- +goose Down
-- Unpacking the bodies back into the text columns takes duban itself: the
-- Down migration drops the column and with it the bodies of the messages
-- written since 00010 (their subjects, states and logs remain).
ALTER TABLE dispatches DROP COLUMN body;
