-- sends loses its foreign keys on SQLite. Each new send was checked against
-- campaigns and members as it was inserted, a third of the cost of
-- inserting it (bench/send); the claims that insert sends read those very
-- rows. Nothing deletes campaigns or members that have sends: code that
-- comes to do so must delete their sends itself (PostgreSQL keeps its
-- foreign keys, whose checks run in its own process).
--
-- SQLite cannot drop a foreign key: the table is rebuilt. Dropping the old
-- table deletes its rows first, which would clear soft_bounces.send_id (ON
-- DELETE SET NULL): those are put back afterwards.
CREATE TEMP TABLE soft_bounce_sends AS
SELECT rowid AS rid, send_id FROM soft_bounces WHERE send_id IS NOT NULL;

CREATE TABLE sends_new (
	id              INTEGER PRIMARY KEY,
	campaign_id     INTEGER NOT NULL,
	member_id       INTEGER NOT NULL,
	state           TEXT NOT NULL DEFAULT 'queued',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME,
	locked_until    DATETIME,
	token           TEXT NOT NULL,                  -- VERP and tracking token
	error           TEXT NOT NULL DEFAULT '',
	sent_at         DATETIME,
	UNIQUE (campaign_id, member_id)
);
INSERT INTO sends_new (id, campaign_id, member_id, state, attempts, next_attempt_at, locked_until, token, error, sent_at)
SELECT id, campaign_id, member_id, state, attempts, next_attempt_at, locked_until, token, error, sent_at FROM sends;
DROP TABLE sends;
ALTER TABLE sends_new RENAME TO sends;
CREATE UNIQUE INDEX sends_token ON sends(token);
CREATE INDEX sends_due ON sends(campaign_id, next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX sends_inflight ON sends(campaign_id, locked_until) WHERE state = 'sending';

UPDATE soft_bounces SET send_id = (SELECT b.send_id FROM soft_bounce_sends b WHERE b.rid = soft_bounces.rowid)
WHERE rowid IN (SELECT rid FROM soft_bounce_sends);
DROP TABLE soft_bounce_sends;
