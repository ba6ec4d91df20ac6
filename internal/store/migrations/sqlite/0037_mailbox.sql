-- The built-in mailbox: with no SMTP relay configured, fanmail's mail goes
-- to an SMTP server inside the process that keeps each message here, for
-- staff to read in the admin UI. Only the newest messages are kept (see
-- DB.KeepMailbox); settings 'mailbox_dropped' counts those removed.
CREATE TABLE mailbox (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	received_at DATETIME NOT NULL,
	mail_from   TEXT NOT NULL,
	rcpt_to     TEXT NOT NULL,
	subject     TEXT NOT NULL,
	kind        TEXT NOT NULL DEFAULT '',
	size        INTEGER NOT NULL,
	raw         BLOB NOT NULL
);
