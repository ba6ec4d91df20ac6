package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fanmail/fanmail"
)

// Errors of UseLinkToken; callers may show them as they are.
var (
	ErrLinkUnknown = fanmail.Errorf(fanmail.EINVALID, "This link is not valid.")
	ErrLinkUsed    = fanmail.Errorf(fanmail.EEXPIRED, "This link was already used.")
	ErrLinkExpired = fanmail.Errorf(fanmail.EEXPIRED, "This link has expired.")
)

// CreateLinkToken remembers a signed link's nonce (hashed) so the link can be
// used once before expiresAt.
func (db *DB) CreateLinkToken(ctx context.Context, nonceHash, purpose string, memberID int64, expiresAt time.Time) error {
	return createLinkToken(ctx, db.sql, db.Now(), nonceHash, purpose, memberID, expiresAt)
}

// CreateLinkToken is DB.CreateLinkToken inside tx.
func (tx *Tx) CreateLinkToken(ctx context.Context, nonceHash, purpose string, memberID int64, expiresAt time.Time) error {
	return createLinkToken(ctx, tx.Tx, tx.Now, nonceHash, purpose, memberID, expiresAt)
}

func createLinkToken(ctx context.Context, ex querier, now time.Time, nonceHash, purpose string, memberID int64, expiresAt time.Time) error {
	_, err := ex.ExecContext(ctx, `
		INSERT INTO link_tokens (nonce_hash, purpose, member_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		nonceHash, purpose, nullInt64(memberID), expiresAt.UTC(), now)
	if err != nil {
		return fmt.Errorf("create link token: %w", mapError(err))
	}
	return nil
}

// UseLinkToken marks the token used and returns its member id. It fails with
// ErrLinkUnknown, ErrLinkUsed or ErrLinkExpired and then changes nothing.
func (tx *Tx) UseLinkToken(ctx context.Context, nonceHash, purpose string) (int64, error) {
	var memberID sql.NullInt64
	err := tx.QueryRowContext(ctx, `
		UPDATE link_tokens SET used_at = $1
		WHERE nonce_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
		RETURNING member_id`, tx.Now, nonceHash, purpose).Scan(&memberID)
	if err == nil {
		return memberID.Int64, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("use link token: %w", err)
	}
	var used sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT used_at FROM link_tokens WHERE nonce_hash = $1 AND purpose = $2`,
		nonceHash, purpose).Scan(&used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, ErrLinkUnknown
	case err != nil:
		return 0, fmt.Errorf("use link token: %w", err)
	case used.Valid:
		return 0, ErrLinkUsed
	}
	return 0, ErrLinkExpired
}

// LinkTokenUsable reports nil when the token exists, is unused and unexpired,
// else the error UseLinkToken would return; it changes nothing.
func (db *DB) LinkTokenUsable(ctx context.Context, nonceHash, purpose string) error {
	var used sql.NullTime
	var expires time.Time
	err := db.sql.QueryRowContext(ctx, `SELECT used_at, expires_at FROM link_tokens WHERE nonce_hash = $1 AND purpose = $2`,
		nonceHash, purpose).Scan(&used, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrLinkUnknown
	case err != nil:
		return fmt.Errorf("link token: %w", err)
	case used.Valid:
		return ErrLinkUsed
	case !expires.After(db.Now()):
		return ErrLinkExpired
	}
	return nil
}

// DeleteExpiredLinkTokens removes tokens that expired before cutoff and
// returns how many.
func (db *DB) DeleteExpiredLinkTokens(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM link_tokens WHERE expires_at < $1`, cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("delete expired link tokens: %w", err)
	}
	return res.RowsAffected()
}
