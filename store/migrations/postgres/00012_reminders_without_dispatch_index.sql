-- +goose Up
-- The index on reminders.dispatch_id served one statement: moving a
-- message's fresh reminders to the message queued before under the same
-- key, which is rare and now finds them by their keys. Every reminder a
-- run records paid for it: on SQLite about a tenth of the time a daily
-- run spends recording them.
DROP INDEX reminders_dispatch;

-- +goose Down
CREATE INDEX reminders_dispatch ON reminders (dispatch_id);
