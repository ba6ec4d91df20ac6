-- Campaign sending. Workers claim the queued sends that are due, oldest due
-- first (a campaign sent in each member's time zone, and a retried send, wait
-- in queued with a future next_attempt_at), and re-claim sends stuck in
-- sending after their lock expired. Both indexes are partial, so they hold
-- only the sends still to do and a sent row leaves them for good.
DROP INDEX IF EXISTS sends_claim;
DROP INDEX IF EXISTS sends_due;
CREATE INDEX sends_due ON sends(campaign_id, next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX sends_inflight ON sends(campaign_id, locked_until) WHERE state = 'sending';

-- Running counts, kept in the transactions that change sends, so progress of
-- a campaign of a million members is read without counting them. Queued and
-- sending are derived: total minus the rest, and the small sends_inflight index.
ALTER TABLE campaigns ADD COLUMN sends_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN sends_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN sends_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN sends_skipped INTEGER NOT NULL DEFAULT 0;
