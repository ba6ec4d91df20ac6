-- New sends store no token: a send's token is derived from its id
-- (store/sendtoken.go), so they insert an empty one. Tokens stored before
-- stay unique and found through this partial index; queries by a stored
-- token repeat its condition so that the index applies.
DROP INDEX sends_token;
CREATE UNIQUE INDEX sends_token ON sends (token) WHERE token <> '';
