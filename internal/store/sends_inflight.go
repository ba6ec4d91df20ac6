package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// sendClaim is a send_claims row: the n sends of its campaign with ids
// first…last, created by one claim in state sent and in flight until their
// outcome is recorded (claimNew, recordSends).
type sendClaim struct {
	id, campaignID, first, last int64
	n                           int
	claimedAt, lockedUntil      time.Time
	lockedBy                    sql.NullInt64
}

func (c sendClaim) size() int { return c.n }

const sendClaimColumns = `id, campaign_id, first_send, last_send, sends, claimed_at, locked_until, locked_by`

func scanSendClaims(rows *sql.Rows) ([]sendClaim, error) {
	defer rows.Close()
	var out []sendClaim
	for rows.Next() {
		var c sendClaim
		if err := rows.Scan(&c.id, &c.campaignID, &c.first, &c.last, &c.n, &c.claimedAt, &c.lockedUntil, &c.lockedBy); err != nil {
			return nil, fmt.Errorf("sends in flight: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// insertSendClaim records claims, new sends of campaign id just inserted in
// state sent with ascending ids, as one send_claims row locked until
// lockUntil.
func insertSendClaim(ctx context.Context, tx *Tx, campaignID int64, claims []Claim, now, lockUntil time.Time) error {
	_, err := tx.execCached(ctx, `INSERT INTO send_claims (campaign_id, first_send, last_send, sends, claimed_at, locked_until, locked_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, campaignID, claims[0].SendID, claims[len(claims)-1].SendID, len(claims),
		now.UTC(), lockUntil.UTC(), tx.db.lockedBy())
	return err
}

// expiredSendClaims returns the send_claims rows of campaign id whose lock
// expired before now, locked, skipping rows locked already (PostgreSQL):
// claimers of several nodes settle each once, and none a row whose
// outcomes are being recorded.
func expiredSendClaims(ctx context.Context, tx *Tx, campaignID int64, now time.Time) ([]sendClaim, error) {
	rows, err := tx.queryCached(ctx, `SELECT `+sendClaimColumns+` FROM send_claims WHERE campaign_id = $1
		AND locked_until < $2 `+tx.db.d.skipLocked, campaignID, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("sends in flight: %w", err)
	}
	return scanSendClaims(rows)
}

// lockSendClaims locks the send_claims rows of o's campaign whose sends
// overlap the ids of o and returns them as they are now, in one statement:
// on PostgreSQL another node may have settled one whose lock expired
// meanwhile, and its sends are then ordinary claims. (Rows of the range
// that cover none of o's sends are locked too, briefly; recordSends keeps
// those that cover some.) SQLite's single writer needs no lock.
func lockSendClaims(ctx context.Context, tx *Tx, o SendOutcome) ([]sendClaim, error) {
	lo, hi, ok := o.idRange()
	if !ok {
		return nil, nil
	}
	rows, err := tx.queryCached(ctx, `SELECT `+sendClaimColumns+` FROM send_claims
		WHERE campaign_id = $1 AND first_send <= $2 AND last_send >= $3 ORDER BY id `+tx.db.d.forUpdate, o.CampaignID, hi, lo)
	if err != nil {
		return nil, fmt.Errorf("lock sends in flight: %w", err)
	}
	return scanSendClaims(rows)
}

// settleSendClaim deletes send_claims row c as the outcomes of its sends
// named are recorded. Sends of c not named become ordinary claims, in state
// sending locked as c was, so a lock that has expired (the worker died)
// makes them due again.
func (db *DB) settleSendClaim(ctx context.Context, tx *Tx, c sendClaim, named []int64) error {
	if len(named) < c.size() {
		in, arg := db.idsIn("id", 6, named)
		if _, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'sending', locked_until = $1, locked_by = $2, sent_at = NULL
			WHERE campaign_id = $5 AND id >= $3 AND id <= $4 AND state = 'sent' AND NOT (`+in+`)`,
			c.lockedUntil.UTC(), c.lockedBy, c.first, c.last, c.campaignID, arg); err != nil {
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
		expired, err := expiredSendClaims(ctx, tx, campaignID, now)
		for _, c := range expired {
			if err == nil {
				err = db.settleSendClaim(ctx, tx, c, nil)
			}
		}
		return err
	})
}
