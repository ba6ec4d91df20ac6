-- The outbox: every message to one person (opt-in, sign-in, order
-- confirmation, chip mail, survey invitation, fan notice, reward, receipt,
-- and the follow-up kinds later), written in the same transaction as its
-- cause. ref names the cause, so a retried cause writes no second message.
-- Campaigns keep their bulk sends table.
CREATE TABLE messages (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	channel      TEXT NOT NULL DEFAULT 'email',
	purpose      TEXT NOT NULL,
	member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id     INTEGER NOT NULL DEFAULT 0,
	ref          TEXT NOT NULL UNIQUE,
	data         TEXT NOT NULL DEFAULT '{}',
	status       TEXT NOT NULL DEFAULT 'queued',
	attempts     INTEGER NOT NULL DEFAULT 0,
	run_at       DATETIME NOT NULL,
	locked_until DATETIME,
	error        TEXT NOT NULL DEFAULT '',
	skip_reason  TEXT NOT NULL DEFAULT '',
	message_id   TEXT NOT NULL DEFAULT '',
	created_at   DATETIME NOT NULL,
	sent_at      DATETIME
);
-- Claims look only at unfinished messages.
CREATE INDEX messages_due ON messages(run_at, id) WHERE status IN ('queued', 'sending');
CREATE INDEX messages_member ON messages(member_id, id);

-- Flow events written in the same transaction as their cause, relayed to
-- the job queue (one job per handler) and then marked dispatched.
CREATE TABLE flow_events (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL,
	member_id     INTEGER NOT NULL DEFAULT 0,
	payload       TEXT NOT NULL,
	created_at    DATETIME NOT NULL,
	dispatched_at DATETIME
);
CREATE INDEX flow_events_pending ON flow_events(id) WHERE dispatched_at IS NULL;
CREATE INDEX flow_events_member ON flow_events(member_id, id);
