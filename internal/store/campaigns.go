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

const campaignColumns = `id, name, kind, is_ad, status, segment_id, sender_id, subject, preheader, body,
	send_at, timezone, member_tz, track_people, created_by, started_at, finished_at, created_at, updated_at,
	ad_override_by, ad_override_at, ad_override_reason, ad_override_content`

func scanCampaign(row interface{ Scan(...any) error }) (fanmail.Campaign, error) {
	var c fanmail.Campaign
	var segmentID, senderID, createdBy sql.NullInt64
	var sendAt, startedAt, finishedAt, overrideAt sql.NullTime
	var overrideBy sql.NullInt64
	var o fanmail.AdOverride
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.IsAd, &c.Status, &segmentID, &senderID, &c.Subject, &c.Preheader, &c.Body,
		&sendAt, &c.Timezone, &c.MemberTZ, &c.TrackPeople, &createdBy, &startedAt, &finishedAt, &c.CreatedAt, &c.UpdatedAt,
		&overrideBy, &overrideAt, &o.Reason, &o.Content)
	if err != nil {
		return c, err
	}
	if overrideAt.Valid {
		o.UserID, o.At = overrideBy.Int64, overrideAt.Time.UTC()
		c.AdOverride = &o
	}
	c.SegmentID, c.SenderID, c.CreatedBy = segmentID.Int64, senderID.Int64, createdBy.Int64
	c.SendAt, c.StartedAt, c.FinishedAt = timeOrNil(sendAt), timeOrNil(startedAt), timeOrNil(finishedAt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

var errCampaignNotFound = fanmail.Errorf(fanmail.ENOTFOUND, "Campaign not found.")

// CreateCampaign stores a new draft and returns it with its ID.
func (db *DB) CreateCampaign(ctx context.Context, c fanmail.Campaign) (fanmail.Campaign, error) {
	row := db.sql.QueryRowContext(ctx, `INSERT INTO campaigns (name, kind, is_ad, status, segment_id, sender_id,
		subject, preheader, body, timezone, member_tz, track_people, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING `+campaignColumns,
		c.Name, c.Kind, c.IsAd, nullInt64(c.SegmentID), nullInt64(c.SenderID), c.Subject, c.Preheader, c.Body,
		c.Timezone, c.MemberTZ, c.TrackPeople, nullInt64(c.CreatedBy), db.Now())
	out, err := scanCampaign(row)
	if err != nil {
		return out, fmt.Errorf("create campaign: %w", mapError(err))
	}
	return out, nil
}

// UpdateCampaign replaces the content of draft c.ID: ENOTFOUND if there is no
// such campaign, ECONFLICT if it is no longer a draft.
func (db *DB) UpdateCampaign(ctx context.Context, c fanmail.Campaign) (fanmail.Campaign, error) {
	row := db.sql.QueryRowContext(ctx, `UPDATE campaigns SET name = $1, kind = $2, is_ad = $3, segment_id = $4,
		sender_id = $5, subject = $6, preheader = $7, body = $8, timezone = $9, member_tz = $10, track_people = $11,
		updated_at = $12
		WHERE id = $13 AND status = 'draft' RETURNING `+campaignColumns,
		c.Name, c.Kind, c.IsAd, nullInt64(c.SegmentID), nullInt64(c.SenderID), c.Subject, c.Preheader, c.Body,
		c.Timezone, c.MemberTZ, c.TrackPeople, db.Now(), c.ID)
	out, err := scanCampaign(row)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := db.CampaignByID(ctx, c.ID); err != nil {
			return out, err
		}
		return out, fanmail.Errorf(fanmail.ECONFLICT, "Only a draft can be changed.")
	}
	if err != nil {
		return out, fmt.Errorf("update campaign %d: %w", c.ID, mapError(err))
	}
	return out, nil
}

// CampaignByID returns one campaign, or ENOTFOUND.
func (db *DB) CampaignByID(ctx context.Context, id int64) (fanmail.Campaign, error) {
	c, err := scanCampaign(db.sql.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errCampaignNotFound
	}
	if err != nil {
		return c, fmt.Errorf("campaign %d: %w", id, err)
	}
	return c, nil
}

// CampaignFilter selects campaigns; zero fields select everything.
type CampaignFilter struct {
	Statuses []string
	Limit    int // 0: 100
	Offset   int
}

// Campaigns lists campaigns, newest first.
func (db *DB) Campaigns(ctx context.Context, f CampaignFilter) ([]fanmail.Campaign, error) {
	q := `SELECT ` + campaignColumns + ` FROM campaigns`
	var args []any
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			marks[i] = "$" + strconv.Itoa(i+1)
			args = append(args, s)
		}
		q += ` WHERE status IN (` + strings.Join(marks, ",") + `)`
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0))
	rows, err := db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MoveCampaign changes the status of campaign id to to if it is one of from,
// atomically (several nodes may try at once). It returns the campaign as it
// now is: ECONFLICT if its status was not one of from, ENOTFOUND if there is
// no such campaign. Scheduling also sets send_at to sendAt.
func (db *DB) MoveCampaign(ctx context.Context, id int64, to string, sendAt *time.Time, from ...string) (fanmail.Campaign, error) {
	var out fanmail.Campaign
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = moveCampaign(ctx, tx, id, to, sendAt, from)
		return err
	})
	return out, err
}

func moveCampaign(ctx context.Context, tx *Tx, id int64, to string, sendAt *time.Time, from []string) (fanmail.Campaign, error) {
	args := []any{to, tx.Now, id}
	set := `status = $1, updated_at = $2`
	switch to {
	case fanmail.CampaignScheduled:
		args = append(args, optTime(sendAt))
		set += `, send_at = $4`
	case fanmail.CampaignDraft:
		set += `, send_at = NULL`
	case fanmail.CampaignFinished, fanmail.CampaignCancelled:
		set += `, finished_at = $2`
	}
	marks := make([]string, len(from))
	for i, s := range from {
		args = append(args, s)
		marks[i] = "$" + strconv.Itoa(len(args))
	}
	row := tx.QueryRowContext(ctx, `UPDATE campaigns SET `+set+`
		WHERE id = $3 AND status IN (`+strings.Join(marks, ",")+`) RETURNING `+campaignColumns, args...)
	c, err := scanCampaign(row)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, id)); errors.Is(err, sql.ErrNoRows) {
			return c, errCampaignNotFound
		}
		return c, fanmail.Errorf(fanmail.ECONFLICT, "The campaign's status has changed; reload and try again.")
	}
	if err != nil {
		return c, fmt.Errorf("move campaign %d to %s: %w", id, to, err)
	}
	return c, nil
}

// DueCampaigns returns scheduled campaigns whose send_at is at or before until,
// earliest first.
func (db *DB) DueCampaigns(ctx context.Context, until time.Time) ([]fanmail.Campaign, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+campaignColumns+` FROM campaigns
		WHERE status = 'scheduled' AND send_at <= $1 ORDER BY send_at, id`, until.UTC())
	if err != nil {
		return nil, fmt.Errorf("due campaigns: %w", err)
	}
	defer rows.Close()
	var out []fanmail.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("due campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SendingCampaignIDs returns the campaigns being sent now, oldest first.
func (db *DB) SendingCampaignIDs(ctx context.Context) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id FROM campaigns WHERE status = 'sending' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sending campaigns: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sending campaigns: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// MemberTimezones returns the distinct time zones members have set.
func (db *DB) MemberTimezones(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT DISTINCT timezone FROM members WHERE timezone <> ''`)
	if err != nil {
		return nil, fmt.Errorf("member time zones: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var tz string
		if err := rows.Scan(&tz); err != nil {
			return nil, fmt.Errorf("member time zones: %w", err)
		}
		out = append(out, tz)
	}
	return out, rows.Err()
}

// CampaignLinks returns the link id of every url of campaign id, creating the
// missing links rows.
func (db *DB) CampaignLinks(ctx context.Context, campaignID int64, urls []string) (map[string]int64, error) {
	out := make(map[string]int64, len(urls))
	err := db.InTx(ctx, func(tx *Tx) error {
		for _, u := range urls {
			if _, ok := out[u]; ok {
				continue
			}
			var id int64
			// DO UPDATE (a no-op) rather than DO NOTHING so RETURNING yields
			// the existing row too.
			err := tx.QueryRowContext(ctx, `INSERT INTO links (campaign_id, url) VALUES ($1, $2)
				ON CONFLICT (campaign_id, url) DO UPDATE SET url = excluded.url RETURNING id`, campaignID, u).Scan(&id)
			if err != nil {
				return fmt.Errorf("link of campaign %d: %w", campaignID, mapError(err))
			}
			out[u] = id
		}
		return nil
	})
	return out, err
}

// SetAdOverride records on draft campaign id that o.UserID allowed its
// content (fingerprint o.Content) to go out as non-advertising mail, for
// o.Reason, at the transaction's now. ENOTFOUND if there is no such
// campaign, ECONFLICT once it is no longer a draft.
func (tx *Tx) SetAdOverride(ctx context.Context, id int64, o fanmail.AdOverride) (fanmail.Campaign, error) {
	c, err := scanCampaign(tx.QueryRowContext(ctx, `UPDATE campaigns SET ad_override_by = $1, ad_override_at = $2,
		ad_override_reason = $3, ad_override_content = $4, updated_at = $2
		WHERE id = $5 AND status = 'draft' RETURNING `+campaignColumns,
		nullInt64(o.UserID), tx.Now, o.Reason, o.Content, id))
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := scanCampaign(tx.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, id)); errors.Is(err, sql.ErrNoRows) {
			return c, errCampaignNotFound
		}
		return c, fanmail.Errorf(fanmail.ECONFLICT, "Only a draft can be changed.")
	}
	if err != nil {
		return c, fmt.Errorf("set ad override of campaign %d: %w", id, mapError(err))
	}
	return c, nil
}
