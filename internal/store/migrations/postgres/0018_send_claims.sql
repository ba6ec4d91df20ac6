-- send_claims: batches of new sends in flight, inserted already in state
-- sent (see the SQLite migration). PostgreSQL inserts new sends in state
-- sending and leaves this table empty; it exists so that both engines
-- answer the same queries about sends in flight.
CREATE TABLE send_claims (
	id           BIGSERIAL PRIMARY KEY,
	campaign_id  BIGINT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	first_send   BIGINT NOT NULL,
	last_send    BIGINT NOT NULL,
	claimed_at   TIMESTAMPTZ NOT NULL,
	locked_until TIMESTAMPTZ NOT NULL
);
CREATE INDEX send_claims_campaign ON send_claims(campaign_id, locked_until);
