-- Erasure (탈퇴, erasure on request): the member row stays as a numbered
-- placeholder for the records the law and the ledger keep; erased_at marks
-- it. erasures records who erased whom, when and why, without personal data.
ALTER TABLE members ADD COLUMN erased_at DATETIME;

CREATE TABLE erasures (
	id         INTEGER PRIMARY KEY,
	member_id  INTEGER NOT NULL REFERENCES members(id),
	source     TEXT NOT NULL,               -- portal (the member left) or admin, api, cli (staff on request)
	user_id    INTEGER REFERENCES users(id), -- the staff user, NULL when the member left
	reason     TEXT NOT NULL DEFAULT '',
	voided     INTEGER NOT NULL DEFAULT 0,  -- unused gift certificates voided
	created_at DATETIME NOT NULL
);
CREATE INDEX erasures_member ON erasures(member_id);
