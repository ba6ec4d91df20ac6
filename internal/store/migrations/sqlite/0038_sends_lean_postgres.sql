-- PostgreSQL's sends lose their foreign keys (see its 0038; SQLite's went in
-- 0019). send_claims rows say how many sends they cover: on PostgreSQL a
-- claim's ids need not be consecutive; on SQLite they are.
ALTER TABLE send_claims ADD COLUMN sends INTEGER NOT NULL DEFAULT 0;
UPDATE send_claims SET sends = last_send - first_send + 1;
