package store

// dialect holds the only statements that differ between SQLite and PostgreSQL.
type dialect struct {
	// lockMigrations serialises migrations across app nodes (PostgreSQL);
	// SQLite's immediate transactions already allow one writer.
	lockMigrations   string
	unlockMigrations string
}

var sqliteDialect = dialect{}

var postgresDialect = dialect{
	lockMigrations:   `SELECT pg_advisory_lock(72616131)`,
	unlockMigrations: `SELECT pg_advisory_unlock(72616131)`,
}
