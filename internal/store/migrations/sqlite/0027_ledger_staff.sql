-- The staff member who entered a ledger entry by hand (a reversal), so a
-- correction says who made it.
ALTER TABLE ledger_entries ADD COLUMN staff_id INTEGER REFERENCES users(id);
