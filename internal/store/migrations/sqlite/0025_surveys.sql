-- Surveys become data of their own: the profile survey, seed 000's deep
-- brand survey and brands' surveys, each a row of surveys whose questions
-- name it by key (questions.survey). Invitations are mailed through the
-- outbox; a response stores typed answers and adds them to the counts by
-- gender and age band (fig. 4 of seed 000).
CREATE TABLE surveys (
	id          INTEGER PRIMARY KEY,
	key         TEXT NOT NULL UNIQUE,
	brand_id    INTEGER NOT NULL DEFAULT 0,
	title_ko    TEXT NOT NULL,
	title_en    TEXT NOT NULL,
	intro_ko    TEXT NOT NULL DEFAULT '',
	intro_en    TEXT NOT NULL DEFAULT '',
	active      BOOLEAN NOT NULL DEFAULT 1,
	chip_reward INTEGER NOT NULL DEFAULT 0,
	created_at  DATETIME NOT NULL
);
INSERT INTO surveys (key, title_ko, title_en, created_at)
VALUES ('profile', '회원 프로필 설문', 'Profile survey', CURRENT_TIMESTAMP);

-- questions takes the scale and NPS kinds. SQLite cannot drop a CHECK
-- constraint: the table is rebuilt, keeping ids. Dropping the old table
-- deletes its rows first, which cascades to question_options and answers:
-- those are kept aside and put back.
CREATE TEMP TABLE keep_options AS SELECT * FROM question_options;
CREATE TEMP TABLE keep_answers AS SELECT * FROM answers;

CREATE TABLE questions_new (
	id           INTEGER PRIMARY KEY,
	survey       TEXT NOT NULL DEFAULT 'profile',
	key          TEXT NOT NULL,
	kind         TEXT NOT NULL,
	label_ko     TEXT NOT NULL,
	label_en     TEXT NOT NULL,
	required     BOOLEAN NOT NULL DEFAULT 0,
	max_choices  INTEGER NOT NULL DEFAULT 0,
	allow_other  BOOLEAN NOT NULL DEFAULT 0,
	position     INTEGER NOT NULL DEFAULT 0,
	active       BOOLEAN NOT NULL DEFAULT 1,
	scale_min    INTEGER NOT NULL DEFAULT 0,
	scale_max    INTEGER NOT NULL DEFAULT 0,
	min_label_ko TEXT NOT NULL DEFAULT '',
	min_label_en TEXT NOT NULL DEFAULT '',
	max_label_ko TEXT NOT NULL DEFAULT '',
	max_label_en TEXT NOT NULL DEFAULT '',
	UNIQUE (survey, key)
);
INSERT INTO questions_new (id, survey, key, kind, label_ko, label_en, required, max_choices, allow_other, position, active)
SELECT id, survey, key, kind, label_ko, label_en, required, max_choices, allow_other, position, active FROM questions;
DROP TABLE questions;
ALTER TABLE questions_new RENAME TO questions;

INSERT INTO question_options SELECT * FROM keep_options WHERE id NOT IN (SELECT id FROM question_options);
INSERT INTO answers SELECT * FROM keep_answers WHERE id NOT IN (SELECT id FROM answers);
DROP TABLE keep_options;
DROP TABLE keep_answers;

-- One invitation per survey, member and cause: a retried cause never
-- invites twice.
CREATE TABLE survey_invitations (
	id          INTEGER PRIMARY KEY,
	survey_id   INTEGER NOT NULL REFERENCES surveys(id),
	member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id    INTEGER NOT NULL DEFAULT 0,
	message_id  INTEGER NOT NULL DEFAULT 0,
	cause       TEXT NOT NULL,
	status      TEXT NOT NULL DEFAULT 'sent',
	expires_at  DATETIME NOT NULL,
	created_at  DATETIME NOT NULL,
	answered_at DATETIME,
	UNIQUE (survey_id, member_id, cause)
);
CREATE INDEX survey_invitations_member ON survey_invitations(member_id, id);

CREATE TABLE survey_responses (
	id            INTEGER PRIMARY KEY,
	invitation_id INTEGER UNIQUE REFERENCES survey_invitations(id) ON DELETE CASCADE,
	survey_id     INTEGER NOT NULL REFERENCES surveys(id),
	member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
	brand_id      INTEGER NOT NULL DEFAULT 0,
	submitted_at  DATETIME NOT NULL
);
CREATE INDEX survey_responses_member ON survey_responses(member_id, id);
CREATE INDEX survey_responses_survey ON survey_responses(survey_id, id);

-- survey_answers: one row per chosen option, per number, or per text (free
-- text, or the explanation of "other" when is_other).
CREATE TABLE survey_answers (
	id          INTEGER PRIMARY KEY,
	response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
	question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
	option_id   INTEGER REFERENCES question_options(id),
	number      INTEGER,
	text        TEXT NOT NULL DEFAULT '',
	is_other    BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX survey_answers_response ON survey_answers(response_id, question_id);
CREATE INDEX survey_answers_option ON survey_answers(option_id);

-- survey_answer_counts: how often each option, "other" or number was
-- answered, by gender and age band at the time of answering. option_id is
-- 0 for "other" and numbers, number 0 for options and "other".
CREATE TABLE survey_answer_counts (
	question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
	option_id   INTEGER NOT NULL DEFAULT 0,
	number      INTEGER NOT NULL DEFAULT 0,
	is_other    BOOLEAN NOT NULL DEFAULT 0,
	gender      TEXT NOT NULL,
	age_band    TEXT NOT NULL,
	count       INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (question_id, option_id, number, is_other, gender, age_band)
);
