-- brand_steps: per brand, whether each step of the fan program runs, and
-- staff's own subject and opening paragraph for its mail ('' = the
-- default wording). A brand without a row runs every step with the default
-- mails.
CREATE TABLE brand_steps (
	brand_id   INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
	step       TEXT NOT NULL CHECK (step IN ('welcome_chip', 'survey_invitation', 'fan_decision', 'fan_reward')),
	enabled    BOOLEAN NOT NULL DEFAULT 1,
	subject_ko TEXT NOT NULL DEFAULT '',
	subject_en TEXT NOT NULL DEFAULT '',
	intro_ko   TEXT NOT NULL DEFAULT '',
	intro_en   TEXT NOT NULL DEFAULT '',
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (brand_id, step)
);
