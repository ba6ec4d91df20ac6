package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Claim is one send claimed by a worker, with what rendering and the
// send-time compliance check need to know about its member.
type Claim struct {
	SendID     int64
	MemberID   int64
	Token      string
	Attempts   int // including this one
	Email      string
	Name       string
	Code       string
	BirthYear  int
	Gender     string
	Lang       string
	Timezone   string
	Status     string // the member's status now
	Consent    bool   // marketing e-mail consent granted now
	Suppressed bool   // the address is on the suppression list now
}

// idsIn returns a condition "col is one of the ids passed as parameter $n"
// and the parameter's value: an array on PostgreSQL, a JSON array on SQLite.
// Either way the statement text stays the same for any number of ids.
func (db *DB) idsIn(col string, n int, ids []int64) (string, any) {
	mark := "$" + strconv.Itoa(n)
	if db.engine == Postgres {
		return col + ` = ANY(` + mark + `)`, ids
	}
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	b = append(b, ']')
	return col + ` IN (SELECT value FROM json_each(` + mark + `))`, string(b)
}

// claimColumns are the member columns of a Claim, over "members m".
const claimColumns = `m.email, m.name, COALESCE(m.code, ''), m.birth_year, m.gender, m.lang, m.timezone, m.status,
	EXISTS (SELECT 1 FROM member_consents mc WHERE mc.purpose = 'marketing_email' AND mc.granted AND mc.member_id = m.id),
	EXISTS (SELECT 1 FROM suppressions x WHERE x.email_normalized = m.email_normalized)`

// ClaimSends marks up to limit due sends of campaign id as being sent until
// lockUntil and returns them in send order, with their members' current
// details. A send is due when it is queued with next_attempt_at at or before
// now, or stuck in sending (its worker died) past its lock. Nothing is claimed
// unless the campaign is sending. On PostgreSQL concurrent claimers skip each
// other's rows (FOR UPDATE SKIP LOCKED); SQLite has a single writer.
func (db *DB) ClaimSends(ctx context.Context, campaignID int64, limit int, now, lockUntil time.Time) ([]Claim, error) {
	// Stuck sends first: they are few, and a separate statement keeps each
	// on its partial index (sends_inflight, sends_due).
	claims, err := db.claim(ctx, campaignID, limit, now, lockUntil, `state = 'sending' AND s.locked_until < $2`)
	if err != nil || len(claims) == limit {
		return claims, err
	}
	more, err := db.claim(ctx, campaignID, limit-len(claims), now, lockUntil, `state = 'queued' AND s.next_attempt_at <= $2`)
	return append(claims, more...), err
}

// claim claims the sends matching due ("state = … AND …", over "sends s").
func (db *DB) claim(ctx context.Context, campaignID int64, limit int, now, lockUntil time.Time, due string) ([]Claim, error) {
	pick := `FROM sends s WHERE s.campaign_id = $1 AND s.` + due + `
		AND EXISTS (SELECT 1 FROM campaigns WHERE id = $1 AND status = 'sending')
		ORDER BY s.next_attempt_at, s.id LIMIT $3`
	args := []any{campaignID, now.UTC(), limit, lockUntil.UTC()}
	var claims []Claim
	scan := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var c Claim
			if err := rows.Scan(&c.SendID, &c.MemberID, &c.Token, &c.Attempts, &c.Email, &c.Name, &c.Code, &c.BirthYear,
				&c.Gender, &c.Lang, &c.Timezone, &c.Status, &c.Consent, &c.Suppressed); err != nil {
				return err
			}
			claims = append(claims, c)
		}
		return rows.Err()
	}
	if db.engine == Postgres {
		// One round trip: claim and read the members in one statement.
		rows, err := db.sql.QueryContext(ctx, `WITH c AS (SELECT s.id `+pick+` FOR UPDATE SKIP LOCKED),
			u AS (UPDATE sends s SET state = 'sending', locked_until = $4, attempts = s.attempts + 1
				FROM c WHERE s.id = c.id RETURNING s.id, s.member_id, s.token, s.attempts)
			SELECT u.id, u.member_id, u.token, u.attempts, `+claimColumns+`
			FROM u JOIN members m ON m.id = u.member_id`, args...)
		if err == nil {
			err = scan(rows)
		}
		if err != nil {
			return nil, fmt.Errorf("claim sends of campaign %d: %w", campaignID, err)
		}
		slices.SortFunc(claims, func(a, b Claim) int { return cmp.Compare(a.SendID, b.SendID) })
		return claims, nil
	}
	// SQLite: read the sends with their members, then mark them, in one
	// write transaction (_txlock=immediate makes it the only writer).
	err := db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT s.id, s.member_id, s.token, s.attempts + 1, `+claimColumns+`
			`+strings.Replace(pick, "FROM sends s", "FROM sends s JOIN members m ON m.id = s.member_id", 1), args[:3]...)
		if err != nil {
			return err
		}
		if err := scan(rows); err != nil || len(claims) == 0 {
			return err
		}
		ids := make([]int64, len(claims))
		for i, c := range claims {
			ids[i] = c.SendID
		}
		in, arg := db.idsIn("id", 2, ids)
		_, err = tx.ExecContext(ctx, `UPDATE sends SET state = 'sending', locked_until = $1, attempts = attempts + 1
			WHERE `+in, args[3], arg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim sends of campaign %d: %w", campaignID, err)
	}
	return claims, nil
}

// FavoriteBrandNames returns the names of the favourite brands of each of
// memberIDs, in catalogue order.
func (db *DB) FavoriteBrandNames(ctx context.Context, memberIDs []int64) (map[int64][]string, error) {
	in, arg := db.idsIn("p.member_id", 1, memberIDs)
	rows, err := db.sql.QueryContext(ctx, `SELECT p.member_id, b.name FROM brand_preferences p
		JOIN brands b ON b.id = p.brand_id JOIN brand_groups g ON g.id = b.group_id
		WHERE `+in+` ORDER BY p.member_id, g.position, g.id, b.position, b.id`, arg)
	if err != nil {
		return nil, fmt.Errorf("favourite brands: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("favourite brands: %w", err)
		}
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}

// SendOutcome is what became of a batch of claimed sends.
type SendOutcome struct {
	CampaignID int64
	// Sent were accepted by the SMTP server. Their message_id becomes
	// token + MessageIDSuffix ("@mail.example.com").
	Sent            []int64
	MessageIDSuffix string
	// Skipped maps a reason (fanmail.SkipNoConsent, …) to the sends it stopped.
	Skipped map[string][]int64
	// Retry are queued again for a later attempt (4xx replies, lost connections).
	Retry []SendRetry
	// Failed were refused for good (5xx replies, or too many attempts).
	Failed []SendFailure
	// Released were claimed but not tried (the worker is stopping): queued
	// again at once, the claim not counted as an attempt.
	Released []int64
}

// SendRetry is a send to try again at At.
type SendRetry struct {
	SendID int64
	At     time.Time
	Error  string // never an address
}

// SendFailure is a send refused for good.
type SendFailure struct {
	SendID   int64
	MemberID int64  // for the event; 0 leaves it NULL
	Error    string // never an address
	Bounce   bool   // the server refused the recipient: record a bounce_hard event
}

// RecordSends stores the outcomes of batches in one transaction. Only sends
// still in state sending change: a send whose lock expired and that another
// worker already finished keeps that outcome.
func (db *DB) RecordSends(ctx context.Context, outcomes ...SendOutcome) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for _, o := range outcomes {
			if err := db.recordSends(ctx, tx, o); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) recordSends(ctx context.Context, tx *Tx, o SendOutcome) error {
	var sent, failed, skipped int64
	if len(o.Sent) > 0 {
		in, arg := db.idsIn("id", 3, o.Sent)
		res, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'sent', sent_at = $1, message_id = token || $2,
			locked_until = NULL, error = '' WHERE `+in+` AND state = 'sending'`, tx.Now, o.MessageIDSuffix, arg)
		if err != nil {
			return fmt.Errorf("record sent mail: %w", err)
		}
		sent, _ = res.RowsAffected()
	}
	for reason, ids := range o.Skipped {
		in, arg := db.idsIn("id", 2, ids)
		res, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'skipped', error = $1, locked_until = NULL
			WHERE `+in+` AND state = 'sending'`, reason, arg)
		if err != nil {
			return fmt.Errorf("record skipped mail: %w", err)
		}
		n, _ := res.RowsAffected()
		skipped += n
	}
	if len(o.Released) > 0 {
		in, arg := db.idsIn("id", 1, o.Released)
		if _, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'queued', locked_until = NULL, attempts = attempts - 1
			WHERE `+in+` AND state = 'sending'`, arg); err != nil {
			return fmt.Errorf("release mail: %w", err)
		}
	}
	for _, r := range o.Retry {
		if _, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'queued', next_attempt_at = $1, error = $2,
			locked_until = NULL WHERE id = $3 AND state = 'sending'`, r.At.UTC(), r.Error, r.SendID); err != nil {
			return fmt.Errorf("record retry of send %d: %w", r.SendID, err)
		}
	}
	for _, f := range o.Failed {
		res, err := tx.ExecContext(ctx, `UPDATE sends SET state = 'failed', error = $1, locked_until = NULL
			WHERE id = $2 AND state = 'sending'`, f.Error, f.SendID)
		if err != nil {
			return fmt.Errorf("record failure of send %d: %w", f.SendID, err)
		}
		n, _ := res.RowsAffected()
		failed += n
		if n == 0 || !f.Bounce {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (campaign_id, send_id, member_id, kind, detail, created_at)
			VALUES ($1, $2, $3, 'bounce_hard', $4, $5)`,
			o.CampaignID, f.SendID, nullInt64(f.MemberID), f.Error, tx.Now); err != nil {
			return fmt.Errorf("record bounce of send %d: %w", f.SendID, err)
		}
	}
	if sent+failed+skipped == 0 {
		return nil
	}
	// Last, so the campaign row (which every worker updates) is locked briefly.
	_, err := tx.ExecContext(ctx, `UPDATE campaigns SET sends_sent = sends_sent + $1, sends_failed = sends_failed + $2,
		sends_skipped = sends_skipped + $3 WHERE id = $4`, sent, failed, skipped, o.CampaignID)
	if err != nil {
		return fmt.Errorf("count sent mail of campaign %d: %w", o.CampaignID, err)
	}
	return nil
}
