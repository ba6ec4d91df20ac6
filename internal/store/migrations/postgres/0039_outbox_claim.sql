-- Claims looked for due messages in one index of queued and sending rows
-- and skipped, one table read each, every row another worker had claimed
-- and not yet recorded: with four workers of 200, up to 600 reads for a
-- claim of 200. Queued and sending rows now have an index each: a claim
-- reads only queued rows, and lapsed claims are found by their lock time.
DROP INDEX messages_due;
CREATE INDEX messages_queued ON messages(run_at, id) WHERE status = 'queued';
CREATE INDEX messages_sending ON messages(locked_until) WHERE status = 'sending';
