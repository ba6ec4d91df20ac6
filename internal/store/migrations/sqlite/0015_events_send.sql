-- Deleting a campaign sets events.send_id to NULL row by row; without this
-- index each deleted send scans the events table.
CREATE INDEX events_send ON events(send_id);
