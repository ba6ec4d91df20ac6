package store

import (
	"context"
	"fmt"
	"time"
)

// CountAuthFailures returns how many failures key has had since since.
func (db *DB) CountAuthFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_failures WHERE key_hash = $1 AND failed_at > $2`,
		key, since.UTC()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sign-in failures: %w", err)
	}
	return n, nil
}

// AddAuthFailure records a failure of key (of scope) at at, and deletes the
// scope's failures from expired or before.
func (db *DB) AddAuthFailure(ctx context.Context, scope, key string, at, expired time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE scope = $1 AND failed_at <= $2`, scope, expired.UTC()); err != nil {
			return fmt.Errorf("expire sign-in failures: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_failures (scope, key_hash, failed_at) VALUES ($1, $2, $3)`,
			scope, key, at.UTC()); err != nil {
			return fmt.Errorf("record sign-in failure: %w", err)
		}
		return nil
	})
}

// ClearAuthFailures deletes the failures of key.
func (db *DB) ClearAuthFailures(ctx context.Context, key string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM auth_failures WHERE key_hash = $1`, key); err != nil {
		return fmt.Errorf("clear sign-in failures: %w", err)
	}
	return nil
}
