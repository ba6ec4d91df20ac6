-- The access log of personal data (PIPA safety measures) and the audit log
-- of other staff actions. Append-only: each row chains the hash of the one
-- before (fanmail.ChainHash), and the triggers refuse updates and deletes.
-- No retention job touches it; it is kept well beyond the two years required.
CREATE TABLE access_log (
	id        BIGSERIAL PRIMARY KEY,
	at        TIMESTAMPTZ NOT NULL,
	user_id   BIGINT NOT NULL DEFAULT 0, -- no foreign key: the log outlives staff accounts
	actor     TEXT NOT NULL,
	ip        TEXT NOT NULL DEFAULT '',
	action    TEXT NOT NULL,
	target    TEXT NOT NULL DEFAULT '',
	count     INTEGER NOT NULL DEFAULT 0,
	reason    TEXT NOT NULL DEFAULT '',
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_user ON access_log (user_id, id);
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'access_log is append-only';
END $$;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
	FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
