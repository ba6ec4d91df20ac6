-- Imports: which import created a member (so the same address twice in one
-- file is told apart from an address stored before), what the staff chose
-- (status of imported members, consents attested for every row), the column
-- mapping used, and a heartbeat so an import that died with its process shows
-- as interrupted. import_errors name the field at fault.
ALTER TABLE members ADD COLUMN import_id INTEGER REFERENCES imports(id) ON DELETE SET NULL;
ALTER TABLE imports ADD COLUMN member_status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE imports ADD COLUMN default_consents TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN column_map TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN updated_at DATETIME;
ALTER TABLE import_errors ADD COLUMN field TEXT NOT NULL DEFAULT '';
