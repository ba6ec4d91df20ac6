-- soft_bounces logs each soft bounce of an address so "N soft bounces within
-- 30 days" is a true sliding window; address_health keeps the running totals.
-- One row per bounced send (a "delayed" DSN and a later "failed" one count once).
CREATE TABLE soft_bounces (
	email_normalized TEXT NOT NULL,
	send_id          INTEGER REFERENCES sends(id) ON DELETE SET NULL,
	created_at       DATETIME NOT NULL
);
CREATE INDEX soft_bounces_email ON soft_bounces(email_normalized, created_at);
