-- Member search matches prefixes with ranges (col >= $1 AND col < $2). In the
-- "C" collation (byte order, as SQLite compares) such a range means exactly
-- "starts with", whatever the database's default collation, and the (col, id)
-- indexes, rebuilt here, serve it.
ALTER TABLE members
	ALTER COLUMN email_normalized TYPE TEXT COLLATE "C",
	ALTER COLUMN name TYPE TEXT COLLATE "C",
	ALTER COLUMN phone_normalized TYPE TEXT COLLATE "C",
	ALTER COLUMN code TYPE TEXT COLLATE "C";
