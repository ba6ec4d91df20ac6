-- send_claims holds the batches of new sends a worker has in flight. On
-- SQLite a claim inserts its new sends already in state sent, with one
-- send_claims row standing for the whole batch, instead of inserting them
-- in state sending and rewriting every row with its outcome: recording a
-- batch that all went out deletes that row and touches no send. A send is
-- only in flight while a send_claims row covers its id (first_send through
-- last_send, one claim's consecutive ids). When locked_until passes (the
-- worker died), the sends it covers become ordinary claims in state sending
-- past their lock, claimed again like any stuck send. PostgreSQL inserts
-- new sends in state sending (several nodes claim with SKIP LOCKED) and
-- leaves this table empty.
CREATE TABLE send_claims (
	id           INTEGER PRIMARY KEY,
	campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	first_send   INTEGER NOT NULL,
	last_send    INTEGER NOT NULL,
	claimed_at   DATETIME NOT NULL,
	locked_until DATETIME NOT NULL
);
CREATE INDEX send_claims_campaign ON send_claims(campaign_id, locked_until);
