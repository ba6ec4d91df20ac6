-- Campaign engine: senders, segments, campaigns, sends, links, events,
-- suppressions, orders. SQLite.

-- senders are the identities mail goes out as (a brand, a shop, a regional
-- centre), with the legal details an advertising footer must show.
CREATE TABLE senders (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,           -- shown in the footer, e.g. 오즈세컨 강남점
	from_name  TEXT NOT NULL,
	from_email TEXT NOT NULL,
	reply_to   TEXT NOT NULL DEFAULT '',
	kind       TEXT NOT NULL DEFAULT 'brand', -- brand, shop, centre
	address    TEXT NOT NULL DEFAULT '',
	phone      TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);

-- segments hold their rules as JSON (groups of conditions, AND/OR), evaluated
-- at send time.
CREATE TABLE segments (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	rules      TEXT NOT NULL,
	created_by INTEGER REFERENCES users(id),
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);

CREATE TABLE campaigns (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	kind         TEXT NOT NULL DEFAULT 'marketing', -- marketing or transactional
	is_ad        BOOLEAN NOT NULL DEFAULT 1,        -- advertising: (광고) prefix and legal footer
	status       TEXT NOT NULL DEFAULT 'draft',     -- draft, scheduled, sending, paused, finished, cancelled
	segment_id   INTEGER REFERENCES segments(id),
	sender_id    INTEGER REFERENCES senders(id),
	subject      TEXT NOT NULL DEFAULT '',
	preheader    TEXT NOT NULL DEFAULT '',
	body         TEXT NOT NULL DEFAULT '',          -- template source; HTML and text are generated from it
	send_at      DATETIME,
	timezone     TEXT NOT NULL DEFAULT 'Asia/Seoul',
	member_tz    BOOLEAN NOT NULL DEFAULT 0,        -- send at send_at in each member's time zone
	track_people BOOLEAN NOT NULL DEFAULT 1,        -- false: count opens and clicks, not who
	created_by   INTEGER REFERENCES users(id),
	started_at   DATETIME,
	finished_at  DATETIME,
	created_at   DATETIME NOT NULL,
	updated_at   DATETIME NOT NULL
);
CREATE INDEX campaigns_status ON campaigns(status, send_at);

-- sends has one row per (campaign, member): the unit of idempotent sending.
-- queued → sending → sent | failed | skipped (no consent, suppressed).
CREATE TABLE sends (
	id              INTEGER PRIMARY KEY,
	campaign_id     INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	member_id       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	state           TEXT NOT NULL DEFAULT 'queued',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at DATETIME,
	locked_until    DATETIME,
	token           TEXT NOT NULL,                  -- VERP and tracking token
	message_id      TEXT NOT NULL DEFAULT '',
	error           TEXT NOT NULL DEFAULT '',
	sent_at         DATETIME,
	UNIQUE (campaign_id, member_id)
);
CREATE INDEX sends_claim ON sends(campaign_id, state, id);
CREATE UNIQUE INDEX sends_token ON sends(token);

CREATE TABLE links (
	id          INTEGER PRIMARY KEY,
	campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
	url         TEXT NOT NULL,
	UNIQUE (campaign_id, url)
);

-- events: delivered, open, click, bounce_hard, bounce_soft, complaint,
-- unsubscribe. send_id and member_id are NULL when the campaign tracks counts only.
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	campaign_id INTEGER REFERENCES campaigns(id) ON DELETE CASCADE,
	send_id     INTEGER REFERENCES sends(id) ON DELETE SET NULL,
	member_id   INTEGER REFERENCES members(id) ON DELETE SET NULL,
	kind        TEXT NOT NULL,
	link_id     INTEGER REFERENCES links(id) ON DELETE SET NULL,
	is_bot      BOOLEAN NOT NULL DEFAULT 0,
	detail      TEXT NOT NULL DEFAULT '',
	created_at  DATETIME NOT NULL
);
CREATE INDEX events_campaign ON events(campaign_id, kind, created_at);
CREATE INDEX events_member ON events(member_id, kind, created_at);

-- suppressions are checked before every send.
CREATE TABLE suppressions (
	email_normalized TEXT PRIMARY KEY,
	reason           TEXT NOT NULL,  -- unsubscribed, hard_bounce, complaint, manual
	source           TEXT NOT NULL DEFAULT '',
	created_at       DATETIME NOT NULL
);

-- address_health counts bounces per address to apply suppression thresholds.
CREATE TABLE address_health (
	email_normalized TEXT PRIMARY KEY,
	soft_bounces     INTEGER NOT NULL DEFAULT 0,
	hard_bounces     INTEGER NOT NULL DEFAULT 0,
	last_bounce_at   DATETIME
);

CREATE TABLE orders (
	id                   INTEGER PRIMARY KEY,
	member_id            INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	external_id          TEXT NOT NULL UNIQUE,
	ordered_at           DATETIME NOT NULL,
	amount               INTEGER NOT NULL,
	source               TEXT NOT NULL DEFAULT 'api',
	shop_id              INTEGER REFERENCES shops(id),
	confirmation_sent_at DATETIME,
	created_at           DATETIME NOT NULL
);
CREATE INDEX orders_member ON orders(member_id, ordered_at);

CREATE TABLE order_items (
	id         INTEGER PRIMARY KEY,
	order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
	product_id INTEGER REFERENCES products(id),
	brand_id   INTEGER REFERENCES brands(id),
	name       TEXT NOT NULL,
	quantity   INTEGER NOT NULL DEFAULT 1,
	unit_price INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX order_items_brand ON order_items(brand_id, order_id);

-- members.timezone lets a campaign go out at the same local time for everyone.
ALTER TABLE members ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
