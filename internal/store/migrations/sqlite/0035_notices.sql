-- The Network Act's consent notices (art. 50(7) and 50(8)) and the runs of
-- the compliance jobs.
--
-- consent_notices says which result notice told the member about each
-- advertising consent record: one row per record, so a record is noticed
-- once however often the job runs. Several records of one decision (a
-- registration deciding e-mail and SMS at once) share one message.
CREATE TABLE consent_notices (
	consent_id INTEGER PRIMARY KEY REFERENCES consents(id) ON DELETE CASCADE,
	message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
	created_at DATETIME NOT NULL
);

-- Decisions made before fanmail sent notices and more than 14 days ago
-- are taken as noticed (without a message): a notice that late would tell
-- the member nothing they can act on, and a database of years would mail
-- every member at once. Younger ones get their notice on the first run.
INSERT INTO consent_notices (consent_id, message_id, created_at)
SELECT id, NULL, created_at FROM consents
WHERE purpose IN ('marketing_email', 'marketing_sms', 'night_sms') AND created_at < datetime('now', '-14 days');

-- consent_reconfirmations says which two-year period (1, 2, …) of a grant
-- (the consent record that granted it) was re-confirmed: one row per grant
-- and period, so each period gets exactly one notice.
CREATE TABLE consent_reconfirmations (
	consent_id INTEGER NOT NULL REFERENCES consents(id) ON DELETE CASCADE,
	period     INTEGER NOT NULL,
	message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (consent_id, period)
);

-- The jobs look for advertising consent records by purpose.
CREATE INDEX consents_purpose ON consents(purpose, id);

-- job_runs records each run of a compliance job (result notices,
-- re-confirmations, retention): when it started and ended, what it did
-- (counts, a JSON object) and the error that ended it, if any.
CREATE TABLE job_runs (
	id          INTEGER PRIMARY KEY,
	job         TEXT NOT NULL,
	started_at  DATETIME NOT NULL,
	finished_at DATETIME,
	counts      TEXT NOT NULL DEFAULT '{}',
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs(job, id);
