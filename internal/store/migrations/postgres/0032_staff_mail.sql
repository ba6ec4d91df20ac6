-- Staff get mail through the outbox too (a sign-in link when their password
-- sign-in is locked): a message is for a member (member_id) or a staff
-- user (user_id), never both.
ALTER TABLE messages ALTER COLUMN member_id DROP NOT NULL;
ALTER TABLE messages ADD COLUMN user_id BIGINT REFERENCES users(id) ON DELETE CASCADE;
ALTER TABLE messages ADD CONSTRAINT messages_recipient CHECK ((member_id IS NULL) <> (user_id IS NULL));
CREATE INDEX messages_user ON messages(user_id) WHERE user_id IS NOT NULL;
