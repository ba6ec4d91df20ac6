package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

// Setting returns the value stored under key, or ENOTFOUND.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.sql.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fanmail.Errorf(fanmail.ENOTFOUND, "Setting not found.")
	}
	if err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting stores value under key, replacing any earlier value.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	_, err := db.sql.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set setting %s: %w", key, err)
	}
	return nil
}

// SettingOrInit returns the value under key, storing init() first if there is
// none. Concurrent callers on several nodes all get the first stored value.
func (db *DB) SettingOrInit(ctx context.Context, key string, init func() string) (string, error) {
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO NOTHING`, key, init()); err != nil {
		return "", fmt.Errorf("init setting %s: %w", key, err)
	}
	return db.Setting(ctx, key)
}
