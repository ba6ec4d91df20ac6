package store

// dialect holds the only statements that differ between SQLite and PostgreSQL.
type dialect struct {
	// lockMigrations serialises migrations across app nodes (PostgreSQL);
	// SQLite's immediate transactions already allow one writer.
	lockMigrations   string
	unlockMigrations string
	// skipLocked ends the sub-selects that claim rows (outbox messages):
	// FOR UPDATE SKIP LOCKED on PostgreSQL, so claimers on several nodes
	// never wait for or take each other's rows; nothing on SQLite, where the
	// immediate transaction is the only writer.
	skipLocked string
	// lockAccessLog serialises appends to the access log's hash chain for
	// the rest of the transaction (PostgreSQL); SQLite has one writer.
	lockAccessLog string
}

var sqliteDialect = dialect{}

var postgresDialect = dialect{
	lockMigrations:   `SELECT pg_advisory_lock(72616131)`,
	unlockMigrations: `SELECT pg_advisory_unlock(72616131)`,
	skipLocked:       `FOR UPDATE SKIP LOCKED`,
	lockAccessLog:    `SELECT pg_advisory_xact_lock(72616132)`,
}
