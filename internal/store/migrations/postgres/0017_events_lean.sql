-- Opens and clicks arrive in random member and send order, and every
-- index keyed by member or send took a random-position write per event,
-- and every foreign key a look-up: events_member, events_send and the
-- foreign keys of send_id, member_id and link_id were most of the cost of
-- storing an event (see the SQLite twin of this file for figures). Nothing
-- reads events by member or send (engagement conditions read
-- member_engagement; per-send checks go through events_campaign), so
-- events keep them as plain values. Code that deletes members, sends or
-- links must clear their events' references itself, campaign by campaign
-- (events_campaign).
ALTER TABLE events
	DROP CONSTRAINT events_send_id_fkey,
	DROP CONSTRAINT events_member_id_fkey,
	DROP CONSTRAINT events_link_id_fkey;
DROP INDEX events_member;
DROP INDEX events_send;
