-- A campaign mail's Message-ID is <token@bounce domain>: it follows from
-- the send's token, and storing it cost every sent row another 50 bytes
-- written when its outcome was recorded. Nothing read it.
ALTER TABLE sends DROP COLUMN message_id;
