package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fanmail/fanmail"
)

const tokenColumns = `id, name, role, prefix, created_by, created_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (fanmail.APIToken, error) {
	var t fanmail.APIToken
	var by sql.NullInt64
	var used, revoked sql.NullTime
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &t.Prefix, &by, &t.CreatedAt, &used, &revoked); err != nil {
		return t, err
	}
	t.CreatedBy = by.Int64
	t.CreatedAt = t.CreatedAt.UTC()
	if used.Valid {
		u := used.Time.UTC()
		t.LastUsedAt = &u
	}
	if revoked.Valid {
		r := revoked.Time.UTC()
		t.RevokedAt = &r
	}
	return t, nil
}

var errTokenNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "API token not found.")

// CreateToken stores t under the hash of its secret and returns it with its id.
func (db *DB) CreateToken(ctx context.Context, t fanmail.APIToken, tokenHash string) (fanmail.APIToken, error) {
	created, err := scanToken(db.sql.QueryRowContext(ctx, `
		INSERT INTO api_tokens (name, token_hash, prefix, role, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING `+tokenColumns,
		t.Name, tokenHash, t.Prefix, t.Role, nullInt64(t.CreatedBy), db.Now()))
	if err != nil {
		return created, fmt.Errorf("create token: %w", mapError(err))
	}
	return created, nil
}

// Tokens returns every API token, revoked ones included, newest first.
func (db *DB) Tokens(ctx context.Context) ([]fanmail.APIToken, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var tokens []fanmail.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return tokens, nil
}

// TokenByHash returns the token whose secret hashes to tokenHash, revoked or
// not, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, tokenHash string) (fanmail.APIToken, error) {
	t, err := scanToken(db.sql.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errTokenNotFound
	}
	if err != nil {
		return t, fmt.Errorf("token by hash: %w", err)
	}
	return t, nil
}

// RevokeToken marks the token with id revoked now; revoking twice keeps the
// first time. ENOTFOUND when there is no such token.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	res, err := db.sql.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, db.Now())
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errTokenNotFound
	}
	return nil
}

// TouchToken records that the token with id was used now, unless a use after
// now-every was already recorded: a busy API client writes once per interval,
// not once per call.
func (db *DB) TouchToken(ctx context.Context, id int64, every time.Duration) error {
	now := db.Now()
	_, err := db.sql.ExecContext(ctx, `
		UPDATE api_tokens SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`, id, now, now.Add(-every))
	if err != nil {
		return fmt.Errorf("touch token %d: %w", id, err)
	}
	return nil
}
