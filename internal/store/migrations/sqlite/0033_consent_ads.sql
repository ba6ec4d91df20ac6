-- optin_confirmations: the evidence of a double opt-in, one row per member
-- who pressed the button of the confirmation page: from where (IP), with
-- what (user agent) and when. A mail scanner only opens the page, so a row
-- here means a person confirmed.
CREATE TABLE optin_confirmations (
	member_id    INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
	ip           TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT '',
	confirmed_at TIMESTAMP NOT NULL
);

-- A campaign whose content looks like an ad may go out as non-ad only with
-- an override: who allowed it, when, why, and for which content (a
-- fingerprint of subject, preheader, body and kind; editing the content
-- voids the override).
ALTER TABLE campaigns ADD COLUMN ad_override_by INTEGER REFERENCES users(id);
ALTER TABLE campaigns ADD COLUMN ad_override_at TIMESTAMP;
ALTER TABLE campaigns ADD COLUMN ad_override_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE campaigns ADD COLUMN ad_override_content TEXT NOT NULL DEFAULT '';
