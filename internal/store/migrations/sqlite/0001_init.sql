-- fanmail schema, SQLite. Times are UTC, written by Go (_time_format=sqlite).

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE shops (
	id         INTEGER PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	region     TEXT NOT NULL DEFAULT '',
	phone      TEXT NOT NULL DEFAULT '',
	address    TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL
);

CREATE TABLE users (
	id               INTEGER PRIMARY KEY,
	email            TEXT NOT NULL,
	email_normalized TEXT NOT NULL UNIQUE,
	name             TEXT NOT NULL DEFAULT '',
	role             TEXT NOT NULL,
	shop_id          INTEGER REFERENCES shops(id),
	lang             TEXT NOT NULL DEFAULT 'ko',
	password_hash    TEXT NOT NULL DEFAULT '',
	active           BOOLEAN NOT NULL DEFAULT 1,
	last_login_at    DATETIME,
	created_at       DATETIME NOT NULL,
	updated_at       DATETIME NOT NULL
);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	prefix       TEXT NOT NULL,
	role         TEXT NOT NULL,
	created_by   INTEGER REFERENCES users(id),
	created_at   DATETIME NOT NULL,
	last_used_at DATETIME,
	revoked_at   DATETIME
);

CREATE TABLE brand_groups (
	id         INTEGER PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name_ko    TEXT NOT NULL,
	name_en    TEXT NOT NULL,
	position   INTEGER NOT NULL DEFAULT 0,
	published  BOOLEAN NOT NULL DEFAULT 1,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);

CREATE TABLE brands (
	id             INTEGER PRIMARY KEY,
	group_id       INTEGER NOT NULL REFERENCES brand_groups(id),
	slug           TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	description_ko TEXT NOT NULL DEFAULT '',
	description_en TEXT NOT NULL DEFAULT '',
	position       INTEGER NOT NULL DEFAULT 0,
	published      BOOLEAN NOT NULL DEFAULT 1,
	created_at     DATETIME NOT NULL,
	updated_at     DATETIME NOT NULL
);
CREATE INDEX brands_group ON brands(group_id, position);

CREATE TABLE products (
	id             INTEGER PRIMARY KEY,
	brand_id       INTEGER NOT NULL REFERENCES brands(id),
	code           TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	shelf          TEXT NOT NULL CHECK (shelf IN ('new', 'previous', 'sale')),
	price          INTEGER NOT NULL DEFAULT 0,
	age_min        INTEGER NOT NULL DEFAULT 0,
	age_max        INTEGER NOT NULL DEFAULT 0,
	styling_advice TEXT NOT NULL DEFAULT '',
	accessories    TEXT NOT NULL DEFAULT '',
	description    TEXT NOT NULL DEFAULT '',
	position       INTEGER NOT NULL DEFAULT 0,
	published      BOOLEAN NOT NULL DEFAULT 1,
	created_at     DATETIME NOT NULL,
	updated_at     DATETIME NOT NULL
);
CREATE INDEX products_brand ON products(brand_id, shelf, position);

CREATE TABLE product_images (
	id           INTEGER PRIMARY KEY,
	product_id   INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
	path         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	alt          TEXT NOT NULL DEFAULT '',
	position     INTEGER NOT NULL DEFAULT 0,
	created_at   DATETIME NOT NULL
);
CREATE INDEX product_images_product ON product_images(product_id, position);

CREATE TABLE members (
	id               INTEGER PRIMARY KEY,
	code             TEXT UNIQUE,
	email            TEXT NOT NULL,
	email_normalized TEXT NOT NULL UNIQUE,
	name             TEXT NOT NULL DEFAULT '',
	phone            TEXT NOT NULL DEFAULT '',
	phone_normalized TEXT NOT NULL DEFAULT '',
	birth_year       INTEGER NOT NULL DEFAULT 0,
	gender           TEXT NOT NULL DEFAULT '',
	postal_code      TEXT NOT NULL DEFAULT '',
	address          TEXT NOT NULL DEFAULT '',
	lang             TEXT NOT NULL DEFAULT 'ko',
	status           TEXT NOT NULL DEFAULT 'pending',
	source           TEXT NOT NULL DEFAULT 'web',
	shop_id          INTEGER REFERENCES shops(id),
	password_hash    TEXT NOT NULL DEFAULT '',
	confirmed_at     DATETIME,
	last_login_at    DATETIME,
	login_count      INTEGER NOT NULL DEFAULT 0,
	visit_count      INTEGER NOT NULL DEFAULT 0,
	created_at       DATETIME NOT NULL,
	updated_at       DATETIME NOT NULL
);
CREATE INDEX members_name ON members(name, id);
CREATE INDEX members_phone ON members(phone_normalized, id);
CREATE INDEX members_birth_year ON members(birth_year, id);
CREATE INDEX members_gender ON members(gender, id);
CREATE INDEX members_status ON members(status, id);

-- sessions serve staff (user_id) and members (member_id) alike.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
	member_id  INTEGER REFERENCES members(id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	lang       TEXT NOT NULL DEFAULT '',
	expires_at DATETIME NOT NULL,
	created_at DATETIME NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- consents is the append-only history; member_consents the current state.
CREATE TABLE consents (
	id         INTEGER PRIMARY KEY,
	member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	purpose    TEXT NOT NULL,
	channel    TEXT NOT NULL DEFAULT '',
	granted    BOOLEAN NOT NULL,
	source     TEXT NOT NULL,
	ip         TEXT NOT NULL DEFAULT '',
	version    TEXT NOT NULL,
	created_at DATETIME NOT NULL
);
CREATE INDEX consents_member ON consents(member_id, purpose, id);

CREATE TABLE member_consents (
	member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	purpose    TEXT NOT NULL,
	granted    BOOLEAN NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (member_id, purpose)
);
CREATE INDEX member_consents_purpose ON member_consents(purpose, granted, member_id);

CREATE TABLE questions (
	id          INTEGER PRIMARY KEY,
	survey      TEXT NOT NULL DEFAULT 'profile',
	key         TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('single', 'multi', 'text')),
	label_ko    TEXT NOT NULL,
	label_en    TEXT NOT NULL,
	required    BOOLEAN NOT NULL DEFAULT 0,
	max_choices INTEGER NOT NULL DEFAULT 0,
	allow_other BOOLEAN NOT NULL DEFAULT 0,
	position    INTEGER NOT NULL DEFAULT 0,
	active      BOOLEAN NOT NULL DEFAULT 1,
	UNIQUE (survey, key)
);

CREATE TABLE question_options (
	id          INTEGER PRIMARY KEY,
	question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
	value       TEXT NOT NULL,
	label_ko    TEXT NOT NULL,
	label_en    TEXT NOT NULL,
	brand_id    INTEGER REFERENCES brands(id),
	position    INTEGER NOT NULL DEFAULT 0,
	UNIQUE (question_id, value)
);

-- answers: one row per chosen option, or one row with option_id NULL for text
-- (free text, or the explanation of "other" when is_other).
CREATE TABLE answers (
	id          INTEGER PRIMARY KEY,
	member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
	option_id   INTEGER REFERENCES question_options(id) ON DELETE CASCADE,
	is_other    BOOLEAN NOT NULL DEFAULT 0,
	text        TEXT NOT NULL DEFAULT '',
	answered_at DATETIME NOT NULL
);
CREATE INDEX answers_member ON answers(member_id, question_id);
CREATE INDEX answers_option ON answers(option_id, member_id);

CREATE TABLE brand_preferences (
	member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id   INTEGER NOT NULL REFERENCES brands(id),
	created_at DATETIME NOT NULL,
	PRIMARY KEY (member_id, brand_id)
);
CREATE INDEX brand_preferences_brand ON brand_preferences(brand_id, member_id);

CREATE TABLE brand_preference_counts (
	brand_id INTEGER NOT NULL REFERENCES brands(id),
	gender   TEXT NOT NULL,
	age_band TEXT NOT NULL,
	count    INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (brand_id, gender, age_band)
);

-- link_tokens makes signed links single-use: a link carries the nonce, the
-- row remembers whether it was used.
CREATE TABLE link_tokens (
	nonce_hash TEXT PRIMARY KEY,
	purpose    TEXT NOT NULL,
	member_id  INTEGER REFERENCES members(id) ON DELETE CASCADE,
	expires_at DATETIME NOT NULL,
	used_at    DATETIME,
	created_at DATETIME NOT NULL
);

CREATE TABLE imports (
	id          INTEGER PRIMARY KEY,
	filename    TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	encoding    TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL DEFAULT 'running',
	rows_total  INTEGER NOT NULL DEFAULT 0,
	rows_ok     INTEGER NOT NULL DEFAULT 0,
	rows_bad    INTEGER NOT NULL DEFAULT 0,
	rows_dup    INTEGER NOT NULL DEFAULT 0,
	bytes_done  INTEGER NOT NULL DEFAULT 0,
	bytes_total INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	created_by  INTEGER REFERENCES users(id),
	started_at  DATETIME NOT NULL,
	finished_at DATETIME
);

CREATE TABLE import_errors (
	import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
	line      INTEGER NOT NULL,
	reason    TEXT NOT NULL,
	PRIMARY KEY (import_id, line)
);
