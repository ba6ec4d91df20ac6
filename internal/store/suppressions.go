package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fanmail/fanmail"
)

// Suppression reasons.
const (
	SuppressUnsubscribed = "unsubscribed"
	SuppressHardBounce   = "hard_bounce"
	SuppressSoftBounces  = "soft_bounces" // too many soft bounces within the window
	SuppressComplaint    = "complaint"
	SuppressManual       = "manual"
)

// Suppression is an address no campaign mail may go to.
type Suppression struct {
	Email     string // normalized
	Reason    string // one of the Suppress* reasons
	Source    string // where it came from: unsubscribe, dsn, smtp (refused while sending), arf, webhook:PROVIDER, admin
	CreatedAt time.Time
}

// SuppressionFilter pages through the suppression list in address order.
type SuppressionFilter struct {
	After  string // return addresses after this one (keyset paging); "" from the start
	Reason string // only this reason; "" for all
	Limit  int    // at most this many; 0 means 50
}

// Suppress adds email to the suppression list. An address already suppressed
// keeps its first reason and source; that is not an error. Suppressing an
// address for any reason but a bounce is a withdrawal: mail already claimed
// for it is not handed to SMTP once the suppression commits. Errors:
// EINVALID for an empty address.
func (db *DB) Suppress(ctx context.Context, email, reason, source string) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.Suppress(ctx, email, reason, source) })
}

// Suppress is Suppress inside the transaction.
func (tx *Tx) Suppress(ctx context.Context, email, reason, source string) error {
	e := fanmail.NormalizeEmail(email)
	if e == "" {
		return fanmail.FieldError("email", "Enter an e-mail address.")
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO suppressions (email_normalized, reason, source, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (email_normalized) DO NOTHING`, e, reason, source, tx.Now)
	if err != nil {
		return fmt.Errorf("suppress address: %w", mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 || reason == SuppressHardBounce || reason == SuppressSoftBounces {
		return nil
	}
	return tx.withdrawAddress(ctx, e, reason)
}

// IsSuppressed reports whether email is on the suppression list.
func (db *DB) IsSuppressed(ctx context.Context, email string) (bool, error) {
	return isSuppressed(ctx, db.sql, email)
}

// IsSuppressed is IsSuppressed inside the transaction.
func (tx *Tx) IsSuppressed(ctx context.Context, email string) (bool, error) {
	return isSuppressed(ctx, tx, email)
}

func isSuppressed(ctx context.Context, q querier, email string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM suppressions WHERE email_normalized = $1`,
		fanmail.NormalizeEmail(email)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("is suppressed: %w", err)
	}
	return n > 0, nil
}

// SuppressionOf returns the suppression of email, or ENOTFOUND.
func (db *DB) SuppressionOf(ctx context.Context, email string) (Suppression, error) {
	var s Suppression
	err := db.sql.QueryRowContext(ctx, `
		SELECT email_normalized, reason, source, created_at FROM suppressions WHERE email_normalized = $1`,
		fanmail.NormalizeEmail(email)).Scan(&s.Email, &s.Reason, &s.Source, &s.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fanmail.Errorf(fanmail.ENOTFOUND, "This address is not suppressed.")
	}
	if err != nil {
		return s, fmt.Errorf("suppression: %w", err)
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return s, nil
}

// Unsuppress removes email from the suppression list and forgets its soft
// bounces, so the threshold starts again. Errors: ENOTFOUND when the address
// was not suppressed.
func (db *DB) Unsuppress(ctx context.Context, email string) error {
	e := fanmail.NormalizeEmail(email)
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE email_normalized = $1`, e)
		if err != nil {
			return fmt.Errorf("unsuppress: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fanmail.Errorf(fanmail.ENOTFOUND, "This address is not suppressed.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM soft_bounces WHERE email_normalized = $1`, e); err != nil {
			return fmt.Errorf("unsuppress: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE address_health SET soft_bounces = 0 WHERE email_normalized = $1`, e); err != nil {
			return fmt.Errorf("unsuppress: %w", err)
		}
		return nil
	})
}

// LiftUnsubscribe removes the suppression of email when its reason is
// SuppressUnsubscribed: the member agreed to marketing e-mail again. Bounces
// and complaints stay suppressed. It reports whether a suppression was lifted.
func (tx *Tx) LiftUnsubscribe(ctx context.Context, email string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM suppressions WHERE email_normalized = $1 AND reason = $2`,
		fanmail.NormalizeEmail(email), SuppressUnsubscribed)
	if err != nil {
		return false, fmt.Errorf("lift unsubscribe: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Suppressions returns a page of the suppression list in address order.
func (db *DB) Suppressions(ctx context.Context, f SuppressionFilter) ([]Suppression, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := db.sql.QueryContext(ctx, `
		SELECT email_normalized, reason, source, created_at FROM suppressions
		WHERE email_normalized > $1 AND ($2 = '' OR reason = $2)
		ORDER BY email_normalized LIMIT $3`, f.After, f.Reason, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("suppressions: %w", err)
	}
	defer rows.Close()
	var list []Suppression
	for rows.Next() {
		var s Suppression
		if err := rows.Scan(&s.Email, &s.Reason, &s.Source, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("suppressions: %w", err)
		}
		s.CreatedAt = s.CreatedAt.UTC()
		list = append(list, s)
	}
	return list, rows.Err()
}

// CountSuppressions returns how many addresses are suppressed, per reason.
func (db *DB) CountSuppressions(ctx context.Context) (map[string]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT reason, COUNT(*) FROM suppressions GROUP BY reason`)
	if err != nil {
		return nil, fmt.Errorf("count suppressions: %w", err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var r string
		var n int64
		if err := rows.Scan(&r, &n); err != nil {
			return nil, fmt.Errorf("count suppressions: %w", err)
		}
		m[r] = n
	}
	return m, rows.Err()
}

// AddressHealth is the bounce record of one address.
type AddressHealth struct {
	Email        string
	SoftBounces  int // soft bounces since the last unsuppress
	HardBounces  int
	LastBounceAt time.Time
}

// AddressHealthOf returns the bounce record of email, or ENOTFOUND.
func (db *DB) AddressHealthOf(ctx context.Context, email string) (AddressHealth, error) {
	var h AddressHealth
	var last sql.NullTime
	err := db.sql.QueryRowContext(ctx, `
		SELECT email_normalized, soft_bounces, hard_bounces, last_bounce_at FROM address_health
		WHERE email_normalized = $1`, fanmail.NormalizeEmail(email)).Scan(&h.Email, &h.SoftBounces, &h.HardBounces, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fanmail.Errorf(fanmail.ENOTFOUND, "No bounces recorded for this address.")
	}
	if err != nil {
		return h, fmt.Errorf("address health: %w", err)
	}
	if last.Valid {
		h.LastBounceAt = last.Time.UTC()
	}
	return h, nil
}

// AddBounce counts a bounce of email (hard or soft) in address_health and,
// for a soft bounce, logs it for the sliding-window threshold. A soft bounce
// of a send already logged is not counted twice (a "delayed" DSN followed by a
// "failed" one). It returns the number of soft bounces of the address since
// since.
func (tx *Tx) AddBounce(ctx context.Context, email string, hard bool, sendID int64, since time.Time) (softInWindow int, err error) {
	e := fanmail.NormalizeEmail(email)
	if !hard {
		var dup int
		if sendID != 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM soft_bounces WHERE email_normalized = $1 AND send_id = $2`,
				e, sendID).Scan(&dup); err != nil {
				return 0, fmt.Errorf("add bounce: %w", err)
			}
		}
		if dup > 0 {
			return tx.softBouncesSince(ctx, e, since)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO soft_bounces (email_normalized, send_id, created_at) VALUES ($1, $2, $3)`,
			e, nullInt64(sendID), tx.Now); err != nil {
			return 0, fmt.Errorf("add bounce: %w", err)
		}
	}
	soft, hardN := 0, 0
	if hard {
		hardN = 1
	} else {
		soft = 1
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO address_health (email_normalized, soft_bounces, hard_bounces, last_bounce_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (email_normalized) DO UPDATE SET soft_bounces = address_health.soft_bounces + excluded.soft_bounces,
			hard_bounces = address_health.hard_bounces + excluded.hard_bounces, last_bounce_at = excluded.last_bounce_at`,
		e, soft, hardN, tx.Now); err != nil {
		return 0, fmt.Errorf("add bounce: %w", err)
	}
	if hard {
		return 0, nil
	}
	return tx.softBouncesSince(ctx, e, since)
}

// SourceSMTP is the suppression source of addresses the relay refused for
// good while fanmail handed it mail (a 5xx reply to RCPT or the data).
const SourceSMTP = "smtp"

// hardBounce counts a hard bounce of member memberID's address, refused by
// the relay while sending send sendID (0 for an outbox message), and
// suppresses it, as a DSN reporting one does (tracking.ApplyBounce).
func (tx *Tx) hardBounce(ctx context.Context, memberID, sendID int64) error {
	var email string
	err := tx.QueryRowContext(ctx, `SELECT email_normalized FROM members WHERE id = $1`, memberID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("hard bounce: %w", err)
	}
	return tx.hardBounceAddress(ctx, email, sendID)
}

// hardBounceAddress records a hard bounce of the normalized address email
// (of send sendID, 0 for none) and suppresses it.
func (tx *Tx) hardBounceAddress(ctx context.Context, email string, sendID int64) error {
	if _, err := tx.AddBounce(ctx, email, true, sendID, tx.Now); err != nil {
		return err
	}
	return tx.Suppress(ctx, email, SuppressHardBounce, SourceSMTP)
}

func (tx *Tx) softBouncesSince(ctx context.Context, email string, since time.Time) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM soft_bounces WHERE email_normalized = $1 AND created_at > $2`,
		email, since.UTC()).Scan(&n); err != nil {
		return 0, fmt.Errorf("soft bounces: %w", err)
	}
	return n, nil
}
