package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/fanmail/fanmail"
)

// Sending a campaign
//
// A campaign's sends (one row per member, queued → sending → sent | failed |
// skipped) are mostly created by the claims that send them: ClaimSends walks
// the audience in member-id order from campaigns.queue_cursor and inserts the
// next batch's sends with the member's details and current consent read in
// the same pass, so the audience is evaluated when the mail goes out; a
// segment's rules too, window by window of member ids (claimNewMembers).
// Both engines insert them already in state sent with one
// send_claims row saying the batch is in flight: a batch that all went out
// is recorded by deleting that row, each send written once (recordSends);
// other outcomes rewrite their sends. Campaigns sent in
// each member's time zone queue every send when they start
// (Audience.Upfront), each due at its zone's time; consent and
// suppression are checked again when each is claimed. Queued sends (those,
// retries, and sends a stopping worker released) and sends stuck in flight
// past their lock (a dead worker's) are claimed before new ones.

// StartCampaign moves scheduled campaign id to sending and records its
// audience at now: how many members it has and the largest member id, up to
// which claims will create sends. With a.Upfront every send is queued now
// instead. It returns the campaign and the audience size; ECONFLICT if the
// campaign is not scheduled (another node started it).
func (db *DB) StartCampaign(ctx context.Context, id int64, a Audience, now time.Time) (fanmail.Campaign, int64, error) {
	var c fanmail.Campaign
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		c, err = moveCampaign(ctx, tx, id, fanmail.CampaignSending, nil, []string{fanmail.CampaignScheduled})
		if err != nil {
			return err
		}
		from, where, _, args, err := db.audienceFrom(a, now, 0)
		if err != nil {
			return err
		}
		if err := tx.indexScans(ctx); err != nil {
			return err
		}
		var end int64
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(m.id), 0) FROM `+from+` WHERE `+where,
			args...).Scan(&n, &end); err != nil {
			return fmt.Errorf("audience of campaign %d: %w", id, err)
		}
		var total int64
		if a.Upfront {
			if total, err = db.queueAll(ctx, tx, id, a, now); err != nil {
				return err
			}
			end = 0
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET started_at = $1 WHERE id = $2`, tx.Now, id); err != nil {
			return fmt.Errorf("start campaign %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_progress (campaign_id, audience, queue_end, total)
			VALUES ($1, $2, $3, $4)`, id, n, end, total); err != nil {
			return fmt.Errorf("start campaign %d: %w", id, mapError(err))
		}
		c.StartedAt = &tx.Now
		return nil
	})
	return c, n, err
}

// indexScans keeps the rest of tx to indexes where the dialect needs it
// (dialect.indexScans).
func (tx *Tx) indexScans(ctx context.Context) error {
	if tx.db.d.indexScans == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, tx.db.d.indexScans)
	return err
}

// queueAll inserts a queued send for every member of a, due at the time of
// the member's zone.
func (db *DB) queueAll(ctx context.Context, tx *Tx, id int64, a Audience, now time.Time) (int64, error) {
	args := []any{id, a.Due.UTC()}
	from, where, _, segArgs, err := db.audienceFrom(a, now, 2)
	if err != nil {
		return 0, err
	}
	args = append(args, segArgs...)
	due := db.d.timestamp("$2")
	if len(a.ZoneDue) > 0 {
		var b strings.Builder
		b.WriteString(`CASE m.timezone`)
		for tz, t := range a.ZoneDue {
			args = append(args, tz, t.UTC())
			fmt.Fprintf(&b, ` WHEN $%d THEN %s`, len(args)-1, db.d.timestamp("$"+strconv.Itoa(len(args))))
		}
		b.WriteString(` ELSE ` + due + ` END`)
		due = b.String()
	}
	members := `SELECT m.id AS mid, ` + due + ` AS due FROM ` + from + ` WHERE ` + where
	q := strings.Replace(db.d.queueSends, "{members}", members, 1)
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("queue sends of campaign %d: %w", id, err)
	}
	return res.RowsAffected()
}

// CancelCampaign moves campaign id to cancelled from scheduled, sending or
// paused: its queued sends are skipped and no new ones are created.
// ECONFLICT if it was in another status.
func (db *DB) CancelCampaign(ctx context.Context, id int64) (fanmail.Campaign, error) {
	var c fanmail.Campaign
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		c, err = moveCampaign(ctx, tx, id, fanmail.CampaignCancelled, nil,
			[]string{fanmail.CampaignScheduled, fanmail.CampaignSending, fanmail.CampaignPaused})
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'skipped', error = $1
			WHERE campaign_id = $2 AND state = 'queued'`, fanmail.SkipCancelled, id)
		if err != nil {
			return fmt.Errorf("cancel campaign %d: %w", id, err)
		}
		n, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE campaign_progress SET skipped = skipped + $1, queue_cursor = queue_end
			WHERE campaign_id = $2`, n, id); err != nil {
			return fmt.Errorf("cancel campaign %d: %w", id, err)
		}
		return nil
	})
	return c, err
}

// FinishCampaign moves campaign id from sending to finished if its audience
// has been worked through and none of its sends is queued or being sent,
// and reports whether it did. (One NOT EXISTS per state, each answered by
// its partial index.)
func (db *DB) FinishCampaign(ctx context.Context, id int64) (bool, error) {
	done := false
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = 'finished', finished_at = $1, updated_at = $1
			WHERE id = $2 AND status = 'sending'
			AND NOT EXISTS (SELECT 1 FROM campaign_progress WHERE campaign_id = $2 AND queue_cursor < queue_end)
			AND NOT EXISTS (SELECT 1 FROM send_claims WHERE campaign_id = $2)
			AND NOT EXISTS (SELECT 1 FROM sends WHERE campaign_id = $2 AND state = 'queued')
			AND NOT EXISTS (SELECT 1 FROM sends WHERE campaign_id = $2 AND state = 'sending')`, tx.Now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		done = true
		// The total becomes what was done (sends whose members were deleted
		// meanwhile are gone).
		_, err = tx.ExecContext(ctx, `UPDATE campaign_progress SET total = sent + failed + skipped WHERE campaign_id = $1`, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("finish campaign %d: %w", id, err)
	}
	return done, nil
}

// CampaignSendCounts counts the sends of campaign id by state, from the
// campaign's running counts and the sends in flight: fast for any size.
// While the audience is being worked through, Total is the audience counted
// when the campaign started and Queued includes members not reached yet.
func (db *DB) CampaignSendCounts(ctx context.Context, id int64) (fanmail.SendCounts, error) {
	var c fanmail.SendCounts
	var audience, cursor, end sql.NullInt64
	var total, sent, failed, skipped, relayErrors sql.NullInt64
	var relayError sql.NullString
	var relayErrorAt sql.NullTime
	err := db.sql.QueryRowContext(ctx, `SELECT p.audience, p.queue_cursor, p.queue_end, p.total, p.sent, p.failed, p.skipped,
		(SELECT COUNT(*) FROM sends WHERE campaign_id = $1 AND state = 'sending')
			+ (SELECT CAST(COALESCE(SUM(sends), 0) AS BIGINT) FROM send_claims WHERE campaign_id = $1),
		p.relay_errors, p.relay_error, p.relay_error_at
		FROM campaigns c LEFT JOIN campaign_progress p ON p.campaign_id = c.id WHERE c.id = $1`, id).
		Scan(&audience, &cursor, &end, &total, &sent, &failed, &skipped, &c.Sending, &relayErrors, &relayError, &relayErrorAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fanmail.Errorf(fanmail.ENOTFOUND, "Campaign not found.")
	}
	if err != nil {
		return c, fmt.Errorf("send counts of campaign %d: %w", id, err)
	}
	c.Total, c.Sent, c.Failed, c.Skipped = total.Int64, sent.Int64, failed.Int64, skipped.Int64
	c.RelayErrors, c.RelayError = relayErrors.Int64, relayError.String
	if relayErrorAt.Valid {
		t := relayErrorAt.Time.UTC()
		c.RelayErrorAt = &t
	}
	if cursor.Int64 < end.Int64 {
		c.Total = max(c.Total, audience.Int64)
	}
	c.Queued = max(c.Total-c.Sent-c.Failed-c.Skipped-c.Sending, 0)
	return c, nil
}
