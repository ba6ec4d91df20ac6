-- Sending hardening (issue 10).
--
-- What went wrong with a campaign's relays (connecting, logging in, the
-- sender refused, connections lost), for staff: how often, the last error
-- and when.
ALTER TABLE campaign_progress ADD COLUMN relay_errors BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaign_progress ADD COLUMN relay_error TEXT NOT NULL DEFAULT '';
ALTER TABLE campaign_progress ADD COLUMN relay_error_at TIMESTAMPTZ;
