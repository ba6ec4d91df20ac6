-- A campaign's sends cost PostgreSQL one index fewer (issue 10).
--
-- New sends take the id campaign_id * 2^32 + member_id instead of one from
-- the sequence, so the primary key alone keeps a member from getting a
-- campaign twice, and the unique index on (campaign_id, member_id), an
-- index entry and a WAL record for every send, goes. (A send's token
-- encrypts its id, any 64-bit one; its ids still ascend with its members'
-- within a campaign, as claims and send_claims rows need.)
--
-- Sends of the campaigns that exist now may have sequence ids: the pair
-- stays unique for those campaigns through a partial index, and the check
-- makes every send of a later campaign take its pair's id (a member id of
-- 2^32 or more fails it rather than take another pair's id). Every send
-- there is now is of those campaigns and passes: NOT VALID spares reading
-- them. Campaigns are locked so none is created between reading the last
-- id and the check.
LOCK TABLE campaigns IN SHARE MODE;
DO $$
DECLARE
	last_campaign BIGINT;
BEGIN
	SELECT COALESCE(MAX(id), 0) INTO last_campaign FROM campaigns;
	EXECUTE format('CREATE UNIQUE INDEX sends_pair_before ON sends (campaign_id, member_id) WHERE campaign_id <= %s',
		last_campaign);
	EXECUTE format('ALTER TABLE sends ADD CONSTRAINT sends_pair_id
		CHECK (campaign_id <= %s OR member_id BETWEEN 1 AND 4294967295 AND id = campaign_id * 4294967296 + member_id)
		NOT VALID', last_campaign);
END
$$;
ALTER TABLE sends DROP CONSTRAINT sends_campaign_id_member_id_key;
