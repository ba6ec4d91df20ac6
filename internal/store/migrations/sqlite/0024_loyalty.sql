-- Loyalty: the chip and point ledger, balances, rewards, gift certificates,
-- redemptions and fan-membership rules (issue 9).

-- counters hands out numbers that must be unique and increasing across the
-- whole database; the row is updated inside the transaction that uses the
-- number, so a rolled-back transaction gives its number back.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('chip_number', 10000);

CREATE TABLE rewards (
	id         INTEGER PRIMARY KEY,
	brand_id   INTEGER REFERENCES brands(id),
	kind       TEXT NOT NULL CHECK (kind IN ('product', 'certificate')),
	name       TEXT NOT NULL,
	name_en    TEXT NOT NULL DEFAULT '',
	product_id INTEGER REFERENCES products(id),
	cost       INTEGER NOT NULL CHECK (cost > 0),
	value      INTEGER NOT NULL DEFAULT 0,
	active     BOOLEAN NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX rewards_brand ON rewards(brand_id, id);

CREATE TABLE certificates (
	id          INTEGER PRIMARY KEY,
	code        TEXT NOT NULL UNIQUE,
	member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id    INTEGER REFERENCES brands(id),
	value       INTEGER NOT NULL CHECK (value > 0),
	state       TEXT NOT NULL DEFAULT 'issued' CHECK (state IN ('issued', 'redeemed', 'expired', 'void')),
	reason      TEXT NOT NULL,
	ref         TEXT NOT NULL UNIQUE,
	expires_at  DATETIME,
	redeemed_at DATETIME,
	shop_id     INTEGER REFERENCES shops(id),
	created_at  DATETIME NOT NULL
);
CREATE INDEX certificates_member ON certificates(member_id, id);
CREATE INDEX certificates_due ON certificates(expires_at) WHERE state = 'issued' AND expires_at IS NOT NULL;

CREATE TABLE redemptions (
	id              INTEGER PRIMARY KEY,
	idempotency_key TEXT NOT NULL UNIQUE,
	member_id       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id        INTEGER REFERENCES brands(id),
	reward_id       INTEGER REFERENCES rewards(id),
	certificate_id  INTEGER REFERENCES certificates(id) ON DELETE CASCADE,
	cost            INTEGER NOT NULL DEFAULT 0,
	shop_id         INTEGER REFERENCES shops(id),
	staff_id        INTEGER REFERENCES users(id),
	state           TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'reversed')),
	created_at      DATETIME NOT NULL
);
CREATE INDEX redemptions_member ON redemptions(member_id, id);

-- ledger_entries is append-only. ref names the cause, so a cause pays once.
CREATE TABLE ledger_entries (
	id            INTEGER PRIMARY KEY,
	member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id      INTEGER REFERENCES brands(id),
	unit          TEXT NOT NULL CHECK (unit IN ('chip', 'point')),
	op            TEXT NOT NULL CHECK (op IN ('issue', 'redeem', 'expire', 'reverse')),
	amount        INTEGER NOT NULL,
	chip_number   INTEGER,
	reason        TEXT NOT NULL,
	ref           TEXT NOT NULL UNIQUE,
	message_id    INTEGER,
	redemption_id INTEGER REFERENCES redemptions(id) ON DELETE CASCADE,
	reverses_id   INTEGER REFERENCES ledger_entries(id) ON DELETE CASCADE,
	note          TEXT NOT NULL DEFAULT '',
	expires_at    DATETIME,
	created_at    DATETIME NOT NULL,
	CHECK (op = 'reverse' OR (op = 'issue') = (amount > 0)),
	CHECK (op = 'issue' OR expires_at IS NULL)
);
CREATE UNIQUE INDEX ledger_entries_chip ON ledger_entries(chip_number) WHERE chip_number IS NOT NULL;
CREATE INDEX ledger_entries_member ON ledger_entries(member_id, id);
CREATE INDEX ledger_entries_due ON ledger_entries(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX ledger_entries_reverses ON ledger_entries(reverses_id) WHERE reverses_id IS NOT NULL;

-- balances is the sum of each member's ledger per brand (0: no brand) and
-- unit, kept in the transaction that writes each entry.
CREATE TABLE balances (
	member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id  INTEGER NOT NULL DEFAULT 0,
	unit      TEXT NOT NULL,
	amount    INTEGER NOT NULL DEFAULT 0 CHECK (amount >= 0),
	PRIMARY KEY (member_id, brand_id, unit)
);

-- fan_rules.params holds the rule's parameters as JSON
-- ({"question_key", "min_position", "points", "threshold"}).
CREATE TABLE fan_rules (
	brand_id   INTEGER PRIMARY KEY REFERENCES brands(id),
	enabled    BOOLEAN NOT NULL DEFAULT 0,
	kind       TEXT NOT NULL CHECK (kind IN ('share_at_least', 'score_at_least', 'surveys_answered')),
	params     TEXT NOT NULL DEFAULT '{}',
	updated_at DATETIME NOT NULL
);

CREATE TABLE fan_decisions (
	id          INTEGER PRIMARY KEY,
	member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id    INTEGER NOT NULL REFERENCES brands(id),
	is_fan      BOOLEAN NOT NULL,
	rule        TEXT NOT NULL,
	vals        TEXT NOT NULL,
	response_id INTEGER NOT NULL,
	decided_at  DATETIME NOT NULL,
	UNIQUE (brand_id, response_id)
);
CREATE INDEX fan_decisions_member ON fan_decisions(member_id, id);

CREATE TABLE fan_memberships (
	member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id  INTEGER NOT NULL REFERENCES brands(id),
	since     DATETIME NOT NULL,
	PRIMARY KEY (member_id, brand_id)
);
CREATE INDEX fan_memberships_brand ON fan_memberships(brand_id, member_id);
