-- Staff get mail through the outbox too (a sign-in link when their password
-- sign-in is locked): a message is for a member (member_id) or a staff
-- user (user_id), never both (EnqueueMessage checks it).
--
-- SQLite cannot drop a NOT NULL constraint with ALTER TABLE. Rebuilding the
-- table would have to name every column, including those later migrations
-- add; instead the stored CREATE statement is edited, the way SQLite's
-- documentation describes for removing a NOT NULL constraint ("Making Other
-- Kinds Of Table Schema Changes", https://sqlite.org/lang_altertable.html):
-- the rows on disk do not change. The ALTER TABLE below bumps the schema
-- version, so every connection reads the new definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'member_id    INTEGER NOT NULL REFERENCES members(id)', 'member_id    INTEGER REFERENCES members(id)')
WHERE type = 'table' AND name = 'messages';
PRAGMA writable_schema = RESET;
ALTER TABLE messages ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
CREATE INDEX messages_user ON messages(user_id) WHERE user_id IS NOT NULL;
