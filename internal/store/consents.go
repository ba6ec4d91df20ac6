package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

// AddConsent appends c to the consent history and makes it the member's
// current decision for c.Purpose. CreatedAt is the transaction's time.
// Withdrawing a consent that was granted is a withdrawal: mail already
// claimed for the member is not handed to SMTP once tx commits.
func (tx *Tx) AddConsent(ctx context.Context, c fanmail.Consent) error {
	if !c.Granted {
		var granted bool
		err := tx.QueryRowContext(ctx, `SELECT granted FROM member_consents WHERE member_id = $1 AND purpose = $2`,
			c.MemberID, c.Purpose).Scan(&granted)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("consent of member %d: %w", c.MemberID, err)
		}
		if granted {
			if err := tx.withdraw(ctx, c.MemberID, WithdrawConsent, c.Purpose); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO consents (member_id, purpose, channel, granted, source, ip, version, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.MemberID, c.Purpose, c.Channel, c.Granted, c.Source, c.IP, c.Version, tx.Now); err != nil {
		return fmt.Errorf("add consent of member %d: %w", c.MemberID, mapError(err))
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO member_consents (member_id, purpose, granted, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (member_id, purpose) DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at`,
		c.MemberID, c.Purpose, c.Granted, tx.Now); err != nil {
		return fmt.Errorf("set consent of member %d: %w", c.MemberID, mapError(err))
	}
	return nil
}

// ConsentHistory returns every consent record of the member, oldest first.
func (db *DB) ConsentHistory(ctx context.Context, memberID int64) ([]fanmail.Consent, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT id, member_id, purpose, channel, granted, source, ip, version, created_at
		FROM consents WHERE member_id = $1 ORDER BY id`, memberID)
	if err != nil {
		return nil, fmt.Errorf("consents of member %d: %w", memberID, err)
	}
	defer rows.Close()
	var cs []fanmail.Consent
	for rows.Next() {
		var c fanmail.Consent
		if err := rows.Scan(&c.ID, &c.MemberID, &c.Purpose, &c.Channel, &c.Granted, &c.Source, &c.IP, &c.Version, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("consents of member %d: %w", memberID, err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// CurrentConsents returns the member's current decision per purpose; purposes
// never decided are absent.
func (db *DB) CurrentConsents(ctx context.Context, memberID int64) (map[string]bool, error) {
	return currentConsents(ctx, db.sql, memberID)
}

// CurrentConsents is CurrentConsents inside the transaction.
func (tx *Tx) CurrentConsents(ctx context.Context, memberID int64) (map[string]bool, error) {
	return currentConsents(ctx, tx, memberID)
}

func currentConsents(ctx context.Context, q querier, memberID int64) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT purpose, granted FROM member_consents WHERE member_id = $1`, memberID)
	if err != nil {
		return nil, fmt.Errorf("current consents of member %d: %w", memberID, err)
	}
	defer rows.Close()
	m := map[string]bool{}
	for rows.Next() {
		var p string
		var g bool
		if err := rows.Scan(&p, &g); err != nil {
			return nil, fmt.Errorf("current consents of member %d: %w", memberID, err)
		}
		m[p] = g
	}
	return m, rows.Err()
}
