-- Sending hardening (issue 10).
--
-- nodes are the app processes that send mail. Each renews its lease every
-- few seconds (store.Node); claims of campaign sends and outbox messages
-- name the node holding them (locked_by), so when a node's lease lapses,
-- or the node starts again, its claims are taken over at once instead of
-- when their lock expires minutes later.
CREATE TABLE nodes (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	lease_until DATETIME NOT NULL,
	started_at  DATETIME NOT NULL
);
ALTER TABLE sends ADD COLUMN locked_by INTEGER;
ALTER TABLE send_claims ADD COLUMN locked_by INTEGER;
ALTER TABLE messages ADD COLUMN locked_by INTEGER;

-- withdrawals is the feed of consents withdrawn, addresses suppressed and
-- members deactivated, in commit order, that sending workers read every
-- fraction of a second and check just before each hand-off to SMTP
-- (store.WithdrawalFeed). Rows are kept a day.
CREATE TABLE withdrawals (
	id         INTEGER PRIMARY KEY,
	member_id  INTEGER NOT NULL,
	kind       TEXT NOT NULL,             -- consent, suppression, status
	detail     TEXT NOT NULL DEFAULT '',  -- the purpose, suppression reason or new status
	created_at DATETIME NOT NULL
);
CREATE INDEX withdrawals_created ON withdrawals(created_at);

-- What went wrong with a campaign's relays (connecting, logging in, the
-- sender refused, connections lost), for staff: how often, the last error
-- and when.
ALTER TABLE campaign_progress ADD COLUMN relay_errors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_progress ADD COLUMN relay_error TEXT NOT NULL DEFAULT '';
ALTER TABLE campaign_progress ADD COLUMN relay_error_at DATETIME;
