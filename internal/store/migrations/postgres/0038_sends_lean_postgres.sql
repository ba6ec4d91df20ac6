-- Campaign sends cost PostgreSQL less CPU (issue 10).
--
-- sends loses its foreign keys, as on SQLite (0019): each new send fired two
-- constraint triggers, each a query locking the campaign's or the member's
-- row FOR KEY SHARE (a WAL record per member), about a third of a claim's
-- time; the claims that insert sends have just read those very rows.
-- Nothing deletes campaigns or members that have sends: code that comes to
-- do so must delete their sends itself.
ALTER TABLE sends DROP CONSTRAINT IF EXISTS sends_campaign_id_fkey;
ALTER TABLE sends DROP CONSTRAINT IF EXISTS sends_member_id_fkey;

-- PostgreSQL, too, now inserts a claim's new sends already in state sent,
-- with one send_claims row for the batch (see SQLite's 0018): a batch that
-- all went out is recorded by deleting that row instead of rewriting every
-- send. Its sends' ids ascend but need not be consecutive (other campaigns'
-- claims draw from the same sequence): a row covers the sends of its
-- campaign from first_send through last_send, and says how many.
ALTER TABLE send_claims ADD COLUMN sends INTEGER NOT NULL DEFAULT 0;
UPDATE send_claims SET sends = last_send - first_send + 1;
