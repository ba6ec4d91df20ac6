-- Failed sign-ins, shared by every node on one database (throttle.Failures).
-- A key is a SHA-256 of the scope and the address, so no address is
-- copied here. A scope's rows older than its throttle's window are deleted
-- as its new failures come.
CREATE TABLE auth_failures (
	scope     TEXT NOT NULL,
	key_hash  TEXT NOT NULL,
	failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_failures_key ON auth_failures (key_hash, failed_at);
CREATE INDEX auth_failures_scope ON auth_failures (scope, failed_at);
