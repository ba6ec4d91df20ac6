-- Segments. member_engagement holds each member's latest open (or click: a
-- click proves the mail was opened) and latest click of a campaign mail,
-- bots excluded, kept by a trigger on events: "opened within N days" and
-- "did not open within N days" then read one row per member, not millions of
-- events. A table of its own, not columns of members, so that recording an
-- open rewrites a narrow row with one index. PostgreSQL.
CREATE TABLE member_engagement (
	member_id     BIGINT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
	last_open_at  TIMESTAMPTZ NOT NULL,
	last_click_at TIMESTAMPTZ
);

INSERT INTO member_engagement (member_id, last_open_at, last_click_at)
SELECT member_id, MAX(created_at), MAX(created_at) FILTER (WHERE kind = 'click')
FROM events WHERE member_id IS NOT NULL AND kind IN ('open', 'click') AND NOT is_bot
GROUP BY member_id;

-- One statement-level trigger per insert: the tracking writer stores events
-- in batches, and a batch upserts each member once, in member order, so two
-- nodes storing batches at once cannot deadlock.
CREATE FUNCTION events_engagement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO member_engagement (member_id, last_open_at, last_click_at)
	SELECT member_id, MAX(created_at), MAX(created_at) FILTER (WHERE kind = 'click')
	FROM new_events WHERE member_id IS NOT NULL AND kind IN ('open', 'click') AND NOT is_bot
	GROUP BY member_id
	ORDER BY member_id
	ON CONFLICT (member_id) DO UPDATE SET
		last_open_at = GREATEST(member_engagement.last_open_at, excluded.last_open_at),
		last_click_at = GREATEST(member_engagement.last_click_at, excluded.last_click_at)
	WHERE member_engagement.last_open_at < excluded.last_open_at
		OR member_engagement.last_click_at IS DISTINCT FROM GREATEST(member_engagement.last_click_at, excluded.last_click_at);
	RETURN NULL;
END $$;

CREATE TRIGGER events_engagement AFTER INSERT ON events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION events_engagement();

-- Purchase conditions group a member's orders in a window: this index
-- answers them without reading the orders table.
CREATE INDEX orders_member_amount ON orders(member_id, ordered_at, amount);

-- Regions are matched on the start of the address; statistics on that
-- expression let the planner estimate how many members live there.
CREATE INDEX members_address_start ON members(substr(address, 1, 2));
