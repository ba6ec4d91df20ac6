-- Order confirmations: why an order gets no confirmation mail (member not
-- active, address suppressed, order too old, mail not configured); '' while
-- one is due or after it was sent. The partial index serves the sweeper that
-- sends confirmations still due after a crash.
ALTER TABLE orders ADD COLUMN confirmation_skipped TEXT NOT NULL DEFAULT '';
CREATE INDEX orders_unconfirmed ON orders(created_at) WHERE confirmation_sent_at IS NULL;
