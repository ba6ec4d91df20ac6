package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/fanmail/fanmail"
)

// RecordOptInConfirmation stores the evidence of member c.MemberID's
// double opt-in, stamped with the transaction's now (c.ConfirmedAt is
// ignored). A member confirms once; a second record replaces nothing.
func (tx *Tx) RecordOptInConfirmation(ctx context.Context, c fanmail.OptInConfirmation) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO optin_confirmations (member_id, ip, user_agent, confirmed_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (member_id) DO NOTHING`,
		c.MemberID, c.IP, c.UserAgent, tx.Now); err != nil {
		return fmt.Errorf("record opt-in confirmation of member %d: %w", c.MemberID, mapError(err))
	}
	return nil
}

// OptInConfirmation returns the evidence of member memberID's double
// opt-in, or ENOTFOUND when they never confirmed through the confirmation
// page (imported, registered by staff, or confirmed before it was kept).
func (db *DB) OptInConfirmation(ctx context.Context, memberID int64) (fanmail.OptInConfirmation, error) {
	c := fanmail.OptInConfirmation{MemberID: memberID}
	err := db.sql.QueryRowContext(ctx, `SELECT ip, user_agent, confirmed_at FROM optin_confirmations WHERE member_id = $1`,
		memberID).Scan(&c.IP, &c.UserAgent, &c.ConfirmedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fanmail.Errorf(fanmail.ENOTFOUND, "No opt-in confirmation was recorded.")
	}
	if err != nil {
		return c, fmt.Errorf("opt-in confirmation of member %d: %w", memberID, err)
	}
	c.ConfirmedAt = c.ConfirmedAt.UTC()
	return c, nil
}
