-- A member's last request to the portal, to count visits (visit_count): a
-- request 30 minutes or more after the previous one starts a new visit.
ALTER TABLE members ADD COLUMN last_seen_at DATETIME;
