-- The outbox's queue moves out of messages into a narrow table of its own.
-- A claim changed a message's status ('queued' → 'sending') and sending
-- changed it again; the status is in the predicates of the claim indexes,
-- so neither update was HOT: each wrote a new entry in every index of
-- messages. Now a claim updates a row of message_queue and sending deletes
-- it, and the message is written once, when it is done, in columns no
-- index holds: a HOT update where its page has room (fillfactor).
--
-- A row is a message not yet done. run_at is when it is due or, while it
-- is claimed, when the claim lapses: a lapsed claim is due again without
-- being released. locked_by names the node holding the claim, whose
-- claims are made due at once when it restarts or its lease lapses.
-- attempts counts the claims; it is copied to messages when the message is
-- done or retried.
CREATE TABLE message_queue (
	message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
	run_at     TIMESTAMPTZ NOT NULL,
	claimed    BOOLEAN NOT NULL DEFAULT FALSE,
	locked_by  BIGINT,
	attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX message_queue_due ON message_queue(run_at, message_id);

-- Messages being sent when the node stopped are due again when their
-- claim would have lapsed.
INSERT INTO message_queue (message_id, run_at, attempts)
SELECT id, CASE WHEN status = 'sending' THEN COALESCE(locked_until, run_at) ELSE run_at END, attempts
FROM messages WHERE status IN ('queued', 'sending');
UPDATE messages SET status = 'queued' WHERE status = 'sending';

DROP INDEX messages_queued;
DROP INDEX messages_sending;
ALTER TABLE messages DROP COLUMN locked_until;
ALTER TABLE messages DROP COLUMN locked_by;
-- Messages written together (a survey's invitations) are sent together,
-- a page's rows in one transaction: half of each new page is kept for the
-- second version of its rows, so that sending stays on the page (HOT).
-- The price is a table twice its packed size.
ALTER TABLE messages SET (fillfactor = 50);
