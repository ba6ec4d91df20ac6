-- Member search matches prefixes with ranges (col >= $1 AND col < $2). SQLite
-- compares text byte by byte (BINARY) already, so the indexes of 0001 serve it
-- unchanged; the PostgreSQL twin of this file switches those columns to the
-- same order.
SELECT 1;
