package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// sendClaim is a send_claims row: the sends first…last, created by one claim
// on SQLite in state sent and in flight until their outcome is recorded.
type sendClaim struct {
	id, first, last        int64
	claimedAt, lockedUntil time.Time
	lockedBy               sql.NullInt64
}

func (c sendClaim) size() int { return int(c.last - c.first + 1) }

// sendClaims returns the send_claims rows of campaign id, only those whose
// lock expired before now unless now is zero.
func sendClaims(ctx context.Context, tx *Tx, campaignID int64, now time.Time) ([]sendClaim, error) {
	query := `SELECT id, first_send, last_send, claimed_at, locked_until, locked_by FROM send_claims WHERE campaign_id = $1`
	args := []any{campaignID}
	if !now.IsZero() {
		query += ` AND locked_until < $2`
		args = append(args, now.UTC())
	}
	rows, err := tx.queryCached(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sends in flight: %w", err)
	}
	defer rows.Close()
	var out []sendClaim
	for rows.Next() {
		var c sendClaim
		if err := rows.Scan(&c.id, &c.first, &c.last, &c.claimedAt, &c.lockedUntil, &c.lockedBy); err != nil {
			return nil, fmt.Errorf("sends in flight: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// settleSendClaim deletes send_claims row c as the outcomes of its sends
// named are recorded. Sends of c not named become ordinary claims, in state sending locked as c was,
// so a lock that has expired (the worker died) makes them due again.
func (db *DB) settleSendClaim(ctx context.Context, tx *Tx, c sendClaim, named []int64) error {
	if len(named) < c.size() {
		in, arg := db.idsIn("id", 5, named)
		if _, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'sending', locked_until = $1, locked_by = $2, sent_at = NULL
			WHERE id >= $3 AND id <= $4 AND state = 'sent' AND NOT (`+in+`)`, c.lockedUntil.UTC(), c.lockedBy, c.first, c.last, arg); err != nil {
			return fmt.Errorf("settle claimed sends: %w", err)
		}
	}
	if _, err := tx.execCached(ctx, `DELETE FROM send_claims WHERE id = $1`, c.id); err != nil {
		return fmt.Errorf("settle claimed sends: %w", err)
	}
	return nil
}

// expireSendClaims settles the send_claims of campaign id whose lock expired
// before now: their sends become claims stuck in sending, claimed again
// like any other.
func (db *DB) expireSendClaims(ctx context.Context, campaignID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		expired, err := sendClaims(ctx, tx, campaignID, now)
		for _, c := range expired {
			if err == nil {
				err = db.settleSendClaim(ctx, tx, c, nil)
			}
		}
		return err
	})
}
