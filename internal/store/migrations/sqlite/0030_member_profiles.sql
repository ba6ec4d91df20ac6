-- Profile analysis (seed 000 step 5): each member's preferred brand group
-- and purchase pattern, with the numbers that led to them, recomputed in
-- the transaction that changes an input (answers, favourite brands,
-- orders; see store.Tx.RecomputeProfile). A member without a row has
-- nothing to analyse: no preferred group, pattern 'unknown'. SQLite.
CREATE TABLE member_profiles (
	member_id          INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
	preferred_group_id INTEGER REFERENCES brand_groups(id) ON DELETE SET NULL,
	group_favourites   INTEGER NOT NULL DEFAULT 0,
	group_styles       INTEGER NOT NULL DEFAULT 0,
	group_spent        INTEGER NOT NULL DEFAULT 0,
	purchase_pattern   TEXT NOT NULL DEFAULT 'unknown',
	units_full_price   INTEGER NOT NULL DEFAULT 0,
	units_sale         INTEGER NOT NULL DEFAULT 0,
	units_outlet       INTEGER NOT NULL DEFAULT 0,
	units_event        INTEGER NOT NULL DEFAULT 0,
	units_unknown      INTEGER NOT NULL DEFAULT 0,
	computed_at        DATETIME NOT NULL
);
-- Segment conditions on the preferred group and the pattern read these.
CREATE INDEX member_profiles_group ON member_profiles(preferred_group_id, member_id);
CREATE INDEX member_profiles_pattern ON member_profiles(purchase_pattern, member_id);

-- Where a purchase was made says how the member buys: a shop is the brand's
-- own shop or an agency (store), a department-store counter, or an outlet.
ALTER TABLE shops ADD COLUMN kind TEXT NOT NULL DEFAULT 'store' CHECK (kind IN ('store', 'department', 'outlet'));

-- An order item keeps the product's price and shelf as they were when it
-- was ordered, so a later markdown does not rewrite the member's pattern.
-- Items stored before this migration take today's catalogue: the best
-- there is.
ALTER TABLE order_items ADD COLUMN list_price INTEGER NOT NULL DEFAULT 0;
ALTER TABLE order_items ADD COLUMN shelf TEXT NOT NULL DEFAULT '';
UPDATE order_items SET
	list_price = (SELECT p.price FROM products p WHERE p.id = order_items.product_id),
	shelf = (SELECT p.shelf FROM products p WHERE p.id = order_items.product_id)
WHERE product_id IS NOT NULL;

-- Recomputing a profile reads the member's order items through their
-- orders; items had no index by order.
CREATE INDEX order_items_order ON order_items(order_id);
