package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fanmail/fanmail"
)

// Session is a signed-in staff user (UserID) or member (MemberID). The token
// itself is never stored, only its hash.
type Session struct {
	TokenHash string
	UserID    int64
	MemberID  int64
	CSRFToken string
	Lang      string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// CreateSession stores s.
func (db *DB) CreateSession(ctx context.Context, s Session) error {
	_, err := db.sql.ExecContext(ctx, `
		INSERT INTO sessions (token_hash, user_id, member_id, csrf_token, lang, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.TokenHash, nullInt64(s.UserID), nullInt64(s.MemberID), s.CSRFToken, s.Lang, s.ExpiresAt.UTC(), db.Now())
	if err != nil {
		return fmt.Errorf("create session: %w", mapError(err))
	}
	return nil
}

// SessionByHash returns the unexpired session with the token hash, or
// EUNAUTHORIZED.
func (db *DB) SessionByHash(ctx context.Context, hash string) (Session, error) {
	var s Session
	var uid, mid sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `
		SELECT token_hash, user_id, member_id, csrf_token, lang, expires_at, created_at
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, hash, db.Now()).
		Scan(&s.TokenHash, &uid, &mid, &s.CSRFToken, &s.Lang, &s.ExpiresAt, &s.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fanmail.Errorf(fanmail.EUNAUTHORIZED, "You must sign in.")
	}
	if err != nil {
		return s, fmt.Errorf("session: %w", err)
	}
	s.UserID, s.MemberID = uid.Int64, mid.Int64
	return s, nil
}

// DeleteSession removes one session (sign-out).
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessionsOf removes every session of a staff user (userID) or member
// (memberID), e.g. after a password change or deactivation.
func (db *DB) DeleteSessionsOf(ctx context.Context, userID, memberID int64) error {
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 OR member_id = $2`,
		nullInt64(userID), nullInt64(memberID)); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions that expired before now and returns
// how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.sql.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, db.Now())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
