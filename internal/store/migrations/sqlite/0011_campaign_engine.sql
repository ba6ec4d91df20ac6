-- Campaign sending.
--
-- campaign_progress is a started campaign's audience and running counts. A
-- campaign's sends are created batch by batch as workers claim them: the
-- claim walks the audience in member-id order from queue_cursor up to
-- queue_end (the largest member id in the audience when the campaign
-- started), inserting each batch's sends already claimed. Campaigns to a
-- segment or in each member's time zone queue all their sends when they
-- start instead (queue_end is 0). audience is how many members the audience
-- had when it started; the counts are kept in the transactions that change
-- sends, so the progress of a campaign of a million members is read without
-- counting them. (They live apart from campaigns because every send's
-- foreign key locks its campaign row, and counting there would make those
-- locks collide with the updates.)
CREATE TABLE campaign_progress (
	campaign_id  INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
	audience     INTEGER NOT NULL DEFAULT 0,
	queue_cursor INTEGER NOT NULL DEFAULT 0,
	queue_end    INTEGER NOT NULL DEFAULT 0,
	total        INTEGER NOT NULL DEFAULT 0,
	sent         INTEGER NOT NULL DEFAULT 0,
	failed       INTEGER NOT NULL DEFAULT 0,
	skipped      INTEGER NOT NULL DEFAULT 0
);

-- Workers also claim queued sends that are due (queued campaigns, retries,
-- sends released by a stopping worker) and sends stuck in sending after their
-- lock expired (their worker died). Both indexes are partial, so they hold
-- only the sends still to do: a sent row leaves them for good.
DROP INDEX IF EXISTS sends_claim;
DROP INDEX IF EXISTS sends_due;
CREATE INDEX sends_due ON sends(campaign_id, next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX sends_inflight ON sends(campaign_id, locked_until) WHERE state = 'sending';
