-- PostgreSQL's new sends take the id campaign_id * 2^32 + member_id and
-- lose their unique index on (campaign_id, member_id) (see its 0041).
-- SQLite numbers sends from the largest id, its single writer knowing it,
-- and keeps the index: nothing changes here.
SELECT 1;
