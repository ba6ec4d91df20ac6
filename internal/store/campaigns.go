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
	send_at, timezone, member_tz, track_people, created_by, started_at, finished_at, created_at, updated_at`

func scanCampaign(row interface{ Scan(...any) error }) (fanmail.Campaign, error) {
	var c fanmail.Campaign
	var segmentID, senderID, createdBy sql.NullInt64
	var sendAt, startedAt, finishedAt sql.NullTime
	err := row.Scan(&c.ID, &c.Name, &c.Kind, &c.IsAd, &c.Status, &segmentID, &senderID, &c.Subject, &c.Preheader, &c.Body,
		&sendAt, &c.Timezone, &c.MemberTZ, &c.TrackPeople, &createdBy, &startedAt, &finishedAt, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
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

// Audience says which members a starting campaign is sent to, and when.
type Audience struct {
	// Where is a condition over "members m" (see SegmentMemberSQL) with its
	// arguments numbered from $3; empty selects every member.
	Where string
	Args  []any
	// Marketing restricts the audience to members who currently consent to
	// marketing e-mail and whose address is not suppressed.
	Marketing bool
	// Due is when the sends become due; ZoneDue overrides it for members
	// whose time zone is a key (campaigns sent in each member's time zone).
	Due     time.Time
	ZoneDue map[string]time.Time
}

// StartCampaign moves scheduled campaign id to sending and creates one queued
// send per member of a, each with a fresh random token, in one statement and
// one transaction. It returns the campaign and how many sends were created;
// ECONFLICT if the campaign is not scheduled (another node started it).
func (db *DB) StartCampaign(ctx context.Context, id int64, a Audience) (fanmail.Campaign, int64, error) {
	var c fanmail.Campaign
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		c, err = moveCampaign(ctx, tx, id, fanmail.CampaignSending, nil, []string{fanmail.CampaignScheduled})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET started_at = $1 WHERE id = $2`, tx.Now, id); err != nil {
			return fmt.Errorf("start campaign %d: %w", id, err)
		}
		c.StartedAt = &tx.Now
		n, err = db.materialize(ctx, tx, id, a)
		return err
	})
	return c, n, err
}

// materialize inserts the sends of campaign id. Send ids ascend with member
// ids, so workers send in registration order. A token is the send id in hex
// (10 digits) followed by 16 random hex digits (64 bits): unique, unguessable,
// and ascending, so a million tokens are appended to their unique index
// rather than scattered over it.
func (db *DB) materialize(ctx context.Context, tx *Tx, id int64, a Audience) (int64, error) {
	args := []any{id, a.Due.UTC()}
	args = append(args, a.Args...)
	cast := func(mark string) string {
		if db.engine == Postgres {
			return `CAST(` + mark + ` AS TIMESTAMPTZ)`
		}
		return mark
	}
	due := cast("$2")
	if len(a.ZoneDue) > 0 {
		var b strings.Builder
		b.WriteString(`CASE m.timezone`)
		for tz, t := range a.ZoneDue {
			args = append(args, tz, t.UTC())
			fmt.Fprintf(&b, ` WHEN $%d THEN %s`, len(args)-1, cast("$"+strconv.Itoa(len(args))))
		}
		b.WriteString(` ELSE ` + due + ` END`)
		due = b.String()
	}
	where := `m.status = 'active'`
	if a.Marketing {
		where += ` AND EXISTS (SELECT 1 FROM member_consents mc
			WHERE mc.member_id = m.id AND mc.purpose = 'marketing_email' AND mc.granted)
		AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized)`
	}
	if a.Where != "" {
		where += ` AND (` + a.Where + `)`
	}
	members := `SELECT m.id AS mid, ` + due + ` AS due FROM members m WHERE ` + where + ` ORDER BY m.id`
	var q string
	if db.engine == Postgres {
		q = `INSERT INTO sends (id, campaign_id, member_id, state, token, next_attempt_at)
		SELECT y.id, $1, y.mid, 'queued',
			lpad(to_hex(y.id), 10, '0') || substr(encode(sha256(convert_to(CAST(gen_random_uuid() AS TEXT), 'UTF8')), 'hex'), 1, 16),
			y.due
		FROM (SELECT nextval(pg_get_serial_sequence('sends', 'id')) AS id, x.mid, x.due FROM (` + members + `) x) y
		ON CONFLICT (campaign_id, member_id) DO NOTHING`
	} else {
		// One writer: the ids after the largest one are free.
		q = `INSERT INTO sends (id, campaign_id, member_id, state, token, next_attempt_at)
		SELECT b.base + x.rn, $1, x.mid, 'queued', printf('%010x', b.base + x.rn) || lower(hex(randomblob(8))), x.due
		FROM (SELECT mid, due, row_number() OVER (ORDER BY mid) AS rn FROM (` + members + `)) x,
			(SELECT COALESCE(MAX(id), 0) AS base FROM sends) b
		WHERE true
		ON CONFLICT (campaign_id, member_id) DO NOTHING`
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("queue sends of campaign %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET sends_total = sends_total + $1 WHERE id = $2`, n, id); err != nil {
		return 0, fmt.Errorf("queue sends of campaign %d: %w", id, err)
	}
	return n, nil
}

// CancelCampaign moves campaign id to cancelled from scheduled, sending or
// paused, and marks its queued sends skipped. ECONFLICT if it was in another
// status.
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
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET sends_skipped = sends_skipped + $1 WHERE id = $2`, n, id); err != nil {
			return fmt.Errorf("cancel campaign %d: %w", id, err)
		}
		return nil
	})
	return c, err
}

// FinishCampaign moves campaign id from sending to finished if none of its
// sends is queued or being sent, and reports whether it did. (One NOT EXISTS
// per state, each answered by its partial index.)
func (db *DB) FinishCampaign(ctx context.Context, id int64) (bool, error) {
	now := db.Now()
	res, err := db.sql.ExecContext(ctx, `UPDATE campaigns SET status = 'finished', finished_at = $1, updated_at = $1
		WHERE id = $2 AND status = 'sending'
		AND NOT EXISTS (SELECT 1 FROM sends WHERE campaign_id = $2 AND state = 'queued')
		AND NOT EXISTS (SELECT 1 FROM sends WHERE campaign_id = $2 AND state = 'sending')`, now, id)
	if err != nil {
		return false, fmt.Errorf("finish campaign %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CampaignSendCounts counts the sends of campaign id by state, from the
// campaign's running counts and the sends in flight: fast for any size.
func (db *DB) CampaignSendCounts(ctx context.Context, id int64) (fanmail.SendCounts, error) {
	var c fanmail.SendCounts
	err := db.sql.QueryRowContext(ctx, `SELECT sends_total, sends_sent, sends_failed, sends_skipped,
		(SELECT COUNT(*) FROM sends WHERE campaign_id = $1 AND state = 'sending')
		FROM campaigns WHERE id = $1`, id).Scan(&c.Total, &c.Sent, &c.Failed, &c.Skipped, &c.Sending)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errCampaignNotFound
	}
	if err != nil {
		return c, fmt.Errorf("send counts of campaign %d: %w", id, err)
	}
	c.Queued = c.Total - c.Sent - c.Failed - c.Skipped - c.Sending
	return c, nil
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
