-- +goose Up

-- channel: how a dispatch travels: email, or the group-chat robot of one
-- platform (wecom, dingtalk, feishu). A recipient address names its channel
-- (ledger.ChannelOf); the column lets the log, the console and the metrics
-- count by channel without parsing addresses. Messages from before robots
-- were all email.
ALTER TABLE dispatches ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';

-- +goose Down
ALTER TABLE dispatches DROP COLUMN channel;
